//! What the persistence layer tells a user about itself.

/// Whether the server can be reached, as far as the page knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connection {
    /// Requests go through.
    #[default]
    Online,
    /// The browser is offline, or the last request could not reach the server.
    Offline,
}

/// Where persisted data goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StorageHealth {
    /// Not started yet (nobody signed in).
    #[default]
    Idle,
    /// Written to local storage.
    Persistent,
    /// Kept in memory only (no storage, or it is full): lost on reload. The reason, for display.
    MemoryOnly(String),
}

/// The state of the persistence layer, as a signal ([`Persistence::status`](super::Persistence::status)).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncStatus {
    /// Can the server be reached?
    pub connection: Connection,
    /// Is the outbox being sent right now?
    pub syncing: bool,
    /// Where data goes.
    pub storage: StorageHealth,
    /// Whether the stores were filled from local storage for the current user.
    pub hydrated: bool,
    /// Entries found corrupt (unreadable) and dropped since start.
    pub corrupt_dropped: usize,
}
