use std::marker::PhantomData;

use data_farm_protocol::ListResponse;
use futures_util::future::LocalBoxFuture;

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
    client: ApiClient,
    kind: PhantomData<fn() -> E>,
}

impl<E> HttpEntityApi<E> {
    /// The REST routes of kind `E` on `client`'s backend.
    pub fn new(client: ApiClient) -> Self {
        HttpEntityApi {
            client,
            kind: PhantomData,
        }
    }
}

fn item_path<E: Entity>(id: &str) -> String {
    let mut path = format!("/{}/", E::PLURAL);
    for byte in id.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                path.push(byte as char)
            }
            _ => path.push_str(&format!("%{byte:02X}")),
        }
    }
    path
}

impl<E: Entity> EntityApi<E> for HttpEntityApi<E> {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        let (client, path) = (self.client.clone(), item_path::<E>(id));
        Box::pin(async move { client.get(&path).await })
    }

    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<E>, ApiError>> {
        let client = self.client.clone();
        let qs = query.to_query_string();
        let path = if qs.is_empty() {
            format!("/{}", E::PLURAL)
        } else {
            format!("/{}?{qs}", E::PLURAL)
        };
        Box::pin(async move { client.get(&path).await })
    }

    fn create(
        &self,
        body: &E::Create,
        idempotency_key: &str,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        let (client, body, key) = (
            self.client.clone(),
            body.clone(),
            idempotency_key.to_owned(),
        );
        Box::pin(async move {
            client
                .post_once(&format!("/{}", E::PLURAL), &body, &key)
                .await
        })
    }

    fn update(
        &self,
        id: &str,
        patch: &E::Patch,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        let (client, path, patch) = (self.client.clone(), item_path::<E>(id), patch.clone());
        Box::pin(async move { client.patch(&path, &patch, if_match).await })
    }

    fn delete(
        &self,
        id: &str,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        let (client, path) = (self.client.clone(), item_path::<E>(id));
        Box::pin(async move { client.delete(&path, if_match).await })
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        let (client, path) = (self.client.clone(), path.to_owned());
        Box::pin(async move { client.send_json(method, &path, &body).await })
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::Device;

    use super::*;

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(item_path::<Device>("dev_1"), "/devices/dev_1");
        assert_eq!(item_path::<Device>("a/b?c"), "/devices/a%2Fb%3Fc");
    }
}
