use std::marker::PhantomData;

use data_farm_protocol::{ListResponse, Position};
use futures_util::future::LocalBoxFuture;

use serde::de::DeserializeOwned;

use super::client::{decode, Outgoing};
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

/// Appends `text` percent-encoded (everything but RFC 3986's unreserved characters).
fn escape_into(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
}

fn item_path(plural: &str, id: &str) -> String {
    let mut path = format!("/{plural}/");
    escape_into(&mut path, id);
    path
}

fn list_path(plural: &str, query: &ListQuery) -> String {
    let qs = query.to_query_string();
    if qs.is_empty() {
        format!("/{plural}")
    } else {
        format!("/{plural}?{qs}")
    }
}

/// Most ids one `GET /{kinds}?ids=…` may name.
const IDS_PER_REQUEST: usize = 100;

fn ids_path(plural: &str, ids: &[String]) -> String {
    let mut path = format!("/{plural}?per_page={IDS_PER_REQUEST}&ids=");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            path.push(',');
        }
        escape_into(&mut path, id);
    }
    path
}

pub(super) fn sub_path(plural: &str, id: &str, tail: &str, query: &str) -> String {
    let mut path = item_path(plural, id);
    path.push('/');
    path.push_str(tail);
    if !query.is_empty() {
        path.push('?');
        path.push_str(query);
    }
    path
}

/// Awaits `request` and decodes its answer as `T`: the only per-kind part of an HTTP call
/// (the sending itself is [`ApiClient::exchange_boxed`], compiled once).
pub(super) fn typed<T: DeserializeOwned + 'static>(
    request: LocalBoxFuture<'static, Result<String, ApiError>>,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    Box::pin(async move { decode(&request.await?) })
}

/// Reads the pages of `paths` one after another, as raw texts (not generic: only decoding
/// them is per kind).
fn pages_of(
    client: &ApiClient,
    paths: Vec<String>,
) -> LocalBoxFuture<'static, Result<Vec<String>, ApiError>> {
    let client = client.clone();
    Box::pin(async move {
        let mut pages = Vec::with_capacity(paths.len());
        for path in paths {
            pages.push(client.exchange_boxed(Outgoing::get(path)).await?);
        }
        Ok(pages)
    })
}

/// `GET {path}` of a position: `None` when the list does not hold the entity.
fn position_at(
    client: &ApiClient,
    path: String,
) -> LocalBoxFuture<'static, Result<Option<Position>, ApiError>> {
    let request = client.exchange_boxed(Outgoing::get(path));
    Box::pin(async move {
        match request.await {
            Ok(text) => decode(&text).map(Some),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    })
}

/// The boxed future of a request whose body could not be encoded: that error.
fn failed<T: 'static>(err: ApiError) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    Box::pin(std::future::ready(Err(err)))
}

impl<E: Entity> EntityApi<E> for HttpEntityApi<E> {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        typed(
            self.client
                .exchange_boxed(Outgoing::get(item_path(E::PLURAL, id))),
        )
    }

    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<E>, ApiError>> {
        typed(
            self.client
                .exchange_boxed(Outgoing::get(list_path(E::PLURAL, query))),
        )
    }

    fn get_by_ids(&self, ids: &[String]) -> LocalBoxFuture<'static, Result<Vec<E>, ApiError>> {
        let paths = ids
            .chunks(IDS_PER_REQUEST)
            .map(|ids| ids_path(E::PLURAL, ids))
            .collect();
        let pages = pages_of(&self.client, paths);
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
        let path = sub_path(E::PLURAL, id, "position", &query.to_query_string());
        position_at(&self.client, path)
    }

    fn create(
        &self,
        body: &E::Create,
        idempotency_key: &str,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        match Outgoing::with_body(Method::Post, format!("/{}", E::PLURAL), body) {
            Ok(request) => typed(
                self.client
                    .exchange_boxed(request.idempotent(idempotency_key)),
            ),
            Err(err) => failed(err),
        }
    }

    fn update(
        &self,
        id: &str,
        patch: &E::Patch,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        match Outgoing::with_body(Method::Patch, item_path(E::PLURAL, id), patch) {
            Ok(request) => typed(self.client.exchange_boxed(request.if_match(if_match))),
            Err(err) => failed(err),
        }
    }

    fn delete(
        &self,
        id: &str,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        let request = Outgoing::delete(item_path(E::PLURAL, id)).if_match(if_match);
        let answer = self.client.exchange_boxed(request);
        Box::pin(async move { answer.await.map(|_| ()) })
    }

    fn call(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        match Outgoing::with_body(method, path, &body) {
            Ok(request) => typed(self.client.exchange_boxed(request)),
            Err(err) => failed(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::Device;

    use super::*;

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(item_path(Device::PLURAL, "dev_1"), "/devices/dev_1");
        assert_eq!(item_path(Device::PLURAL, "a/b?c"), "/devices/a%2Fb%3Fc");
        assert_eq!(
            ids_path(Device::PLURAL, &["dev_1".into(), "a,b".into()]),
            "/devices?per_page=100&ids=dev_1,a%2Cb"
        );
        assert_eq!(
            sub_path(Device::PLURAL, "dev_1", "position", "team=t&per_page=5"),
            "/devices/dev_1/position?team=t&per_page=5"
        );
    }
}
