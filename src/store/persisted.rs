//! The store as the persistence layer sees it: its port, one object-safe trait implemented by
//! the store's core. Persistence holds its stores as these trait objects, so it links only
//! what it calls (as an [`AnyStore`](super::AnyStore) it linked every method of the store's
//! public trait, from `inspect` to `purge_team`).

use std::sync::Weak;

use futures_util::future::LocalBoxFuture;

use super::port::{OutboxOp, PersistSink, ReplayItem};
use super::{Page, StoreCore, StoredPage};
use crate::api::ApiError;

/// What persistence asks of a store.
pub(crate) trait PersistedStore: Send + Sync {
    /// The kind's singular name.
    fn kind(&self) -> &'static str;
    /// Connects the persistence layer.
    fn attach_persistence(&self, sink: Weak<dyn PersistSink>);
    /// Turns recording for persistence on or off.
    fn set_persisting(&self, on: bool);
    /// Fills the store from persisted records and list pages (key, JSON); returns how many
    /// records and pages it took and the keys of entries it could not read.
    fn hydrate_json(
        &self,
        records: Vec<(String, String)>,
        lists: Vec<(String, String)>,
    ) -> (usize, usize, Vec<String>);
    /// The team of a persisted record.
    fn team_of_json(&self, json: &str) -> Option<String>;
    /// Sends an outbox item; the confirmed entity's id on success.
    fn replay(
        &self,
        item: ReplayItem,
        mutation: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Option<String>, ApiError>>;
    /// Drops an optimistic change.
    fn release(&self, id: &str, mutation: u64);
    /// Shows a queued change again; its mutation number.
    fn restore_overlay(&self, op: OutboxOp, id: &str, body: &serde_json::Value) -> Option<u64>;
    /// Points pending changes at a confirmed id instead of a temporary one.
    fn rewrite_reference(&self, tmp: &str, real: &str);
}

impl PersistedStore for StoreCore {
    fn kind(&self) -> &'static str {
        StoreCore::kind(self)
    }
    fn attach_persistence(&self, sink: Weak<dyn PersistSink>) {
        StoreCore::attach_persistence(self, sink)
    }
    fn set_persisting(&self, on: bool) {
        StoreCore::set_persisting(self, on)
    }
    fn hydrate_json(
        &self,
        records: Vec<(String, String)>,
        lists: Vec<(String, String)>,
    ) -> (usize, usize, Vec<String>) {
        let mut bad = Vec::new();
        let mut entities = Vec::with_capacity(records.len());
        for (key, json) in records {
            match self.inner.ops.decode(&json) {
                Ok(entity) => entities.push(entity),
                Err(_) => bad.push(key),
            }
        }
        let mut pages = Vec::with_capacity(lists.len());
        for (key, json) in lists {
            match serde_json::from_str::<StoredPage>(&json) {
                Ok(stored) => pages.push((
                    stored.query,
                    Page {
                        ids: stored.ids,
                        total: stored.total,
                    },
                )),
                Err(_) => bad.push(key),
            }
        }
        let counts = (entities.len(), pages.len());
        #[cfg(feature = "devtools")]
        let loaded: Vec<(String, u64)> = entities
            .iter()
            .map(|e| (e.record_id().to_owned(), e.record_version()))
            .collect();
        StoreCore::hydrate(self, entities, pages);
        #[cfg(feature = "devtools")]
        for (id, version) in loaded {
            self.note_source(&id, version, super::Source::Hydration);
        }
        (counts.0, counts.1, bad)
    }
    fn team_of_json(&self, json: &str) -> Option<String> {
        let record = self.inner.ops.decode(json).ok()?;
        record.record_team().map(str::to_owned)
    }
    fn replay(
        &self,
        item: ReplayItem,
        mutation: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Option<String>, ApiError>> {
        let store = self.clone();
        Box::pin(async move {
            store
                .replay(item.op, &item.id, &item.body, item.base_version, mutation)
                .await
                .map(|confirmed| confirmed.map(|e| e.record_id().to_owned()))
        })
    }
    fn release(&self, id: &str, mutation: u64) {
        StoreCore::release(self, id, mutation)
    }
    fn restore_overlay(&self, op: OutboxOp, id: &str, body: &serde_json::Value) -> Option<u64> {
        StoreCore::restore_overlay(self, op, id, body)
    }
    fn rewrite_reference(&self, tmp: &str, real: &str) {
        StoreCore::rewrite_reference(self, tmp, real)
    }
}
