//! A store seen without its entity type: one object-safe trait implemented once, by the
//! store's non-generic core. An app reaches it through `DataFarm::store_of_kind`; the farm,
//! realtime, tabs and devtools call the core directly, and persistence holds its own narrower
//! port (`persisted`): a trait object's vtable links every method, used or not.

use data_farm_protocol::ChangeOp;

use super::{Applied, StoreCore};
use crate::change::{Change, InvalidationRule};

/// A store seen without its entity type (see [`DataFarm::store_of_kind`](crate::farm::DataFarm::store_of_kind)).
pub trait AnyStore: Send + Sync {
    /// The kind's singular name.
    fn kind(&self) -> &'static str;
    /// Says where the confirmed state of `id` at `version` came from (for the panel).
    #[cfg(feature = "devtools")]
    fn note_source(&self, id: &str, version: u64, source: super::Source);
    /// The name of entity `id` as the store shows it now, when it holds it (for lines that
    /// speak of an entity: "device pump-3 updated").
    fn name_of(&self, id: &str) -> Option<String>;
    /// Applies a realtime event of this kind.
    fn apply_event(
        &self,
        op: ChangeOp,
        id: &str,
        version: u64,
        data: Option<&serde_json::value::RawValue>,
    ) -> Applied;
    /// Applies a batch of realtime events of this kind as one reactive update.
    fn apply_events(
        &self,
        events: &[(ChangeOp, &str, u64, Option<&serde_json::value::RawValue>)],
    ) -> Vec<Applied>;
    /// Marks what `rule` covers for `change` stale.
    fn invalidate_for(&self, rule: &InvalidationRule, change: &Change);
    /// Marks everything stale.
    fn invalidate_all(&self);
    /// Marks stale the `drafts=only` lists that may show `team`'s entities (all for `None`).
    fn invalidate_drafts_only(&self, team: Option<&str>);
    /// Sends the drafts its lists answer to `port`.
    fn set_drafts_port(&self, port: super::port::DraftsPort);
    /// Refetches observed stale queries.
    fn revalidate_observed(&self);
    /// Forgets a team's entities.
    fn purge_team(&self, team_id: &str);
    /// Collects unobserved data.
    fn collect_garbage(&self);
    /// Forgets everything.
    fn clear(&self);
    #[cfg(feature = "devtools")]
    /// A copy of everything the store holds, for the devtools panel.
    fn inspect(&self) -> super::StoreSnapshot;
    #[cfg(feature = "devtools")]
    /// Refetches, invalidates or drops the query with this key; false when there is none.
    fn query_action(&self, key: &str, action: super::QueryAction) -> bool;
    #[cfg(feature = "tabs")]
    /// Asks `peer` (the leader tab) before the server from now on; `None`: the server only.
    fn set_peer(&self, peer: Option<std::sync::Arc<dyn super::port::PeerCache>>);
    #[cfg(feature = "tabs")]
    /// The fresh, non-optimistic cached page for `query`, as the server's JSON, for another tab.
    fn fresh_page_json(&self, query: &crate::query::ListQuery) -> Option<String>;
    #[cfg(feature = "tabs")]
    /// The fresh, non-optimistic entity `id`, as JSON, for another tab.
    fn fresh_record_json(&self, id: &str) -> Option<String>;
    #[cfg(feature = "ssr")]
    /// The fresh pages (query, the server's JSON) and fetched details (JSON) the store holds,
    /// for a server-rendered page's snapshot.
    fn dehydrate_json(&self) -> (Vec<(crate::query::ListQuery, String)>, Vec<String>);
    #[cfg(feature = "hydrate")]
    /// Installs the server's answer to `query` (JSON) as just fetched; why not when it does
    /// not read as this kind.
    fn hydrate_page_json(&self, query: &crate::query::ListQuery, page: &str) -> Result<(), String>;
    #[cfg(feature = "hydrate")]
    /// Installs a fetched entity (JSON) as just fetched; why not when it does not read as
    /// this kind.
    fn hydrate_record_json(&self, record: &str) -> Result<(), String>;
}

