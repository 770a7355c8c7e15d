//! Offline-first persistence (optional; off unless the application turns it on with
//! [`DataFarmConfig::persist`](crate::farm::DataFarmConfig::persist)).
//!
//! - **Hydrate**: on start, the stores fill from local storage (IndexedDB in the browser)
//!   before the first fetch: records as confirmed, list pages marked stale, so a reload shows
//!   data at once and then revalidates.
//! - **Write-behind**: every confirmed change of a record (fetch, realtime event, own
//!   mutation) is queued with its own debounce timer; the queue keeps the latest write per
//!   record in first-in order and writes in batches, one transaction per batch. A failed batch
//!   is counted and does not hold the others back; [`Persistence::flush`] writes everything
//!   now, and the page does so when it is hidden or unloaded.
//! - **Outbox**: while the server is out of reach, creates, updates and deletes are applied
//!   optimistically and kept in a persistent outbox; on reconnect they are sent in order with
//!   `If-Match`, temporary ids mapped to the server's. A 409 becomes a conflict the user
//!   resolves ([`Resolution`]); other refusals stay in the outbox to retry or discard.
//! - **Metrics**: [`SyncMetrics`] as a signal; [`SyncStatus`] for connection and storage health.
//!
//! Data is keyed by user ([`keys`]); [`Persistence::forget_user`] (sign-out) and a revoked
//! team delete what they must.

mod config;
pub mod keys;
mod metrics;
mod outbox;
mod runtime;
mod status;
mod storage;
mod write_queue;

#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod idb;
#[cfg(not(target_arch = "wasm32"))]
mod native;

#[cfg(test)]
mod tests;

pub use crate::store::port::{rewrite_strings, OutboxOp, PersistSink};
#[cfg(target_arch = "wasm32")]
pub use browser::install_browser_triggers;
pub use config::{KindSettings, PersistConfig};
#[cfg(target_arch = "wasm32")]
pub use idb::IdbStorage;
pub use metrics::{SyncMetrics, WriteRun, RECENT};
#[cfg(not(target_arch = "wasm32"))]
pub use native::install_browser_triggers;
pub use outbox::{ItemState, Outbox, OutboxItem, Resolution};
pub use runtime::{HydrateReport, Persistence, SCHEMA_VERSION};
pub use status::{Connection, StorageHealth, SyncStatus};
pub use storage::{prefix_end, MemoryStorage, Storage, StorageError, Write};
pub use write_queue::WriteQueue;
