//! How a store's core reaches its kind: a kind on the protocol's routes called directly, any
//! other kind through a [`KindOps`] trait object.

use std::any::Any;
use std::sync::Arc;

use data_farm_protocol::Position;

use super::http_kind::HttpKind;
#[cfg(feature = "persist")]
use super::kind::AnyCreate;
use super::kind::{Answer, Json, KindOps, RecPage, Typed};
#[cfg(feature = "persist")]
use super::record::AnyPatch;
use super::record::Rec;
use crate::api::{ApiClient, EntityApi, Method};
use crate::entity::Entity;
use crate::query::ListQuery;

/// How a store's core reaches its kind: on the protocol's routes (the usual case, called
/// directly), or through a [`KindOps`] trait object (a kind over an API of its own, a store
/// that is gone). Called directly, a routes kind links only the requests the app's code
/// reaches: a read-only page links no create, update, delete or position request (a trait
/// object's vtable would link them all).
pub(crate) enum Ops {
    /// A kind on the protocol's REST routes.
    Routes(HttpKind),
    /// Any other kind.
    Dyn(Box<dyn KindOps>),
}

/// Calls `$method` on whichever kind of [`Ops`] this is.
macro_rules! either {
    ($self:ident.$method:ident($($arg:expr),*)) => {
        match $self {
            Ops::Routes(ops) => ops.$method($($arg),*),
            Ops::Dyn(ops) => ops.$method($($arg),*),
        }
    };
}

impl Ops {
    pub(crate) fn kind(&self) -> &'static str {
        either!(self.kind())
    }
    pub(crate) fn decode(&self, json: &str) -> Result<Rec, serde_json::Error> {
        either!(self.decode(json))
    }
    #[cfg(any(feature = "tabs", feature = "hydrate"))]
    pub(crate) fn decode_page(&self, json: &str) -> Result<RecPage, serde_json::Error> {
        either!(self.decode_page(json))
    }
    pub(crate) fn get_one(&self, id: &str) -> Answer<Rec> {
        either!(self.get_one(id))
    }
    pub(crate) fn get_many(&self, query: &ListQuery) -> Answer<RecPage> {
        either!(self.get_many(query))
    }
    pub(crate) fn get_by_ids(&self, ids: &[String]) -> Answer<Vec<Rec>> {
        either!(self.get_by_ids(ids))
    }
    pub(crate) fn position(&self, id: &str, query: &ListQuery) -> Answer<Option<Position>> {
        either!(self.position(id, query))
    }
    pub(crate) fn create(
        &self,
        body: &(dyn Any + Send + Sync),
        json: Json,
        idempotency_key: &str,
    ) -> Answer<Rec> {
        either!(self.create(body, json, idempotency_key))
    }
    pub(crate) fn update(
        &self,
        id: &str,
        patch: &(dyn Any + Send + Sync),
        json: Json,
        if_match: Option<u64>,
    ) -> Answer<Rec> {
        either!(self.update(id, patch, json, if_match))
    }
    pub(crate) fn delete(&self, id: &str, if_match: Option<u64>) -> Answer<()> {
        either!(self.delete(id, if_match))
    }
    pub(crate) fn call(&self, method: Method, path: &str, body: serde_json::Value) -> Answer<Rec> {
        either!(self.call(method, path, body))
    }
    #[cfg(feature = "persist")]
    pub(crate) fn draft(&self, body: &(dyn Any + Send + Sync), id: &str) -> Option<Rec> {
        either!(self.draft(body, id))
    }
    #[cfg(feature = "persist")]
    pub(crate) fn decode_create(&self, json: &str) -> Result<AnyCreate, serde_json::Error> {
        either!(self.decode_create(json))
    }
    #[cfg(feature = "persist")]
    pub(crate) fn decode_patch(&self, json: &str) -> Result<AnyPatch, serde_json::Error> {
        either!(self.decode_patch(json))
    }
    #[cfg(feature = "persist")]
    pub(crate) fn patch_json(&self, patch: &(dyn Any + Send + Sync)) -> Option<String> {
        either!(self.patch_json(patch))
    }
}

/// The [`Ops`] of kind `E` on `client`'s backend: what `DataFarmConfig::register` builds.
pub(crate) fn on_routes<E: Entity>(client: &ApiClient) -> Ops {
    Ops::Routes(HttpKind::of::<E>(client.clone()))
}

/// The [`Ops`] of kind `E` over `api`: what `DataFarmConfig::register_with` builds.
pub(crate) fn over_api<E: Entity>(api: Arc<dyn EntityApi<E>>) -> Ops {
    Ops::Dyn(Box::new(Typed { api }))
}
