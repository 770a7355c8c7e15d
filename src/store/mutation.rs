//! Mutations: optimistic create, update and delete with exact rollback, and custom actions.

use super::effects::Effects;
use super::port::OutboxOp;
use super::state::{Overlay, Row, State};
use crate::api::{ApiError, Method};
use crate::change::{Change, Origin};
use crate::entity::Entity;
use data_farm_protocol::ChangeOp;

use super::{conflict_current, json_value, temp_id, EntityStore};

/// Tells the devtools timeline (feature `devtools`) how a change of this client went; without
/// the feature, nothing.
#[cfg(feature = "devtools")]
fn trace<E: Entity>(id: &str, step: impl FnOnce() -> String) {
    super::inspect::trace(E::KIND, id, step);
}
#[cfg(not(feature = "devtools"))]
fn trace<E: Entity>(_id: &str, _step: impl FnOnce() -> String) {}

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

impl<E: Entity> EntityStore<E> {
    pub(super) fn add_overlay(&self, id: &str, overlay: Overlay<E>) -> u64 {
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
        trace::<E>(id, || what.to_owned());
        mutation
    }

    pub(super) fn settle<T>(
        &self,
        id: &str,
        mutation: u64,
        confirm: impl FnOnce(&Self, &mut State<E>, &mut Effects<E>) -> T,
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
        let queued = sink.must_queue(E::KIND, id, body);
        if queued {
            sink.enqueue(E::KIND, op, id, body.clone(), if_match, mutation);
            trace::<E>(id, || "queued in the offline outbox".to_owned());
        }
        queued
    }

    /// After a request failed for want of a network: the server is marked unreachable and the
    /// change goes to the outbox (see [`EntityStore::queue`]); true when it did.
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

    /// Creates an entity. When the kind can draft one ([`Entity::draft`]), it shows at once in
    /// every list it belongs to under a temporary id, replaced by the real entity when the
    /// server confirms, or removed if it refuses.
    ///
    /// With persistence on and the server out of reach, a draftable create is kept in the
    /// offline outbox and this returns the draft (with its temporary id); it is sent when the
    /// connection returns.
    pub async fn create(&self, body: E::Create) -> Result<E, ApiError> {
        let provisional = {
            let mut st = self.lock();
            st.next_mutation += 1;
            temp_id(
                E::KIND,
                self.now(),
                st.next_mutation,
                self.inner.env.random(),
            )
        };
        let draft = E::draft(&body, &provisional);
        let mutation = draft
            .clone()
            .map(|draft| self.add_overlay(&provisional, Overlay::Create(draft)));
        let json = json_value(&body);
        if let Some(draft) = draft
            .as_ref()
            .filter(|_| self.queue(OutboxOp::Create, &provisional, &json, None, mutation))
        {
            return Ok(draft.clone());
        }
        let result = self.inner.api.create(&body, &provisional).await;
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
        result: &Result<E, ApiError>,
    ) {
        trace::<E>(provisional, || {
            let step = answered(result, |e| Some(e.version()));
            match result {
                Ok(entity) => format!("{step} as {}", entity.id()),
                Err(_) => step,
            }
        });
        let confirm = |store: &Self, st: &mut State<E>, effects: &mut Effects<E>| {
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

    /// Updates an entity optimistically; `if_match` sends the version the change was based on
    /// (a 409 then carries the current entity, which the store takes in). On failure the
    /// optimistic change is rolled back exactly.
    ///
    /// With persistence on and the server out of reach, the change stays applied, goes to the
    /// offline outbox, and this returns the entity as it now shows.
    pub async fn update(
        &self,
        id: &str,
        patch: E::Patch,
        if_match: Option<u64>,
    ) -> Result<E, ApiError> {
        let mutation = self.add_overlay(id, Overlay::Patch(patch.clone()));
        let json = json_value(&patch);
        let queued = |store: &Self| {
            store.peek(id).ok_or_else(|| ApiError::NotFound {
                message: format!("{} {id} is not known here", E::KIND),
            })
        };
        if self.queue(OutboxOp::Update, id, &json, if_match, Some(mutation)) {
            return queued(self);
        }
        let result = self.inner.api.update(id, &patch, if_match).await;
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

    pub(super) fn confirm_update(&self, id: &str, mutation: u64, result: &Result<E, ApiError>) {
        trace::<E>(id, || answered(result, |e| Some(e.version())));
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
                if let Some(current) = conflict_current::<E>(err) {
                    store.merge_confirmed(st, current, None, effects);
                }
            }
        });
    }

    /// Deletes an entity optimistically (it disappears from every list at once and comes back
    /// exactly if the server refuses). With persistence on and the server out of reach, the
    /// deletion goes to the offline outbox and the entity stays hidden.
    pub async fn delete(&self, id: &str, if_match: Option<u64>) -> Result<(), ApiError> {
        let mutation = self.add_overlay(id, Overlay::Delete);
        let json = serde_json::Value::Null;
        if self.queue(OutboxOp::Delete, id, &json, if_match, Some(mutation)) {
            return Ok(());
        }
        let result = self.inner.api.delete(id, if_match).await;
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
        trace::<E>(id, || answered(result, |_| None));
        self.settle(id, mutation, |store, st, effects| match result {
            Ok(()) | Err(ApiError::NotFound { .. }) => {
                store.remove_confirmed(st, id, None, effects, Some(Origin::Local));
            }
            Err(err) => {
                if let Some(current) = conflict_current::<E>(err) {
                    store.merge_confirmed(st, current, None, effects);
                }
            }
        });
    }

    /// A custom action through the store: a non-CRUD endpoint whose answer is an entity of
    /// this kind (the operation `POST /instances/{id}/actions/deploy` queues, the report
    /// `POST /teams/{id}/reports` starts). The answer is merged through the version rule and
    /// announced (created, or updated when the store held it), so every list and detail that
    /// shows it has it at once; then `announces`, what the action changed elsewhere, go on the
    /// change bus, where the farm's invalidation rules and subscribers see them. Not retried:
    /// an action need not be idempotent.
    ///
    /// ```no_run
    /// # async fn demo(operations: data_farm::store::EntityStore<data_farm::protocol::Operation>) {
    /// use data_farm::api::Method;
    /// let queued = operations
    ///     .action(Method::Post, "/instances/inst_1/actions/deploy", serde_json::json!({}), vec![])
    ///     .await;
    /// # }
    /// ```
    pub async fn action(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
        announces: Vec<Change>,
    ) -> Result<E, ApiError> {
        let answer = self.inner.api.call(method, path, body).await;
        if let Ok(entity) = &answer {
            let held = self
                .lock()
                .rows
                .get(entity.id())
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
    pub(super) fn take_confirmed(&self, entity: E, op: Option<ChangeOp>) {
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
