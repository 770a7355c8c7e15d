//! What the store's core needs of a kind: its API and its serde, without its type. One
//! [`KindOps`] per registered kind ([`Typed`]) is all that is compiled per kind; everything
//! else in the store is compiled once.

use std::any::Any;
use std::sync::Arc;

use data_farm_protocol::{ListResponse, Position};
use futures_util::future::LocalBoxFuture;

#[cfg(feature = "persist")]
use super::record::AnyPatch;
use super::record::{rec, Rec};
#[cfg(feature = "persist")]
use crate::api::json_of;
use crate::api::{ApiError, EntityApi, Method};
use crate::entity::Entity;
use crate::query::ListQuery;

/// A page of records.
pub(crate) type RecPage = ListResponse<Rec>;

/// A create's body (the kind's `Create`), without its type.
pub(crate) type AnyCreate = Box<dyn Any + Send + Sync>;

pub(super) type Answer<T> = LocalBoxFuture<'static, Result<T, ApiError>>;

/// A request body as JSON, or why it could not be written as JSON.
pub(crate) type Json = Result<String, ApiError>;

/// The provisional entity of an optimistic create from its body (the kind's `Create`) and its
/// temporary id (see [`Entity::draft`]).
pub(crate) type DraftFn = fn(&(dyn Any + Send + Sync), &str) -> Option<Rec>;

/// A kind's API and serde, as the core calls them.
pub(crate) trait KindOps: Send + Sync {
    /// The kind's singular name.
    fn kind(&self) -> &'static str;
    /// An entity of this kind from JSON.
    fn decode(&self, json: &str) -> Result<Rec, serde_json::Error>;
    /// A page of this kind from JSON (the protocol's list answer).
    #[cfg(any(feature = "tabs", feature = "hydrate"))]
    fn decode_page(&self, json: &str) -> Result<RecPage, serde_json::Error>;
    fn get_one(&self, id: &str) -> Answer<Rec>;
    fn get_many(&self, query: &ListQuery) -> Answer<RecPage>;
    fn get_by_ids(&self, ids: &[String]) -> Answer<Vec<Rec>>;
    fn position(&self, id: &str, query: &ListQuery) -> Answer<Option<Position>>;
    /// Sends a create: `body` is the kind's `Create`, `json` the same as JSON (made by the
    /// typed store, so that a kind that is never created links no serializer for it).
    fn create(
        &self,
        body: &(dyn Any + Send + Sync),
        json: Json,
        idempotency_key: &str,
    ) -> Answer<Rec>;
    /// Sends an update: `patch` is the kind's `Patch`, `json` the same as JSON.
    fn update(
        &self,
        id: &str,
        patch: &(dyn Any + Send + Sync),
        json: Json,
        if_match: Option<u64>,
    ) -> Answer<Rec>;
    fn delete(&self, id: &str, if_match: Option<u64>) -> Answer<()>;
    fn call(&self, method: Method, path: &str, body: serde_json::Value) -> Answer<Rec>;
    // The outbox's (every method of a trait object is linked: without `persist`, none of
    // these serializers is).
    /// The provisional entity of a queued create shown again (see [`Entity::draft`]).
    #[cfg(feature = "persist")]
    fn draft(&self, body: &(dyn Any + Send + Sync), id: &str) -> Option<Rec>;
    /// A queued create's body read back.
    #[cfg(feature = "persist")]
    fn decode_create(&self, json: &str) -> Result<AnyCreate, serde_json::Error>;
    /// A queued update's body read back.
    #[cfg(feature = "persist")]
    fn decode_patch(&self, json: &str) -> Result<AnyPatch, serde_json::Error>;
    /// A pending update's body as JSON.
    #[cfg(feature = "persist")]
    fn patch_json(&self, patch: &(dyn Any + Send + Sync)) -> Option<String>;
}

