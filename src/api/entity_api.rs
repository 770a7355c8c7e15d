use std::marker::PhantomData;

use data_farm_protocol::{ListResponse, Position};
use futures_util::future::LocalBoxFuture;

use serde::de::DeserializeOwned;

use super::client::decode;
use super::routes::{json_of, Routes};
use super::{ApiClient, ApiError, Method};
use crate::entity::Entity;
use crate::query::ListQuery;

/// The CRUD contract a store fetches and mutates through. [`HttpEntityApi`] implements it over
/// the protocol's REST routes; tests and unusual backends implement it themselves.
pub trait EntityApi<E: Entity>: Send + Sync + 'static {
    /// `GET /{kinds}/{id}`.
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<E, ApiError>>;
    /// `GET /{kinds}?…`: one page and the total.
    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<E>, ApiError>>;
    /// The entities among `ids` that exist and the user may see, in any order (absent ones
    /// are simply missing). Over HTTP one `GET /{kinds}?ids=…` per 100 ids; by default one
    /// [`EntityApi::get_one`] after another.
    fn get_by_ids(&self, ids: &[String]) -> LocalBoxFuture<'static, Result<Vec<E>, ApiError>> {
        let calls: Vec<_> = ids.iter().map(|id| self.get_one(id)).collect();
        Box::pin(async move {
            let mut found = Vec::with_capacity(calls.len());
            for call in calls {
                match call.await {
                    Ok(entity) => found.push(entity),
                    Err(ApiError::NotFound { .. }) => {}
                    Err(err) => return Err(err),
                }
            }
            Ok(found)
        })
    }
    /// Where entity `id` stands in the list `query` selects (its `page` ignored), or `None`
    /// when the list does not hold it. Over HTTP one `GET /{kinds}/{id}/position`; by default
    /// the first 100 entities of the list are read, and a longer list it is not among is
    /// [`ApiError::Server`] with status 501 (a backend with long lists overrides this).
    fn position(
        &self,
        id: &str,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<Option<Position>, ApiError>> {
        let (id, per_page) = (id.to_owned(), u64::from(query.per_page.max(1)));
        let first = self.get_many(&query.clone().page(1).per_page(100));
        Box::pin(async move {
            let page = first.await?;
            match page.items.iter().position(|e| e.id() == id) {
                Some(rank) => Ok(Some(Position {
                    page: rank as u64 / per_page + 1,
                    index: rank as u64 % per_page,
                    per_page,
                    total: page.total,
                })),
                None if page.total <= page.items.len() as u64 => Ok(None),
                None => Err(ApiError::Server {
                    status: 501,
                    message: format!(
                        "{id} is not among the first 100 and this API cannot tell where it is"
                    ),
                }),
            }
        })
    }
    /// How many entities match `query`.
    fn count(&self, query: &ListQuery) -> LocalBoxFuture<'static, Result<u64, ApiError>> {
        let page = self.get_many(&query.clone().page(1).per_page(1));
        Box::pin(async move { page.await.map(|page| page.total) })
    }
    /// `POST /{kinds}` with `Idempotency-Key: <idempotency_key>`: the store passes the
    /// create's temporary id, the same each time the create is sent again (an offline outbox
    /// replay, another tab), so a backend that honours the key makes one entity, whatever
    /// the number of attempts.
    fn create(
        &self,
        body: &E::Create,
        idempotency_key: &str,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>>;
    /// `PATCH /{kinds}/{id}`, with `If-Match` when `if_match` is given.
    fn update(
        &self,
        id: &str,
        patch: &E::Patch,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>>;
    /// `DELETE /{kinds}/{id}`, with `If-Match` when `if_match` is given.
    fn delete(
        &self,
        id: &str,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>>;
    /// A custom endpoint of the backend whose answer is an entity of this kind (`POST
    /// /instances/{id}/actions/deploy` answers with the queued operation). By default there
    /// is none: the call fails with [`ApiError::NotFound`].
    fn call(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        let _ = body;
        let message = format!("{} {path}: this API has no custom actions", method.as_str());
        Box::pin(async move { Err(ApiError::NotFound { message }) })
    }
}

/// [`EntityApi`] over HTTP with an [`ApiClient`].
pub struct HttpEntityApi<E> {
    routes: Routes,
    kind: PhantomData<fn() -> E>,
}

impl<E: Entity> HttpEntityApi<E> {
    /// The REST routes of kind `E` on `client`'s backend.
    pub fn new(client: ApiClient) -> Self {
        HttpEntityApi {
            routes: Routes::new(client, E::PLURAL),
            kind: PhantomData,
        }
    }
}

/// Awaits `request` and decodes its answer as `T`: the only per-kind part of an HTTP call
/// (the sending itself is [`ApiClient::exchange_boxed`], compiled once).
pub(super) fn typed<T: DeserializeOwned + 'static>(
    request: LocalBoxFuture<'static, Result<String, ApiError>>,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    Box::pin(async move { decode(&request.await?) })
}

impl<E: Entity> EntityApi<E> for HttpEntityApi<E> {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        typed(self.routes.get_one(id))
    }

    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<E>, ApiError>> {
        typed(self.routes.get_many(query))
    }

    fn get_by_ids(&self, ids: &[String]) -> LocalBoxFuture<'static, Result<Vec<E>, ApiError>> {
        let pages = self.routes.get_by_ids(ids);
        Box::pin(async move {
            let mut found = Vec::new();
            for text in pages.await? {
                found.extend(decode::<ListResponse<E>>(&text)?.items);
            }
            Ok(found)
        })
    }

    fn position(
        &self,
        id: &str,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<Option<Position>, ApiError>> {
        self.routes.position(id, query)
    }

    fn create(
        &self,
        body: &E::Create,
        idempotency_key: &str,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        typed(self.routes.create(json_of(body), idempotency_key))
    }

    fn update(
        &self,
        id: &str,
        patch: &E::Patch,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        typed(self.routes.update(id, json_of(patch), if_match))
    }

    fn delete(
        &self,
        id: &str,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        self.routes.delete(id, if_match)
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        typed(self.routes.call(method, path, &body))
    }
}
