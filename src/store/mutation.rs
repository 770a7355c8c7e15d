//! Mutations: optimistic create, update and delete with exact rollback, and custom actions.

use super::effects::Effects;
use super::port::OutboxOp;
use super::state::{Overlay, Row, State};
use crate::api::{ApiError, Method};
use crate::change::{Change, Origin};
use data_farm_protocol::ChangeOp;

use super::kind::{AnyCreate, DraftFn, Json};
use super::record::{AnyPatch, Rec};
use super::{temp_id, StoreCore};

/// Tells the devtools timeline (feature `devtools`) how a change of this client went; without
/// the feature, nothing.
#[cfg(feature = "devtools")]
fn trace(kind: &'static str, id: &str, step: impl FnOnce() -> String) {
    super::inspect::trace(kind, id, step);
}
#[cfg(not(feature = "devtools"))]
fn trace(_kind: &'static str, _id: &str, _step: impl FnOnce() -> String) {}

/// How a mutation's answer reads in the timeline.
fn answered<T>(result: &Result<T, ApiError>, version: impl Fn(&T) -> Option<u64>) -> String {
    match result {
        Ok(value) => match version(value) {
            Some(v) => format!("server confirmed v{v}"),
            None => "server confirmed".to_owned(),
        },
        Err(err) => format!("server refused ({err}); rolled back"),
    }
}

impl StoreCore {
    pub(super) fn add_overlay(&self, id: &str, overlay: Overlay) -> u64 {
        let what = match &overlay {
            Overlay::Patch(_) => "optimistic update",
            Overlay::Delete => "optimistic delete",
            Overlay::Create(_) => "optimistic create",
        };
        let mut effects = self.effects();
        let mutation = {
            let mut st = self.lock();
            st.next_mutation += 1;
            let mutation = st.next_mutation;
            let created = matches!(overlay, Overlay::Create(_));
            let row = st.rows.entry(id.to_owned()).or_insert_with(Row::new);
            row.overlays.push((mutation, overlay));
            let prior_known = row.known || created;
            self.refresh_row(&mut st, id, prior_known, &mut effects);
            effects.collect_lists(&mut st);
            mutation
        };
        effects.flush(self);
        trace(self.kind(), id, || what.to_owned());
        mutation
    }

    pub(super) fn settle<T>(
        &self,
        id: &str,
        mutation: u64,
        confirm: impl FnOnce(&Self, &mut State, &mut Effects) -> T,
    ) -> T {
        let mut effects = self.effects();
        let value = {
            let mut st = self.lock();
            let prior_known = st.rows.get(id).is_some_and(|row| row.known);
            if let Some(row) = st.rows.get_mut(id) {
                row.overlays.retain(|(m, _)| *m != mutation);
            }
            self.refresh_row(
                &mut st,
                id,
                prior_known || id.starts_with("tmp-"),
                &mut effects,
            );
            let value = confirm(self, &mut st, &mut effects);
            if id.starts_with("tmp-") {
                st.rows.remove(id);
            }
            // Pages that waited for this client's changes to end ask the server now.
            for (query, entry) in st.lists.iter_mut() {
                if std::mem::take(&mut entry.meta.after_mutations) {
                    effects.invalidate_list(query, &mut entry.meta);
                }
            }
            effects.collect_lists(&mut st);
            value
        };
        effects.flush(self);
        value
    }

    /// Hands an optimistic change (store mutation `mutation`) to the offline outbox when the
    /// persistence layer says it must go there now (offline, or behind queued changes it must
    /// not overtake); true when it did.
    pub(super) fn queue(
        &self,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
        if_match: Option<u64>,
        mutation: Option<u64>,
    ) -> bool {
        let Some(sink) = self.sink() else {
            return false;
        };
        let queued = sink.must_queue(self.kind(), id, body);
        if queued {
            sink.enqueue(self.kind(), op, id, body.clone(), if_match, mutation);
            trace(self.kind(), id, || {
                "queued in the offline outbox".to_owned()
            });
        }
        queued
    }

    /// After a request failed for want of a network: the server is marked unreachable and the
    /// change goes to the outbox (see [`StoreCore::queue`]); true when it did.
    pub(super) fn queue_after_failure<T>(
        &self,
        result: &Result<T, ApiError>,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
        if_match: Option<u64>,
        mutation: Option<u64>,
    ) -> bool {
        if !matches!(result, Err(ApiError::Network(_))) {
            return false;
        }
        if let Some(sink) = self.sink() {
            sink.unreachable();
        }
        self.queue(op, id, body, if_match, mutation)
    }

    /// Creates an entity from `body` (the kind's `Create`; `text` is the same as JSON), shown
    /// at once under a temporary id when `draft` makes one of it (see `EntityStore::create`).
    pub(crate) async fn create(
        &self,
        body: AnyCreate,
        text: Json,
        draft: DraftFn,
    ) -> Result<Rec, ApiError> {
        let json = self.outbox_body(&text);
        let provisional = {
            let mut st = self.lock();
            st.next_mutation += 1;
            temp_id(
                self.kind(),
                self.now(),
                st.next_mutation,
                self.inner.env.random(),
            )
        };
        let draft = draft(&*body, &provisional);
        let mutation = draft
            .clone()
            .map(|draft| self.add_overlay(&provisional, Overlay::Create(draft)));
        if let Some(draft) = draft
            .as_ref()
            .filter(|_| self.queue(OutboxOp::Create, &provisional, &json, None, mutation))
        {
            return Ok(draft.clone());
        }
        let result = self.inner.ops.create(&*body, text, &provisional).await;
        if let Some(draft) = draft.filter(|_| {
            self.queue_after_failure(
                &result,
                OutboxOp::Create,
                &provisional,
                &json,
                None,
                mutation,
            )
        }) {
            return Ok(draft);
        }
        self.confirm_create(&provisional, mutation, &result);
        result
    }

    /// Settles a create: the draft gives way to the confirmed entity (or goes, on failure).
    pub(super) fn confirm_create(
        &self,
        provisional: &str,
        mutation: Option<u64>,
        result: &Result<Rec, ApiError>,
    ) {
        trace(self.kind(), provisional, || {
            let step = answered(result, |e| Some(e.record_version()));
            match result {
                Ok(entity) => format!("{step} as {}", entity.record_id()),
                Err(_) => step,
            }
        });
        let confirm = |store: &Self, st: &mut State, effects: &mut Effects| {
            if let Ok(entity) = result {
                store.merge_confirmed(
                    st,
                    entity.clone(),
                    Some((ChangeOp::Created, Origin::Local)),
                    effects,
                );
            }
        };
        match mutation {
            Some(mutation) => self.settle(provisional, mutation, confirm),
            None => {
                let mut effects = self.effects();
                {
                    let mut st = self.lock();
                    confirm(self, &mut st, &mut effects);
                    effects.collect_lists(&mut st);
                }
                effects.flush(self);
            }
        }
    }

    /// Updates an entity optimistically with `patch` (the kind's `Patch`; `text` is the same
    /// as JSON); see `EntityStore::update`.
    pub(crate) async fn update(
        &self,
        id: &str,
        patch: AnyPatch,
        text: Json,
        if_match: Option<u64>,
    ) -> Result<Rec, ApiError> {
        let json = self.outbox_body(&text);
        let mutation = self.add_overlay(id, Overlay::Patch(patch.clone()));
        let queued = |store: &Self| {
            store.peek(id).ok_or_else(|| ApiError::NotFound {
                message: format!("{} {id} is not known here", store.kind()),
            })
        };
        if self.queue(OutboxOp::Update, id, &json, if_match, Some(mutation)) {
            return queued(self);
        }
        let result = self.inner.ops.update(id, &*patch, text, if_match).await;
        if self.queue_after_failure(
            &result,
            OutboxOp::Update,
            id,
            &json,
            if_match,
            Some(mutation),
        ) {
            return queued(self);
        }
        self.confirm_update(id, mutation, &result);
        result
    }

    pub(super) fn confirm_update(&self, id: &str, mutation: u64, result: &Result<Rec, ApiError>) {
        trace(self.kind(), id, || {
            answered(result, |e| Some(e.record_version()))
        });
        self.settle(id, mutation, |store, st, effects| match result {
            Ok(entity) => {
                store.merge_confirmed(
                    st,
                    entity.clone(),
                    Some((ChangeOp::Updated, Origin::Local)),
                    effects,
                );
            }
            Err(err) => {
                if let Some(current) = store.conflict_current(err) {
                    store.merge_confirmed(st, current, None, effects);
                }
            }
        });
    }

    /// Deletes an entity optimistically; see `EntityStore::delete`.
    pub(crate) async fn delete(&self, id: &str, if_match: Option<u64>) -> Result<(), ApiError> {
        let mutation = self.add_overlay(id, Overlay::Delete);
        let json = serde_json::Value::Null;
        if self.queue(OutboxOp::Delete, id, &json, if_match, Some(mutation)) {
            return Ok(());
        }
        let result = self.inner.ops.delete(id, if_match).await;
        if self.queue_after_failure(
            &result,
            OutboxOp::Delete,
            id,
            &json,
            if_match,
            Some(mutation),
        ) {
            return Ok(());
        }
        self.confirm_delete(id, mutation, &result);
        result
    }

    pub(super) fn confirm_delete(&self, id: &str, mutation: u64, result: &Result<(), ApiError>) {
        trace(self.kind(), id, || answered(result, |_| None));
        self.settle(id, mutation, |store, st, effects| match result {
            Ok(()) | Err(ApiError::NotFound { .. }) => {
                store.remove_confirmed(st, id, None, effects, Some(Origin::Local));
            }
            Err(err) => {
                if let Some(current) = store.conflict_current(err) {
                    store.merge_confirmed(st, current, None, effects);
                }
            }
        });
    }

    /// A custom action through the store; see `EntityStore::action`.
    pub(crate) async fn action(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
        announces: Vec<Change>,
    ) -> Result<Rec, ApiError> {
        let answer = self.inner.ops.call(method, path, body).await;
        if let Ok(entity) = &answer {
            let held = self
                .lock()
                .rows
                .get(entity.record_id())
                .is_some_and(|row| row.confirmed.is_some());
            let op = if held {
                ChangeOp::Updated
            } else {
                ChangeOp::Created
            };
            self.take_confirmed(entity.clone(), Some(op));
            for change in &announces {
                self.inner.bus.emit(change);
            }
        }
        answer
    }

    /// Merges a confirmed entity from a call outside the lock, announcing it as `op`.
    pub(super) fn take_confirmed(&self, entity: Rec, op: Option<ChangeOp>) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            self.merge_confirmed(
                &mut st,
                entity,
                op.map(|op| (op, Origin::Local)),
                &mut effects,
            );
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }
}