/// A kind's serde as plain functions: for a kind on the protocol's routes
/// ([`HttpKind`](super::http_kind::HttpKind)) all that is compiled per kind.
#[derive(Clone, Copy)]
pub(crate) struct Serde {
    pub kind: &'static str,
    pub plural: &'static str,
    /// An entity from JSON.
    pub entity: fn(&str) -> Result<Rec, serde_json::Error>,
    /// A page (the protocol's list answer) from JSON.
    pub page: fn(&str) -> Result<RecPage, serde_json::Error>,
    // The outbox's: the typed store hands bodies in as JSON, so without `persist` no
    // serializer of a kind's `Create` or `Patch` is linked unless the app creates or updates.
    /// An update's body as JSON; `None` when it is not this kind's.
    #[cfg(feature = "persist")]
    pub patch: fn(&(dyn Any + Send + Sync)) -> Option<Result<String, ApiError>>,
    /// The provisional entity of an optimistic create (see [`Entity::draft`]).
    #[cfg(feature = "persist")]
    pub draft: DraftFn,
    /// A queued create's body read back.
    #[cfg(feature = "persist")]
    pub decode_create: fn(&str) -> Result<AnyCreate, serde_json::Error>,
    /// A queued update's body read back.
    #[cfg(feature = "persist")]
    pub decode_patch: fn(&str) -> Result<AnyPatch, serde_json::Error>,
}

impl Serde {
    /// The serde of kind `E`.
    pub(crate) fn of<E: Entity>() -> Self {
        Serde {
            kind: E::KIND,
            plural: E::PLURAL,
            entity: entity_of::<E>,
            page: page_of::<E>,
            #[cfg(feature = "persist")]
            patch: patch_json::<E>,
            #[cfg(feature = "persist")]
            draft: draft_of::<E>,
            #[cfg(feature = "persist")]
            decode_create: create_of::<E>,
            #[cfg(feature = "persist")]
            decode_patch: patch_of::<E>,
        }
    }
}

fn entity_of<E: Entity>(json: &str) -> Result<Rec, serde_json::Error> {
    serde_json::from_str::<E>(json).map(rec)
}

fn page_of<E: Entity>(json: &str) -> Result<RecPage, serde_json::Error> {
    serde_json::from_str::<ListResponse<E>>(json).map(erase_page)
}

#[cfg(feature = "persist")]
fn patch_json<E: Entity>(patch: &(dyn Any + Send + Sync)) -> Option<Result<String, ApiError>> {
    patch.downcast_ref::<E::Patch>().map(json_of)
}

/// The provisional entity of an optimistic create of kind `E` (see [`Entity::draft`]).
pub(crate) fn draft_of<E: Entity>(body: &(dyn Any + Send + Sync), id: &str) -> Option<Rec> {
    E::draft(body.downcast_ref::<E::Create>()?, id).map(rec)
}

#[cfg(feature = "persist")]
fn create_of<E: Entity>(json: &str) -> Result<AnyCreate, serde_json::Error> {
    serde_json::from_str::<E::Create>(json).map(|body| Box::new(body) as AnyCreate)
}

#[cfg(feature = "persist")]
fn patch_of<E: Entity>(json: &str) -> Result<AnyPatch, serde_json::Error> {
    serde_json::from_str::<E::Patch>(json).map(|patch| Arc::new(patch) as AnyPatch)
}

/// The [`KindOps`] of kind `E`, over an [`EntityApi`] of its own (a kind registered with
/// one); a kind on the protocol's routes is an [`HttpKind`](super::http_kind::HttpKind).
pub(crate) struct Typed<E: Entity> {
    pub api: Arc<dyn EntityApi<E>>,
}

/// A body of the wrong kind (never: the typed store only hands in its own).
pub(super) fn wrong_kind<T: 'static>(kind: &str) -> Answer<T> {
    let message = format!("a body that is not a {kind}'s");
    Box::pin(std::future::ready(Err(ApiError::Decode(message))))
}

