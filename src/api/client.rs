use data_farm_protocol::{LoginRequest, MeResponse, SessionResponse, API_BASE};
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;

use super::{ApiError, Method};

/// A handle on one backend: its origin plus the protocol's REST calls. Cheap to clone.
///
/// Requests carry cookies (`credentials: include`), so the same client works same-origin and,
/// when the backend allows the page's origin, cross-origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    origin: String,
}

impl ApiClient {
    /// A client for the backend at `origin` (`""` for the page's own origin, or e.g.
    /// `"http://127.0.0.1:8080"`).
    pub fn new(origin: impl Into<String>) -> Self {
        ApiClient {
            origin: origin.into().trim_end_matches('/').to_owned(),
        }
    }

    /// The absolute or root-relative URL of an API path such as `/devices`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{API_BASE}{path}", self.origin)
    }

    fn request(&self, builder: RequestBuilder) -> RequestBuilder {
        builder.credentials(RequestCredentials::Include)
    }

    async fn send(&self, request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
        let request = request.map_err(|err| ApiError::Decode(err.to_string()))?;
        let response = request
            .send()
            .await
            .map_err(|err| ApiError::Network(err.to_string()))?;
        if response.ok() {
            Ok(response)
        } else {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            Err(ApiError::from_response(status, &body))
        }
    }

    async fn json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
        response
            .json::<T>()
            .await
            .map_err(|err| ApiError::Decode(err.to_string()))
    }

    /// `GET` a JSON resource.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let response = self
            .send(self.request(Request::get(&self.url(path))).build())
            .await?;
        Self::json(response).await
    }

    /// Sends a JSON body with `method` and decodes the JSON answer: the typed call behind
    /// custom (non-CRUD) endpoints such as `POST /instances/{id}/actions/deploy`. Apps reach
    /// it through [`EntityStore::action`](crate::store::EntityStore::action), which also puts
    /// the answer into the store.
    pub async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let url = self.url(path);
        let builder = match method {
            Method::Post => Request::post(&url),
            Method::Put => Request::put(&url),
            Method::Patch => Request::patch(&url),
            Method::Delete => Request::delete(&url),
        };
        let response = self.send(self.request(builder).json(body)).await?;
        Self::json(response).await
    }

    /// `POST` a JSON body and decode the JSON answer.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send_json(Method::Post, path, body).await
    }

    /// `POST` a JSON body with `Idempotency-Key: <key>` and decode the JSON answer: sent again
    /// with the same key, the backend answers the first result instead of acting twice.
    pub async fn post_once<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        key: &str,
    ) -> Result<T, ApiError> {
        let builder = self
            .request(Request::post(&self.url(path)))
            .header("Idempotency-Key", key);
        let response = self.send(builder.json(body)).await?;
        Self::json(response).await
    }

    /// `PUT` a JSON body and decode the JSON answer.
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.send_json(Method::Put, path, body).await
    }

    /// `PATCH` a JSON body, with `If-Match: <version>` when given, and decode the answer.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        if_match: Option<u64>,
    ) -> Result<T, ApiError> {
        let mut builder = self.request(Request::patch(&self.url(path)));
        if let Some(version) = if_match {
            builder = builder.header("If-Match", &version.to_string());
        }
        let response = self.send(builder.json(body)).await?;
        Self::json(response).await
    }

    /// `DELETE`, with `If-Match: <version>` when given.
    pub async fn delete(&self, path: &str, if_match: Option<u64>) -> Result<(), ApiError> {
        let mut builder = self.request(Request::delete(&self.url(path)));
        if let Some(version) = if_match {
            builder = builder.header("If-Match", &version.to_string());
        }
        self.send(builder.build()).await.map(|_| ())
    }

    /// Signs in; the backend sets the session cookie.
    pub async fn login(&self, username: &str, password: &str) -> Result<SessionResponse, ApiError> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        self.post("/session", &body).await
    }

    /// The signed-in user and their teams' ids; [`ApiError::Unauthorized`] when signed out.
    pub async fn me(&self) -> Result<MeResponse, ApiError> {
        self.get("/me").await
    }

    /// Signs out: the backend ends the session and closes its realtime connections.
    pub async fn logout(&self) -> Result<(), ApiError> {
        self.send(self.request(Request::delete(&self.url("/session"))).build())
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_the_origin_and_the_api_base() {
        assert_eq!(ApiClient::new("").url("/devices"), "/api/v1/devices");
        assert_eq!(
            ApiClient::new("http://127.0.0.1:8080/").url("/me"),
            "http://127.0.0.1:8080/api/v1/me"
        );
    }
}
