//! Realtime: a subscriber that keeps every store current from the server's lifecycle events,
//! over WebSocket (default), Server-Sent Events, or polling when no push transport is available.
//!
//! The logic lives in [`SubscriberCore`] (frames in, actions out; tested natively); the browser
//! runtime ([`start_realtime`]) connects the transport, runs the actions, batches the events of
//! one animation frame into one store update, and exposes the connection state and counters.

mod backoff;
#[cfg(target_arch = "wasm32")]
mod browser;
mod core;
// Outside the browser nothing relays; the module is still built for its tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) mod relay;
mod status;

pub use backoff::Backoff;
pub use core::{Action, SubscriberCore, Timing};
pub use status::{ConnectionState, Counters};

#[cfg(target_arch = "wasm32")]
pub use browser::start_realtime;
#[cfg(all(target_arch = "wasm32", feature = "tabs"))]
pub(crate) use browser::{start_tapped, Tap};

use leptos::prelude::*;

/// Where a subscriber stands in each topic (re-exported from the protocol).
pub use data_farm_protocol::Positions;

/// Which transport carries realtime events.
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    /// `GET /api/v1/ws` (default).
    WebSocket,
    /// `GET /api/v1/events/stream` (feature `sse`).
    #[cfg(feature = "sse")]
    ServerSentEvents,
    /// No push: observed queries are revalidated every `interval_ms`.
    Polling {
        /// Milliseconds between revalidations.
        interval_ms: u32,
    },
    /// The embedding app carries the frames (a socket or worker it already owns, a replay, a
    /// benchmark) and hands each text to [`RealtimeHandle::deliver`]. Everything after the
    /// transport is the same: decoding, ordering by `seq`, one batch per animation frame.
    /// The app owns liveness: no heartbeat runs.
    External,
}

/// How the subscriber runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RealtimeConfig {
    /// The transport. Defaults to WebSocket.
    pub transport: Transport,
    /// Heartbeat and backoff. Defaults to [`Timing::default`].
    pub timing: Timing,
    /// Positions to resume from (`topic -> last applied seq`), e.g. saved from
    /// [`RealtimeHandle::positions`] before a reload. Defaults to none: a fresh start.
    pub resume: Positions,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        RealtimeConfig {
            transport: Transport::WebSocket,
            timing: Timing::default(),
            resume: Default::default(),
        }
    }
}

/// What the app sees of a running subscriber. Cheap to clone; stopping one clone stops it.
#[derive(Clone)]
pub struct RealtimeHandle {
    /// The connection state.
    pub state: ArcReadSignal<ConnectionState>,
    /// What the dispatcher has done.
    pub counters: ArcReadSignal<Counters>,
    /// The last applied `seq` per topic.
    pub positions: ArcReadSignal<Positions>,
    stop: std::sync::Arc<dyn Fn() + Send + Sync>,
    deliver: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
}

impl RealtimeHandle {
    /// Assembles a handle (used by the runtime).
    pub(crate) fn new(
        state: ArcReadSignal<ConnectionState>,
        counters: ArcReadSignal<Counters>,
        positions: ArcReadSignal<Positions>,
        stop: std::sync::Arc<dyn Fn() + Send + Sync>,
        deliver: std::sync::Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Self {
        RealtimeHandle {
            state,
            counters,
            positions,
            stop,
            deliver,
        }
    }

    /// Hands one frame's text (a PROTOCOL.md server message) to the subscriber, exactly as if
    /// its transport had received it. Meant for [`Transport::External`]; with the other
    /// transports it injects a frame next to theirs. Bad frames are counted, never applied.
    pub fn deliver(&self, text: &str) {
        (self.deliver)(text)
    }

    /// Disconnects for good (on sign-out) and sets the state to stopped.
    pub fn stop(&self) {
        (self.stop)();
    }
}

/// Outside the browser there is no transport: the handle reports [`ConnectionState::Stopped`]
/// and nothing is applied. Lets apps and their native tests compile and run unchanged.
#[cfg(not(target_arch = "wasm32"))]
pub fn start_realtime(
    _farm: &crate::farm::DataFarm,
    _user_id: &str,
    _team_ids: Vec<String>,
    _config: RealtimeConfig,
) -> RealtimeHandle {
    RealtimeHandle::new(
        ArcRwSignal::new(ConnectionState::Stopped).read_only(),
        ArcRwSignal::new(Counters::default()).read_only(),
        ArcRwSignal::new(Default::default()).read_only(),
        std::sync::Arc::new(|| {}),
        std::sync::Arc::new(|_| {}),
    )
}
