//! The subscriber in the browser: its timers, the batching of one animation frame's events
//! into one store update per kind, and what it tells the page; the transports are in
//! `transport`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use data_farm_protocol::{EventMessage, Positions};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

mod transport;

use super::core::{Action, SubscriberCore};
use super::relay::{self, Relayed};
use super::status::{ConnectionState, Counters};
use super::{RealtimeConfig, RealtimeHandle, Transport};
use crate::farm::DataFarm;
use transport::Connection;

/// Receives everything a leading tab's subscriber relays.
#[cfg_attr(not(feature = "tabs"), allow(dead_code))]
pub(crate) type Tap = Rc<dyn Fn(Relayed)>;

/// A listener added to the window: the event's name and its callback.
type WindowListener = (&'static str, Closure<dyn FnMut()>);

struct Runtime {
    farm: DataFarm,
    config: RealtimeConfig,
    core: RefCell<SubscriberCore>,
    connection: RefCell<Option<Connection>>,
    /// Keeps the current connection's callbacks alive.
    callbacks: RefCell<Vec<Box<dyn std::any::Any>>>,
    queue: RefCell<Vec<EventMessage>>,
    flush_scheduled: Cell<bool>,
    stopped: Cell<bool>,
    state: ArcRwSignal<ConnectionState>,
    counters: ArcRwSignal<Counters>,
    positions: ArcRwSignal<Positions>,
    timers: RefCell<Vec<gloo_timers::callback::Interval>>,
    /// Where what this subscriber does is relayed to the browser's other tabs (when it leads).
    tap: Option<Tap>,
    /// The window's `online` / `offline` listeners, removed on shutdown.
    network: RefCell<Vec<WindowListener>>,
}

fn now() -> f64 {
    js_sys::Date::now()
}

impl Runtime {
    fn publish(&self) {
        let core = self.core.borrow();
        let live = *core.state() == ConnectionState::Live;
        // Positions reach the other tabs only once every event up to them is applied (and
        // relayed): a tab taking over resumes from them, so they must never run ahead.
        let settled = self.queue.borrow().is_empty();
        let changed = self.state.with_untracked(|s| s != core.state())
            || self.counters.get_untracked() != core.counters()
            || (settled && self.positions.with_untracked(|p| p != core.positions()));
        if changed {
            if let Some(tap) = &self.tap {
                tap(Relayed::State {
                    state: core.state().clone(),
                    counters: core.counters(),
                    positions: if settled {
                        core.positions().clone()
                    } else {
                        self.positions.get_untracked()
                    },
                });
            }
        }
        if self.state.with_untracked(|s| s != core.state()) {
            self.state.set(core.state().clone());
            // Live again: the server answers, so changes waiting in the offline outbox go now.
            #[cfg(feature = "persist")]
            if let Some(persistence) = self.farm.persistence().filter(|_| live) {
                persistence.reachable();
            }
        }
        let counters = core.counters();
        if self.counters.get_untracked() != counters {
            self.counters.set(counters);
        }
        if settled && self.positions.with_untracked(|p| p != core.positions()) {
            self.positions.set(core.positions().clone());
        }
        // What polling may rely on: the topics of a live connection, nothing otherwise.
        self.farm.set_live_topics(core.positions(), live);
    }

    /// Opens a push transport, with the heartbeat that watches it.
    fn open_with_heartbeat(self: &Rc<Self>) {
        let rt = Rc::clone(self);
        let heartbeat = gloo_timers::callback::Interval::new(1_000, move || {
            let actions = rt.core.borrow_mut().on_tick(now());
            rt.run(actions);
        });
        self.timers.borrow_mut().push(heartbeat);
        self.open();
    }

    fn open(self: &Rc<Self>) {
        if self.stopped.get() || !self.core.borrow().may_connect() {
            return;
        }
        if let Some(old) = self.connection.borrow_mut().take() {
            old.close();
        }
        self.callbacks.borrow_mut().clear();
        self.core.borrow_mut().connecting();
        self.publish();
        let opened = match &self.config.transport {
            Transport::WebSocket => self.open_socket(),
            #[cfg(feature = "sse")]
            Transport::ServerSentEvents => self.open_stream(),
            Transport::Polling { .. } => Ok(()),
            Transport::External => {
                // The app's transport is open whenever it delivers: subscribe at once.
                let actions = self.core.borrow_mut().on_open(now());
                self.run(actions);
                Ok(())
            }
        };
        if opened.is_err() {
            self.closed(None);
        }
    }

    /// After a reconnect, observed queries that went stale meanwhile refetch; fresh ones (a
    /// clean resume keeps them exact) do not.
    fn after_reconnect(&self) {
        if self.core.borrow().counters().reconnects > 0 {
            self.farm.revalidate_observed();
            self.relay(Relayed::Revalidate);
        }
    }

    /// Tells the other tabs (when this one leads them) what was just done.
    fn relay(&self, relayed: Relayed) {
        if let Some(tap) = &self.tap {
            tap(relayed);
        }
    }

    fn closed(self: &Rc<Self>, code: Option<u16>) {
        if let Some(old) = self.connection.borrow_mut().take() {
            old.close();
        }
        self.flush();
        let actions = self
            .core
            .borrow_mut()
            .on_closed(code, now(), js_sys::Math::random());
        self.run(actions);
    }

    /// One frame's text from whichever transport carries it.
    fn received(self: &Rc<Self>, text: &str) {
        if self.stopped.get() {
            return;
        }
        let actions = self.core.borrow_mut().on_text(text, now());
        self.run(actions);
    }

    fn run(self: &Rc<Self>, actions: Vec<Action>) {
        // Events only: the flush they schedule publishes, once per frame rather than per
        // frame text (a burst of a thousand events notifies the state's readers once).
        let events_only =
            !actions.is_empty() && actions.iter().all(|a| matches!(a, Action::Apply(_)));
        for action in actions {
            match action {
                Action::Send(message) => match &*self.connection.borrow() {
                    Some(Connection::Socket(ws)) => {
                        let _ = ws.send_with_str(&message.encode());
                    }
                    #[cfg(feature = "sse")]
                    Some(Connection::Stream(_)) => {
                        if matches!(message, data_farm_protocol::ClientMessage::Subscribe { .. }) {
                            let rt = Rc::clone(self);
                            // Topics or positions changed: reopen the stream with them.
                            gloo_timers::callback::Timeout::new(0, move || rt.open()).forget();
                        }
                    }
                    None => {}
                },
                Action::Apply(event) => {
                    self.queue.borrow_mut().push(event);
                    self.schedule_flush();
                }
                Action::RefetchTeam(team) => {
                    self.flush();
                    self.farm.invalidate_team(&team);
                    self.relay(Relayed::RefetchTeam { team });
                }
                Action::Purge(team) => {
                    self.flush();
                    self.farm.purge_team(&team);
                    self.relay(Relayed::Purge { team });
                }
                Action::Joined(event) => {
                    self.flush();
                    relay::apply_joined(&self.farm, &event);
                    self.relay(Relayed::Joined { event });
                }
                Action::Close => self.closed(None),
                Action::Reconnect(delay) => {
                    let rt = Rc::clone(self);
                    gloo_timers::callback::Timeout::new(delay.max(0.0) as u32, move || rt.open())
                        .forget();
                }
                Action::Stop => self.shutdown(),
            }
        }
        if !events_only {
            self.publish();
        }
    }

    fn schedule_flush(self: &Rc<Self>) {
        if self.flush_scheduled.replace(true) {
            return;
        }
        // The next animation frame, or 100 ms when frames are throttled (a hidden tab).
        let rt = Rc::clone(self);
        let frame = Closure::once_into_js(move || rt.flush());
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(frame.unchecked_ref());
        }
        let rt = Rc::clone(self);
        gloo_timers::callback::Timeout::new(100, move || rt.flush()).forget();
    }

    /// Applies every queued event: one batch per kind, in arrival order within each kind.
    fn flush(&self) {
        self.flush_scheduled.set(false);
        let events = std::mem::take(&mut *self.queue.borrow_mut());
        if events.is_empty() {
            return;
        }
        let (applied, stale, malformed) = relay::apply_events(&self.farm, &events, false);
        self.relay(Relayed::Events { events });
        self.core
            .borrow_mut()
            .count_outcomes(applied, stale, malformed);
        self.publish();
    }

    /// Follows the browser's `online` / `offline` events (and its state now): offline, the
    /// connection closes and the state says `Offline`; back online, it reconnects at once.
    fn watch_network(self: &Rc<Self>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        for (name, offline) in [("offline", true), ("online", false)] {
            let rt = Rc::clone(self);
            let listener = Closure::<dyn FnMut()>::new(move || rt.network_changed(offline));
            if window
                .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .is_ok()
            {
                self.network.borrow_mut().push((name, listener));
            }
        }
        if !window.navigator().on_line() {
            self.network_changed(true);
        }
    }

    fn network_changed(self: &Rc<Self>, offline: bool) {
        if self.stopped.get() {
            return;
        }
        let actions = self.core.borrow_mut().set_offline(offline, now());
        self.run(actions);
    }

    fn shutdown(&self) {
        self.stopped.set(true);
        if let Some(window) = web_sys::window() {
            for (name, listener) in self.network.borrow_mut().drain(..) {
                let _ = window
                    .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
            }
        }
        self.core.borrow_mut().stop();
        if let Some(old) = self.connection.borrow_mut().take() {
            old.close();
        }
        self.callbacks.borrow_mut().clear();
        self.timers.borrow_mut().clear();
        self.publish();
    }
}