impl AnyStore for StoreCore {
    fn kind(&self) -> &'static str {
        StoreCore::kind(self)
    }
    #[cfg(feature = "devtools")]
    fn note_source(&self, id: &str, version: u64, source: super::Source) {
        StoreCore::note_source(self, id, version, source);
    }
    fn name_of(&self, id: &str) -> Option<String> {
        self.lock()
            .rows
            .get(id)
            .and_then(|row| row.visible.as_ref())
            .map(|entity| entity.record_name().to_owned())
    }
    fn apply_event(
        &self,
        op: ChangeOp,
        id: &str,
        version: u64,
        data: Option<&serde_json::value::RawValue>,
    ) -> Applied {
        StoreCore::apply_event(self, op, id, version, data)
    }
    fn apply_events(
        &self,
        events: &[(ChangeOp, &str, u64, Option<&serde_json::value::RawValue>)],
    ) -> Vec<Applied> {
        StoreCore::apply_events(self, events)
    }
    fn invalidate_drafts_only(&self, team: Option<&str>) {
        StoreCore::invalidate_drafts_only(self, team);
    }
    fn set_drafts_port(&self, port: super::port::DraftsPort) {
        StoreCore::set_drafts_port(self, port);
    }
    fn invalidate_for(&self, rule: &InvalidationRule, change: &Change) {
        StoreCore::invalidate_for(self, rule, change)
    }
    fn invalidate_all(&self) {
        StoreCore::invalidate_all(self)
    }
    fn revalidate_observed(&self) {
        StoreCore::revalidate_observed(self)
    }
    fn purge_team(&self, team_id: &str) {
        StoreCore::purge_team(self, team_id)
    }
    fn collect_garbage(&self) {
        StoreCore::collect_garbage(self)
    }
    fn clear(&self) {
        StoreCore::clear(self)
    }
    #[cfg(feature = "devtools")]
    fn inspect(&self) -> super::StoreSnapshot {
        StoreCore::inspect(self)
    }
    #[cfg(feature = "devtools")]
    fn query_action(&self, key: &str, action: super::QueryAction) -> bool {
        StoreCore::query_action(self, key, action)
    }
    #[cfg(feature = "tabs")]
    fn set_peer(&self, peer: Option<std::sync::Arc<dyn super::port::PeerCache>>) {
        StoreCore::set_peer(self, peer);
    }
    #[cfg(feature = "tabs")]
    fn fresh_page_json(&self, query: &crate::query::ListQuery) -> Option<String> {
        let (items, total) = self.fresh_page(query)?;
        page_json(&items, total)
    }
    #[cfg(feature = "tabs")]
    fn fresh_record_json(&self, id: &str) -> Option<String> {
        self.fresh_record(id)?.json()
    }
    #[cfg(feature = "ssr")]
    fn dehydrate_json(&self) -> (Vec<(crate::query::ListQuery, String)>, Vec<String>) {
        let pages = self
            .fresh_pages()
            .into_iter()
            .filter_map(|(query, (items, total))| Some((query, page_json(&items, total)?)))
            .collect();
        let records = self
            .fresh_records()
            .iter()
            .filter_map(|record| record.json())
            .collect();
        (pages, records)
    }
    #[cfg(feature = "hydrate")]
    fn hydrate_page_json(&self, query: &crate::query::ListQuery, page: &str) -> Result<(), String> {
        let page = self
            .inner
            .ops
            .decode_page(page)
            .map_err(|err| format!("a {} page for {query:?}: {err}", self.kind()))?;
        self.put_list(query, page);
        Ok(())
    }
    #[cfg(feature = "hydrate")]
    fn hydrate_record_json(&self, record: &str) -> Result<(), String> {
        let record = self
            .inner
            .ops
            .decode(record)
            .map_err(|err| format!("a {}: {err}", self.kind()))?;
        self.put_one(record);
        Ok(())
    }
}

/// A page of records as the server's JSON (`{"items": […], "total": n}`), each item through
/// its own serializer.
#[cfg(any(feature = "tabs", feature = "ssr"))]
fn page_json(items: &[super::Rec], total: u64) -> Option<String> {
    let items = items
        .iter()
        .map(|item| serde_json::value::RawValue::from_string(item.json()?).ok())
        .collect::<Option<Vec<_>>>()?;
    serde_json::to_string(&data_farm_protocol::ListResponse::new(items, total)).ok()
}
