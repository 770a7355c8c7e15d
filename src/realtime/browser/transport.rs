//! The transports that carry frames to the subscriber: a WebSocket, or an SSE stream
//! (feature `sse`) that carries the topics and positions in its URL.

use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
#[cfg(feature = "sse")]
use web_sys::{EventSource, EventSourceInit};

use super::{now, Runtime};
use crate::farm::DataFarm;

/// SSE message names the server sends; each carries a protocol message as JSON.
#[cfg(feature = "sse")]
const SSE_EVENTS: [&str; 5] = ["entity.changed", "subscribed", "resync", "revoked", "error"];

/// The open connection of a subscriber.
pub(super) enum Connection {
    Socket(WebSocket),
    #[cfg(feature = "sse")]
    Stream(EventSource),
}

impl Connection {
    pub(super) fn close(&self) {
        match self {
            Connection::Socket(ws) => {
                ws.set_onopen(None);
                ws.set_onmessage(None);
                ws.set_onclose(None);
                ws.set_onerror(None);
                let _ = ws.close();
            }
            #[cfg(feature = "sse")]
            Connection::Stream(es) => {
                es.set_onopen(None);
                es.set_onerror(None);
                es.close();
            }
        }
    }
}

/// The absolute URL of an API path, for transports that need one.
fn absolute(farm: &DataFarm, path: &str, websocket: bool) -> String {
    let url = farm.client().url(path);
    let absolute = if url.starts_with('/') {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        format!("{origin}{url}")
    } else {
        url
    };
    // Only the scheme changes (a path that happens to hold "http://" stays as it is).
    let secure = absolute
        .strip_prefix("https://")
        .map(|rest| ("wss://", rest));
    match secure.or_else(|| absolute.strip_prefix("http://").map(|rest| ("ws://", rest))) {
        Some((scheme, rest)) if websocket => format!("{scheme}{rest}"),
        _ => absolute,
    }
}

/// `text` as a URL component (the SSE stream carries topics and positions in its query).
#[cfg(feature = "sse")]
fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text)
        .as_string()
        .unwrap_or_default()
}

impl Runtime {
    pub(super) fn open_socket(self: &Rc<Self>) -> Result<(), wasm_bindgen::JsValue> {
        let ws = WebSocket::new(&absolute(&self.farm, "/ws", true))?;
        let rt = Rc::clone(self);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            let actions = rt.core.borrow_mut().on_open(now());
            rt.run(actions);
            rt.after_reconnect();
        });
        let rt = Rc::clone(self);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(text) = event.data().as_string() {
                rt.received(&text);
            } else {
                leptos::logging::warn!("data-farm realtime: ignored a binary frame");
            }
        });
        let rt = Rc::clone(self);
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            rt.closed(Some(event.code()));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let mut callbacks = self.callbacks.borrow_mut();
        callbacks.push(Box::new(on_open));
        callbacks.push(Box::new(on_message));
        callbacks.push(Box::new(on_close));
        *self.connection.borrow_mut() = Some(Connection::Socket(ws));
        Ok(())
    }

    #[cfg(feature = "sse")]
    pub(super) fn open_stream(self: &Rc<Self>) -> Result<(), wasm_bindgen::JsValue> {
        let (topics, since) = {
            let core = self.core.borrow();
            let since: Vec<String> = core
                .positions()
                .iter()
                .map(|(t, s)| format!("{t}={s}"))
                .collect();
            (core.topics().join(","), since.join(","))
        };
        let mut url = format!(
            "{}?topics={}",
            absolute(&self.farm, "/events/stream", false),
            encode(&topics)
        );
        if !since.is_empty() {
            url.push_str(&format!("&since={}", encode(&since)));
        }
        let init = EventSourceInit::new();
        init.set_with_credentials(true);
        let es = EventSource::new_with_event_source_init_dict(&url, &init)?;
        let rt = Rc::clone(self);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            // The topics are in the URL; the subscribe this returns is already done.
            let _ = rt.core.borrow_mut().on_open(now());
            rt.publish();
            rt.after_reconnect();
        });
        es.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let rt = Rc::clone(self);
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            match event
                .dyn_ref::<MessageEvent>()
                .and_then(|m| m.data().as_string())
            {
                Some(text) => rt.received(&text),
                // A connection error (not a server `error` message): reconnect on our schedule,
                // resuming from our positions.
                None => rt.closed(None),
            }
        });
        for name in SSE_EVENTS {
            es.add_event_listener_with_callback(name, on_message.as_ref().unchecked_ref())?;
        }
        let mut callbacks = self.callbacks.borrow_mut();
        callbacks.push(Box::new(on_open));
        callbacks.push(Box::new(on_message));
        *self.connection.borrow_mut() = Some(Connection::Stream(es));
        Ok(())
    }
}
