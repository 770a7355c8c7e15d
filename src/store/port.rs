//! The store's ports: to a persistence layer ([`PersistSink`]: what a store tells it and asks
//! it) and to the other tabs of the browser ([`PeerCache`]: who may already hold an answer).
//! The store calls out through them and knows nothing of who implements them (the `persist`
//! feature's runtime, the `tabs` feature's coordinator); the types here are plain data.

use std::sync::Arc;

use data_farm_protocol::wire_name::WireName;
use serde::Serialize;
use serde_json::Value;

/// What an outbox item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxOp {
    /// `POST` the body (the item's id is temporary until the server assigns one).
    Create,
    /// `PATCH` the body.
    Update,
    /// `DELETE`.
    Delete,
}

impl WireName for OutboxOp {
    const ALL: &'static [Self] = &[OutboxOp::Create, OutboxOp::Update, OutboxOp::Delete];
    const NAMES: &'static [&'static str] = &["create", "update", "delete"];
    fn wire_name(self) -> &'static str {
        match self {
            OutboxOp::Create => "create",
            OutboxOp::Update => "update",
            OutboxOp::Delete => "delete",
        }
    }
}

// Read by name (the derived serializer's), one string read and a lookup: serde's derive
// compiles a visitor and an enum access per enum.
data_farm_protocol::deserialize_by_wire_name!(OutboxOp);

#[cfg(feature = "persist")]
impl OutboxOp {
    /// Lower-case name, for display.
    pub fn as_str(self) -> &'static str {
        self.wire_name()
    }
}

#[cfg(feature = "persist")]
/// Replaces, everywhere in `value`, the string `from` by `to`.
pub fn rewrite_strings(value: &mut Value, from: &str, to: &str) -> bool {
    match value {
        Value::String(s) if s == from => {
            *s = to.to_owned();
            true
        }
        Value::Array(items) => rewrite_all(items.iter_mut(), from, to),
        Value::Object(map) => rewrite_all(map.values_mut(), from, to),
        _ => false,
    }
}

#[cfg(feature = "persist")]
/// Rewrites every value (no short-circuit: all of them must change).
fn rewrite_all<'v>(values: impl Iterator<Item = &'v mut Value>, from: &str, to: &str) -> bool {
    let mut hit = false;
    for value in values {
        hit |= rewrite_strings(value, from, to);
    }
    hit
}

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

/// The drafts a list asked with `drafts=include|only` answered beside its items: the page's
/// ids (a draft of theirs that is not among `drafts` has ended) and the open drafts.
#[derive(Debug, Clone)]
pub struct DraftsSeen {
    /// The listed entities' kind.
    pub kind: &'static str,
    /// The ids on the page.
    pub listed: Vec<String>,
    /// The open drafts of those ids, and open drafted creates of the kind (as JSON: decoded
    /// by the farm's drafts, not by every kind's page decoder).
    pub drafts: data_farm_protocol::RawDrafts,
}

/// Where a store sends the drafts its lists answered (the farm's `Draft` store and index).
pub type DraftsPort = Arc<dyn Fn(DraftsSeen) + Send + Sync>;

/// Another holder of the same server data, asked before a fetch goes to the server: the
/// leader tab of the browser, whose cache its connection keeps exact. An answer is the JSON
/// text the server would give (a `ListResponse` page, or one entity: text, so that it goes
/// through the same decoder as a server's answer); `None` sends the fetch to the server.
#[cfg(feature = "tabs")]
pub trait PeerCache: Send + Sync {
    /// A fresh page of `kind` for `query`.
    fn list(
        &self,
        kind: &'static str,
        query: &crate::query::ListQuery,
    ) -> futures_util::future::LocalBoxFuture<'static, Option<String>>;
    /// A fresh entity of `kind`.
    fn record(
        &self,
        kind: &'static str,
        id: &str,
    ) -> futures_util::future::LocalBoxFuture<'static, Option<String>>;
}

/// A queued mutation to send again, as plain data: what it does, to which id, with which body
/// and, for `If-Match`, over which version.
#[cfg(feature = "persist")]
#[derive(Debug, Clone)]
pub struct ReplayItem {
    /// What the mutation does.
    pub op: OutboxOp,
    /// The entity's id (temporary for a create).
    pub id: String,
    /// The request body.
    pub body: Value,
    /// The version the change was made over (sent as `If-Match`).
    pub base_version: Option<u64>,
}
