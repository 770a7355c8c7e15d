//! What a store tells the persistence layer, and asks it: the seam between the two.

use serde_json::Value;

use super::outbox::OutboxOp;

/// The persistence layer as a store sees it. The store holds it weakly, so a farm and its
/// persistence drop together.
pub trait PersistSink: Send + Sync {
    /// A batch of confirmed changes: records (id, JSON; `None` when deleted) and list pages
    /// (key identifying the query, JSON of the page).
    fn record(
        &self,
        kind: &'static str,
        records: Vec<(String, Option<String>)>,
        pages: Vec<(String, String)>,
    );
    /// Whether a mutation of `kind`/`id` with `body` must go through the outbox now (offline,
    /// or queued changes it must not overtake).
    fn must_queue(&self, kind: &'static str, id: &str, body: &Value) -> bool;
    /// Queues a mutation already applied optimistically as store mutation `mutation`.
    fn enqueue(
        &self,
        kind: &'static str,
        op: OutboxOp,
        id: &str,
        body: Value,
        base_version: Option<u64>,
        mutation: Option<u64>,
    );
    /// A request failed for want of a network: the server is unreachable.
    fn unreachable(&self);
}
