/// The realtime connection's health, for the UI to show (never a stale "live" while the socket
/// is dead).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Not started, or stopped (signed out).
    #[default]
    Stopped,
    /// Opening the connection.
    Connecting,
    /// Connected and subscribed: changes arrive as they happen.
    Live,
    /// Connection lost; trying again.
    Reconnecting {
        /// Failed attempts so far.
        attempt: u32,
        /// Environment time (ms) of the next try.
        next_retry_at: f64,
    },
    /// No push transport: observed queries are revalidated on an interval.
    Polling,
    /// The browser reports no network.
    Offline,
}

impl ConnectionState {
    /// A short label for indicators.
    pub fn label(&self) -> &'static str {
        match self {
            ConnectionState::Stopped => "stopped",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Live => "live",
            ConnectionState::Reconnecting { .. } => "reconnecting",
            ConnectionState::Polling => "polling",
            ConnectionState::Offline => "offline",
        }
    }
}

/// What the dispatcher has done, for dashboards and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// Events that changed a store.
    pub applied: u64,
    /// Events dropped as duplicates or older than what the store holds.
    pub stale: u64,
    /// Frames that were not valid messages, or events whose data did not decode.
    pub malformed: u64,
    /// Topics refetched because the server asked (`resync`) or a gap could not be replayed.
    pub resyncs: u64,
    /// Sequence gaps detected (each answered by a replay request).
    pub gaps: u64,
    /// Connections opened after the first.
    pub reconnects: u64,
}
