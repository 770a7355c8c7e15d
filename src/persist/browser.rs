//! The page's signals for persistence: going offline and online, being hidden or unloaded
//! (flush now), and the periodic sync.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{IdbStorage, MemoryStorage, Persistence};
use std::sync::Arc;

impl Persistence {
    /// Opens IndexedDB (database [`PersistConfig::database`](super::PersistConfig)) and uses it;
    /// without IndexedDB the layer runs in memory and says so in its status.
    pub async fn open_indexed_db(&self) {
        let name = self.config().with_untracked(|c| c.database.clone());
        match IdbStorage::open(&name).await {
            Ok(storage) => self.attach(Arc::new(storage)).await,
            Err(err) => {
                self.attach(Arc::new(MemoryStorage::default())).await;
                self.degrade(err);
            }
        }
    }
}

/// Wires `persistence` to the page: `online`/`offline` events, a flush when the page is hidden
/// or unloaded (`visibilitychange`, `pagehide`), and a sync every
/// [`PersistConfig::sync_interval_ms`](super::PersistConfig). Call it once, in the root component.
pub fn install_browser_triggers(persistence: &Persistence) {
    persistence.set_browser_offline(!window().navigator().on_line());
    let on_online = persistence.clone();
    let online = window_event_listener(leptos::ev::online, move |_| {
        on_online.set_browser_offline(false)
    });
    let on_offline = persistence.clone();
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        on_offline.set_browser_offline(true)
    });
    let on_hide = persistence.clone();
    let hidden = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            let persistence = on_hide.clone();
            leptos::task::spawn_local(async move { persistence.flush().await });
        }
    });
    let on_leave = persistence.clone();
    let leaving = window_event_listener(leptos::ev::pagehide, move |_| {
        let persistence = on_leave.clone();
        leptos::task::spawn_local(async move { persistence.flush().await });
    });
    let periodic = persistence.clone();
    let tick = Closure::<dyn Fn()>::new(move || {
        let persistence = periodic.clone();
        if persistence
            .outbox()
            .with_untracked(|items| !items.is_empty())
        {
            leptos::task::spawn_local(async move { persistence.sync_now().await });
        }
    });
    let every = persistence
        .config()
        .with_untracked(|c| c.sync_interval_ms)
        .clamp(1_000.0, i32::MAX as f64) as i32;
    let interval = window()
        .set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            every,
        )
        .ok();
    let tick = send_wrapper::SendWrapper::new(tick);
    on_cleanup(move || {
        online.remove();
        offline.remove();
        hidden.remove();
        leaving.remove();
        if let Some(id) = interval {
            window().clear_interval_with_handle(id);
        }
        drop(tick);
    });
}