impl<E: Entity> KindOps for Typed<E> {
    fn kind(&self) -> &'static str {
        E::KIND
    }
    fn decode(&self, json: &str) -> Result<Rec, serde_json::Error> {
        entity_of::<E>(json)
    }
    #[cfg(any(feature = "tabs", feature = "hydrate"))]
    fn decode_page(&self, json: &str) -> Result<RecPage, serde_json::Error> {
        page_of::<E>(json)
    }
    fn get_one(&self, id: &str) -> Answer<Rec> {
        let answer = self.api.get_one(id);
        Box::pin(async move { answer.await.map(rec) })
    }
    fn get_many(&self, query: &ListQuery) -> Answer<RecPage> {
        let answer = self.api.get_many(query);
        Box::pin(async move { answer.await.map(erase_page) })
    }
    fn get_by_ids(&self, ids: &[String]) -> Answer<Vec<Rec>> {
        let answer = self.api.get_by_ids(ids);
        Box::pin(async move {
            answer
                .await
                .map(|found| found.into_iter().map(rec).collect())
        })
    }
    fn position(&self, id: &str, query: &ListQuery) -> Answer<Option<Position>> {
        self.api.position(id, query)
    }
    fn create(&self, body: &(dyn Any + Send + Sync), _json: Json, key: &str) -> Answer<Rec> {
        let Some(body) = body.downcast_ref::<E::Create>() else {
            return wrong_kind(E::KIND);
        };
        let answer = self.api.create(body, key);
        Box::pin(async move { answer.await.map(rec) })
    }
    fn update(
        &self,
        id: &str,
        patch: &(dyn Any + Send + Sync),
        _json: Json,
        if_match: Option<u64>,
    ) -> Answer<Rec> {
        let Some(patch) = patch.downcast_ref::<E::Patch>() else {
            return wrong_kind(E::KIND);
        };
        let answer = self.api.update(id, patch, if_match);
        Box::pin(async move { answer.await.map(rec) })
    }
    fn delete(&self, id: &str, if_match: Option<u64>) -> Answer<()> {
        self.api.delete(id, if_match)
    }
    fn call(&self, method: Method, path: &str, body: serde_json::Value) -> Answer<Rec> {
        let answer = self.api.call(method, path, body);
        Box::pin(async move { answer.await.map(rec) })
    }
    #[cfg(feature = "persist")]
    fn draft(&self, body: &(dyn Any + Send + Sync), id: &str) -> Option<Rec> {
        draft_of::<E>(body, id)
    }
    #[cfg(feature = "persist")]
    fn decode_create(&self, json: &str) -> Result<AnyCreate, serde_json::Error> {
        create_of::<E>(json)
    }
    #[cfg(feature = "persist")]
    fn decode_patch(&self, json: &str) -> Result<AnyPatch, serde_json::Error> {
        patch_of::<E>(json)
    }
    #[cfg(feature = "persist")]
    fn patch_json(&self, patch: &(dyn Any + Send + Sync)) -> Option<String> {
        patch_json::<E>(patch)?.ok()
    }
}

/// A typed page as records.
pub(super) fn erase_page<E: Entity>(page: ListResponse<E>) -> RecPage {
    ListResponse {
        items: page.items.into_iter().map(rec).collect(),
        total: page.total,
        drafts: page.drafts,
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::{CreateTeam, Device, PatchNamed};

    use super::*;
    use crate::api::{json_of, ApiClient, HttpEntityApi};
    use crate::store::http_kind::HttpKind;

    #[test]
    fn a_body_of_another_kind_is_a_decode_error_not_a_panic() {
        let ops = Typed::<Device> {
            api: Arc::new(HttpEntityApi::new(ApiClient::new(""))),
        };
        let body = CreateTeam {
            name: "Acme".into(),
            description: None,
        };
        let json = json_of(&body);
        let created = futures_executor::block_on(ops.create(&body, json, "tmp-1"));
        assert!(
            matches!(created, Err(ApiError::Decode(_))),
            "{:?}",
            created.err()
        );
        let patch = PatchNamed::default();
        let json = json_of(&patch);
        let updated = futures_executor::block_on(ops.update("d1", &patch, json, None));
        assert!(
            matches!(updated, Err(ApiError::Decode(_))),
            "{:?}",
            updated.err()
        );
        assert!(draft_of::<Device>(&body, "tmp-1").is_none());
    }

    #[test]
    fn a_body_that_is_not_json_is_its_error_and_no_request() {
        // On the routes, what is sent is the JSON the typed store wrote; when it could not
        // write it, that error is the answer.
        let ops = HttpKind::of::<Device>(ApiClient::new(""));
        let why = || ApiError::Decode("a map with keys that are not strings".into());
        let created = futures_executor::block_on(ops.create(&(), Err(why()), "tmp-1"));
        assert_eq!(created.err(), Some(why()));
        let updated = futures_executor::block_on(ops.update("d1", &(), Err(why()), None));
        assert_eq!(updated.err(), Some(why()));
    }
}