/// Starts the subscriber for a signed-in user (`user_id`, member of `team_ids`), feeding
/// `farm`'s stores. Stop it on sign-out with [`RealtimeHandle::stop`].
///
/// ```no_run
/// use data_farm::prelude::*;
/// use data_farm::realtime::{start_realtime, RealtimeConfig};
/// # fn demo(farm: DataFarm) {
/// let live = start_realtime(&farm, "user_1", vec!["team_1".into()], RealtimeConfig::default());
/// // live.state: connecting / live / reconnecting / …; live.counters: applied, stale, …
/// live.stop();
/// # }
/// ```
pub fn start_realtime(
    farm: &DataFarm,
    user_id: &str,
    team_ids: Vec<String>,
    config: RealtimeConfig,
) -> RealtimeHandle {
    start_tapped(farm, user_id, team_ids, config, None)
}

/// [`start_realtime`], relaying what it does to `tap` (the tab coordinator of a leader).
pub(crate) fn start_tapped(
    farm: &DataFarm,
    user_id: &str,
    team_ids: Vec<String>,
    config: RealtimeConfig,
    tap: Option<Tap>,
) -> RealtimeHandle {
    let mut timing = config.timing;
    #[cfg(feature = "sse")]
    let push_without_heartbeat = matches!(
        config.transport,
        Transport::ServerSentEvents | Transport::External
    );
    #[cfg(not(feature = "sse"))]
    let push_without_heartbeat = config.transport == Transport::External;
    if push_without_heartbeat {
        // Browsers hide SSE keep-alives from scripts: silence proves nothing there; EventSource
        // reports broken connections itself. An external transport's owner watches its own.
        timing.dead_after_ms = f64::INFINITY;
        timing.ping_ms = f64::INFINITY;
    }
    let mut core = SubscriberCore::new(user_id, team_ids, timing);
    core.resume_from(&config.resume);
    let runtime = Rc::new(Runtime {
        farm: farm.clone(),
        core: RefCell::new(core),
        config: config.clone(),
        connection: RefCell::new(None),
        callbacks: RefCell::new(Vec::new()),
        queue: RefCell::new(Vec::new()),
        flush_scheduled: Cell::new(false),
        stopped: Cell::new(false),
        state: ArcRwSignal::new(ConnectionState::Connecting),
        counters: ArcRwSignal::new(Counters::default()),
        positions: ArcRwSignal::new(Positions::new()),
        timers: RefCell::new(Vec::new()),
        network: RefCell::new(Vec::new()),
        tap,
    });
    match config.transport {
        Transport::Polling { interval_ms } => {
            runtime.state.set(ConnectionState::Polling);
            let farm = farm.clone();
            let interval = gloo_timers::callback::Interval::new(interval_ms.max(250), move || {
                farm.invalidate_all()
            });
            runtime.timers.borrow_mut().push(interval);
        }
        #[cfg(feature = "sse")]
        Transport::ServerSentEvents => {
            runtime.watch_network();
            runtime.open_with_heartbeat()
        }
        Transport::WebSocket => {
            runtime.watch_network();
            runtime.open_with_heartbeat()
        }
        Transport::External => runtime.open(),
    }
    let (state, counters, positions) = (
        runtime.state.read_only(),
        runtime.counters.read_only(),
        runtime.positions.read_only(),
    );
    let holder = SendWrapper::new(Rc::clone(&runtime));
    let stop: Arc<dyn Fn() + Send + Sync> = Arc::new(move || holder.shutdown());
    let holder = SendWrapper::new(runtime);
    let deliver: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(move |text| holder.received(text));
    RealtimeHandle::new(state, counters, positions, stop, deliver)
}
