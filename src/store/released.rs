//! What a store handle answers once its store is gone (its farm dropped): an empty store that
//! runs nothing in the background and whose every request fails, typed, without a panic.

use std::marker::PhantomData;
use std::sync::Arc;

use data_farm_protocol::ListResponse;
use futures_util::future::LocalBoxFuture;

use super::kind::Typed;
use super::StoreCore;
use crate::api::{ApiError, EntityApi};
use crate::cache::{CachePolicy, Environment};
use crate::change::ChangeBus;
use crate::entity::Entity;
use crate::query::ListQuery;

/// An empty core of kind `E` that stands for a store that is gone.
pub(super) fn released<E: Entity>() -> StoreCore {
    StoreCore::new(
        Arc::new(Typed::<E> {
            api: Arc::new(Gone(PhantomData)),
        }),
        Arc::new(Still),
        CachePolicy::default(),
        ChangeBus::default(),
    )
}

fn gone<T: 'static>() -> LocalBoxFuture<'static, Result<T, ApiError>> {
    Box::pin(async {
        Err(ApiError::NotFound {
            message: "this store is gone: its farm was dropped".to_owned(),
        })
    })
}

/// The API of a store that is gone: every call fails.
struct Gone<E>(PhantomData<fn() -> E>);

impl<E: Entity> EntityApi<E> for Gone<E> {
    fn get_one(&self, _id: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        gone()
    }

    fn get_many(
        &self,
        _query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<E>, ApiError>> {
        gone()
    }

    fn create(
        &self,
        _body: &E::Create,
        _idempotency_key: &str,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        gone()
    }

    fn update(
        &self,
        _id: &str,
        _patch: &E::Patch,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        gone()
    }

    fn delete(
        &self,
        _id: &str,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        gone()
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
        Box::pin(async {})
    }

    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        drop(task);
    }
}
