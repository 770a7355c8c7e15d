//! The offline outbox and hydration (feature `persist`): replaying queued changes, restoring overlays, filling from persisted data.

use super::effects::Effects;
use super::port::OutboxOp;
use super::state::{ListEntry, Overlay, State};
use crate::api::ApiError;
use crate::query::ListQuery;
use data_farm_protocol::ChangeOp;

use super::record::{same, Rec};
use super::{Page, StoreCore};

impl StoreCore {
    /// Sends one outbox item. On success its optimistic change gives way to the confirmed
    /// entity (returned for creates and updates); on a conflict the server's version is taken
    /// in as confirmed while the user's change stays on top; otherwise nothing changes.
    pub(crate) async fn replay(
        &self,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
        base_version: Option<u64>,
        mutation: Option<u64>,
    ) -> Result<Option<Rec>, ApiError> {
        let kind = self.kind();
        let decode =
            |err: serde_json::Error| ApiError::Decode(format!("queued {kind} body: {err}"));
        let ops = &self.inner.ops;
        match op {
            OutboxOp::Create => {
                let text = body.to_string();
                let create = ops.decode_create(&text).map_err(decode)?;
                // The temporary id is the idempotency key: a create that already reached the
                // server (its answer lost, or another tab replayed it) answers the same entity.
                let result = ops.create(&*create, Ok(text), id).await;
                if result.is_ok() {
                    self.confirm_create(id, mutation, &result);
                }
                result.map(Some)
            }
            OutboxOp::Update => {
                let text = body.to_string();
                let patch = ops.decode_patch(&text).map_err(decode)?;
                let result = match ops.update(id, &*patch, Ok(text), base_version).await {
                    // A replay whose first attempt went through (its answer lost, or sent by
                    // a tab that closed before it heard back) meets its own change as
                    // "theirs": the server already holds it, nothing is left to resolve.
                    Err(err) => match self.conflict_current(&err) {
                        Some(current)
                            if same(current.patched_by(&*patch).as_ref(), Some(&current)) =>
                        {
                            Ok(current)
                        }
                        _ => Err(err),
                    },
                    answered => answered,
                };
                self.settle_replayed(id, mutation, &result);
                result.map(Some)
            }
            OutboxOp::Delete => {
                let result = ops.delete(id, base_version).await;
                match (&result, mutation) {
                    (Ok(()) | Err(ApiError::NotFound { .. }), Some(mutation)) => {
                        self.confirm_delete(id, mutation, &result);
                        Ok(None)
                    }
                    (Ok(()) | Err(ApiError::NotFound { .. }), None) => Ok(None),
                    (Err(err), _) => {
                        self.take_conflict_current(err);
                        Err(err.clone())
                    }
                }
            }
        }
    }

    /// After a replayed update: success settles it; a conflict only takes the server's version
    /// in (the user's change stays shown until they resolve it).
    pub(super) fn settle_replayed(
        &self,
        id: &str,
        mutation: Option<u64>,
        result: &Result<Rec, ApiError>,
    ) {
        match (result, mutation) {
            (Ok(_), Some(mutation)) => self.confirm_update(id, mutation, result),
            (Ok(entity), None) => self.take_confirmed(entity.clone(), Some(ChangeOp::Updated)),
            (Err(err), _) => self.take_conflict_current(err),
        }
    }

    pub(super) fn take_conflict_current(&self, err: &ApiError) {
        if let Some(current) = self.conflict_current(err) {
            self.take_confirmed(current, None);
        }
    }

    /// Drops an optimistic change for good (the user took the server's version, or discarded
    /// a queued change).
    pub(crate) fn release(&self, id: &str, mutation: u64) {
        self.settle(id, mutation, |_, _, _| ());
    }

    /// Shows a queued change again after a reload: the optimistic overlay an outbox item
    /// stands for. `None` when the body cannot be read as this kind, or a create cannot be
    /// drafted.
    pub(crate) fn restore_overlay(
        &self,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
    ) -> Option<u64> {
        let overlay = match op {
            OutboxOp::Create => {
                let create = self.inner.ops.decode_create(&body.to_string()).ok()?;
                Overlay::Create(self.inner.ops.draft(&*create, id)?)
            }
            OutboxOp::Update => {
                Overlay::Patch(self.inner.ops.decode_patch(&body.to_string()).ok()?)
            }
            OutboxOp::Delete => Overlay::Delete,
        };
        Some(self.add_overlay(id, overlay))
    }

    /// Points pending changes that mention a temporary id at the server's id (an offline
    /// create of another entity they refer to was just confirmed).
    pub(crate) fn rewrite_reference(&self, tmp: &str, real: &str) {
        /// `json` with `tmp` replaced by `real`, when it held it.
        fn rewritten(json: Option<String>, tmp: &str, real: &str) -> Option<String> {
            let mut json: serde_json::Value = serde_json::from_str(&json?).ok()?;
            super::port::rewrite_strings(&mut json, tmp, real).then(|| json.to_string())
        }
        let ops = &self.inner.ops;
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let ids: Vec<String> = st
                .rows
                .iter()
                .filter(|(_, row)| !row.overlays.is_empty())
                .map(|(id, _)| id.clone())
                .collect();
            for id in ids {
                let Some(row) = st.rows.get_mut(&id) else {
                    continue;
                };
                for (_, overlay) in row.overlays.iter_mut() {
                    match overlay {
                        Overlay::Patch(patch) => {
                            let json = rewritten(ops.patch_json(&**patch), tmp, real);
                            if let Some(next) = json.and_then(|j| ops.decode_patch(&j).ok()) {
                                *patch = next;
                            }
                        }
                        Overlay::Create(draft) => {
                            let json = rewritten(draft.json(), tmp, real);
                            if let Some(next) = json.and_then(|j| ops.decode(&j).ok()) {
                                *draft = next;
                            }
                        }
                        Overlay::Delete => {}
                    }
                }
                let known = row.known;
                self.refresh_row(&mut st, &id, known || id.starts_with("tmp-"), &mut effects);
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    /// Fills the store from persisted data: records as confirmed (without announcing or
    /// persisting them again) and list pages marked stale, so observed lists show them at once
    /// and refetch. Lists already fetched in this page keep what they have.
    pub(crate) fn hydrate(&self, records: Vec<Rec>, pages: Vec<(ListQuery, Page)>) {
        let mut effects = Effects::recording(false);
        {
            let mut st = self.lock();
            let now = self.now();
            for record in records {
                self.merge_confirmed(&mut st, record, None, &mut effects);
            }
            for (query, mut page) in pages {
                let State { rows, lists, .. } = &mut *st;
                let entry = lists.entry(query).or_insert_with(ListEntry::new);
                if entry.meta.fetched_at.is_some() || entry.meta.in_flight {
                    continue;
                }
                let before = page.ids.len();
                page.ids
                    .retain(|id| rows.get(id).is_some_and(|row| row.visible.is_some()));
                page.total = page.total.saturating_sub((before - page.ids.len()) as u64);
                entry.page = page;
                entry.meta.fetched_at = Some(now);
                entry.meta.invalidated = true;
                effects.list(entry);
            }
        }
        effects.flush(self);
    }
}
