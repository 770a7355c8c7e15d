//! The protocol's REST routes of one kind, answering raw JSON texts: the HTTP side of
//! [`HttpEntityApi`](super::HttpEntityApi) and of the stores' built-in kinds, compiled once for
//! every kind (only decoding an answer is per kind).

use data_farm_protocol::Position;
use futures_util::future::LocalBoxFuture;

use super::client::{decode, undecodable, Outgoing};
use super::{ApiClient, ApiError, Method};
use crate::query::ListQuery;

/// A raw answer on its way.
pub(crate) type Text = LocalBoxFuture<'static, Result<String, ApiError>>;

/// Most ids one `GET /{kinds}?ids=…` may name.
const IDS_PER_REQUEST: usize = 100;

/// The routes of the kind whose plural is `plural`, on `client`'s backend.
#[derive(Clone)]
pub(crate) struct Routes {
    client: ApiClient,
    plural: &'static str,
}

impl Routes {
    pub(crate) fn new(client: ApiClient, plural: &'static str) -> Self {
        Routes { client, plural }
    }

    /// `GET /{kinds}/{id}`.
    pub(crate) fn get_one(&self, id: &str) -> Text {
        self.send(Outgoing::get(item_path(self.plural, id)))
    }

    /// `GET /{kinds}?…`: a page of the list `query` selects.
    pub(crate) fn get_many(&self, query: &ListQuery) -> Text {
        self.send(Outgoing::get(list_path(self.plural, query)))
    }

    /// The pages of `GET /{kinds}?ids=…` naming `ids` (100 a page), read one after another.
    pub(crate) fn get_by_ids(
        &self,
        ids: &[String],
    ) -> LocalBoxFuture<'static, Result<Vec<String>, ApiError>> {
        let paths: Vec<String> = ids
            .chunks(IDS_PER_REQUEST)
            .map(|ids| ids_path(self.plural, ids))
            .collect();
        let client = self.client.clone();
        Box::pin(async move {
            let mut pages = Vec::with_capacity(paths.len());
            for path in paths {
                pages.push(client.exchange_boxed(Outgoing::get(path)).await?);
            }
            Ok(pages)
        })
    }

    /// `GET /{kinds}/{id}/position?…`: `None` when the list does not hold the entity.
    pub(crate) fn position(
        &self,
        id: &str,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<Option<Position>, ApiError>> {
        let path = sub_path(self.plural, id, "position", &query.to_query_string());
        let request = self.send(Outgoing::get(path));
        Box::pin(async move {
            match request.await {
                Ok(text) => decode(&text).map(Some),
                Err(ApiError::NotFound { .. }) => Ok(None),
                Err(err) => Err(err),
            }
        })
    }

    /// `POST /{kinds}` of `body` (JSON) with `Idempotency-Key: <idempotency_key>`.
    pub(crate) fn create(&self, body: Result<String, ApiError>, idempotency_key: &str) -> Text {
        match body {
            Ok(json) => {
                let path = format!("/{}", self.plural);
                self.send(Outgoing::with_json(Method::Post, path, json).idempotent(idempotency_key))
            }
            Err(err) => failed(err),
        }
    }

    /// `PATCH /{kinds}/{id}` of `patch` (JSON), with `If-Match` when `if_match` is given.
    pub(crate) fn update(
        &self,
        id: &str,
        patch: Result<String, ApiError>,
        if_match: Option<u64>,
    ) -> Text {
        match patch {
            Ok(json) => {
                let path = item_path(self.plural, id);
                self.send(Outgoing::with_json(Method::Patch, path, json).if_match(if_match))
            }
            Err(err) => failed(err),
        }
    }

    /// `DELETE /{kinds}/{id}`, with `If-Match` when `if_match` is given.
    pub(crate) fn delete(
        &self,
        id: &str,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        let answer = self.send(Outgoing::delete(item_path(self.plural, id)).if_match(if_match));
        Box::pin(async move { answer.await.map(|_| ()) })
    }

    /// `method path` of `body`: a custom endpoint.
    pub(crate) fn call(&self, method: Method, path: &str, body: &serde_json::Value) -> Text {
        match Outgoing::with_body(method, path, body) {
            Ok(request) => self.send(request),
            Err(err) => failed(err),
        }
    }

    fn send(&self, request: Outgoing) -> Text {
        self.client.exchange_boxed(request)
    }
}

/// `value` as a request body's JSON (one that cannot be encoded is a decode error).
pub(crate) fn json_of(value: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(undecodable)
}

/// The boxed future of a request that is not sent: `err`.
fn failed<T: 'static>(err: ApiError) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    Box::pin(std::future::ready(Err(err)))
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

/// `/{kinds}/{id}/{tail}`, with `?query` when there is one.
pub(crate) fn sub_path(plural: &str, id: &str, tail: &str, query: &str) -> String {
    let mut path = item_path(plural, id);
    path.push('/');
    path.push_str(tail);
    if !query.is_empty() {
        path.push('?');
        path.push_str(query);
    }
    path
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::Device;

    use super::*;
    use crate::entity::Entity;

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
