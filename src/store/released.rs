//! What a store handle answers once its store is gone (its farm dropped): an empty store that
//! runs nothing in the background and whose every request fails, typed, without a panic.
//! Nothing here knows the kind beyond its name, so it is compiled once for every kind.

use std::any::Any;
use std::sync::Arc;

use data_farm_protocol::Position;
use futures_util::future::LocalBoxFuture;

#[cfg(feature = "persist")]
use super::kind::AnyCreate;
use super::kind::{Json, KindOps, RecPage};
use super::ops::Ops;
#[cfg(feature = "persist")]
use super::record::AnyPatch;
use super::record::Rec;
use super::StoreCore;
use crate::api::{ApiError, Method};
use crate::cache::{CachePolicy, Environment};
use crate::change::ChangeBus;
use crate::query::ListQuery;

/// An empty core of `kind` that stands for a store that is gone.
pub(super) fn released(kind: &'static str) -> StoreCore {
    StoreCore::new(
        Ops::Dyn(Box::new(Gone { kind })),
        Arc::new(Still),
        CachePolicy::default(),
        ChangeBus::default(),
    )
}

type Answer<T> = LocalBoxFuture<'static, Result<T, ApiError>>;

fn gone<T: 'static>() -> Answer<T> {
    Box::pin(std::future::ready(Err(ApiError::NotFound {
        message: "this store is gone: its farm was dropped".to_owned(),
    })))
}

fn undecodable() -> serde_json::Error {
    serde::de::Error::custom("this store is gone: its farm was dropped")
}

/// The kind of a store that is gone: every call fails, nothing decodes.
struct Gone {
    kind: &'static str,
}

impl KindOps for Gone {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn decode(&self, _json: &str) -> Result<Rec, serde_json::Error> {
        Err(undecodable())
    }

    #[cfg(any(feature = "tabs", feature = "hydrate"))]
    fn decode_page(&self, _json: &str) -> Result<RecPage, serde_json::Error> {
        Err(undecodable())
    }

    fn get_one(&self, _id: &str) -> Answer<Rec> {
        gone()
    }

    fn get_many(&self, _query: &ListQuery) -> Answer<RecPage> {
        gone()
    }

    fn get_by_ids(&self, _ids: &[String]) -> Answer<Vec<Rec>> {
        gone()
    }

    fn position(&self, _id: &str, _query: &ListQuery) -> Answer<Option<Position>> {
        gone()
    }

    fn create(&self, _body: &(dyn Any + Send + Sync), _json: Json, _key: &str) -> Answer<Rec> {
        gone()
    }

    fn update(
        &self,
        _id: &str,
        _patch: &(dyn Any + Send + Sync),
        _json: Json,
        _if_match: Option<u64>,
    ) -> Answer<Rec> {
        gone()
    }

    fn delete(&self, _id: &str, _if_match: Option<u64>) -> Answer<()> {
        gone()
    }

    fn call(&self, _method: Method, _path: &str, _body: serde_json::Value) -> Answer<Rec> {
        gone()
    }

    #[cfg(feature = "persist")]
    fn draft(&self, _body: &(dyn Any + Send + Sync), _id: &str) -> Option<Rec> {
        None
    }

    #[cfg(feature = "persist")]
    fn decode_create(&self, _json: &str) -> Result<AnyCreate, serde_json::Error> {
        Err(undecodable())
    }

    #[cfg(feature = "persist")]
    fn decode_patch(&self, _json: &str) -> Result<AnyPatch, serde_json::Error> {
        Err(undecodable())
    }

    #[cfg(feature = "persist")]
    fn patch_json(&self, _patch: &(dyn Any + Send + Sync)) -> Option<String> {
        None
    }
}

/// The environment of a store that is gone: time stands still and nothing runs in the
/// background (a refetch an observer would start is dropped).
struct Still;

impl Environment for Still {
    fn now(&self) -> f64 {
        0.0
    }

    fn sleep(&self, _ms: f64) -> LocalBoxFuture<'static, ()> {
        Box::pin(std::future::ready(()))
    }

    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        drop(task);
    }
}
