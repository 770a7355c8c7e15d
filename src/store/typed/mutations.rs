//! The typed store's mutations: create, update, delete and custom actions, each the core's
//! with the body typed.

use std::sync::Arc;

use super::{one, EntityStore};
use crate::api::{json_of, ApiError, Method};
use crate::change::Change;
use crate::entity::Entity;
use crate::store::kind::draft_of;

impl<E: Entity> EntityStore<E> {
    /// Creates an entity. When the kind can draft one ([`Entity::draft`]), it shows at once in
    /// every list it belongs to under a temporary id, replaced by the real entity when the
    /// server confirms, or removed if it refuses.
    ///
    /// With persistence on and the server out of reach, a draftable create is kept in the
    /// offline outbox and this returns the draft (with its temporary id); it is sent when the
    /// connection returns.
    pub async fn create(&self, body: E::Create) -> Result<E, ApiError> {
        let json = json_of(&body);
        one(self
            .core()
            .create(Box::new(body), json, draft_of::<E>)
            .await?)
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
        let json = json_of(&patch);
        one(self
            .core()
            .update(id, Arc::new(patch), json, if_match)
            .await?)
    }

    /// Deletes an entity optimistically (it disappears from every list at once and comes back
    /// exactly if the server refuses). With persistence on and the server out of reach, the
    /// deletion goes to the offline outbox and the entity stays hidden.
    pub async fn delete(&self, id: &str, if_match: Option<u64>) -> Result<(), ApiError> {
        self.core().delete(id, if_match).await
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
        one(self.core().action(method, path, body, announces).await?)
    }
}
