//! The change bus: every local or remote change becomes one [`Change`]; invalidation rules
//! declared once turn changes of one kind into staleness of another kind's queries, and app
//! code can subscribe (an after-mutation hook).

mod bus;
mod rule;

// The store's row watch (`StoreCore::watch_rows`) listens through the same list as the bus.
#[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
pub(crate) use bus::Listeners;
pub use bus::{ChangeBus, Subscription};
pub use data_farm_protocol::ChangeOp;
pub use rule::{InvalidationRule, Scope};

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A mutation made by this client and confirmed by the server.
    Local,
    /// A realtime event or a refetch revealing someone else's change.
    Remote,
}

/// One change to one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Entity kind (`"device"`).
    pub kind: &'static str,
    /// What happened.
    pub op: ChangeOp,
    /// The entity's id.
    pub id: String,
    /// The entity's team, when known.
    pub team_id: Option<String>,
    /// Who made it.
    pub origin: Origin,
}
