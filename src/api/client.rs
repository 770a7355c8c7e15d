use data_farm_protocol::{LoginRequest, MeResponse, SessionResponse, API_BASE};
use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;

use super::{ApiError, Method};

/// How long a request may take, start to last byte of the answer, unless set otherwise.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;

/// A handle on one backend: its origin plus the protocol's REST calls. Cheap to clone.
///
/// Requests carry cookies (`credentials: include`), so the same client works same-origin and,
/// when the backend allows the page's origin, cross-origin. Each request is aborted after
/// [`ApiClient::timeout`] (15 s by default) and fails with [`ApiError::Timeout`], so a server
/// that accepts a connection and never answers cannot keep a query loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    origin: String,
    timeout_ms: u32,
}

/// The response header naming the draft a change became (202): the change needs approval.
const DRAFT_HEADER: &str = "data-farm-draft";

impl ApiClient {
    /// A client for the backend at `origin` (`""` for the page's own origin, or e.g.
    /// `"http://127.0.0.1:8080"`).
    pub fn new(origin: impl Into<String>) -> Self {
        ApiClient {
            origin: origin.into().trim_end_matches('/').to_owned(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }

    /// The same client with requests aborted after `ms` milliseconds (0: never).
    ///
    /// ```
    /// use data_farm::api::ApiClient;
    /// let api = ApiClient::new("").timeout(5_000);
    /// assert_eq!(api.timeout_ms(), 5_000);
    /// ```
    pub fn timeout(mut self, ms: u32) -> Self {
        self.timeout_ms = ms;
        self
    }

    /// Milliseconds after which a request is aborted (0: never).
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// The absolute or root-relative URL of an API path such as `/devices`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{API_BASE}{path}", self.origin)
    }

    /// Sends what `finish` makes of `builder` (with cookies and the deadline's abort signal)
    /// and reads the whole answer; the deadline covers both.
    async fn send(
        &self,
        builder: RequestBuilder,
        finish: impl FnOnce(RequestBuilder) -> Result<Request, gloo_net::Error>,
    ) -> Result<String, ApiError> {
        let deadline = Deadline::start(self.timeout_ms);
        let builder = deadline.attach(builder.credentials(RequestCredentials::Include));
        let request = finish(builder).map_err(|err| ApiError::Decode(err.to_string()))?;
        let response = request
            .send()
            .await
            .map_err(|err| deadline.failed(err.to_string()))?;
        let status = response.status();
        let drafted = status == 202 && response.headers().get(DRAFT_HEADER).is_some();
        let body = response.text().await;
        if drafted {
            // The change became a draft: for the caller it did not happen (yet).
            let text = body.map_err(|err| deadline.failed(err.to_string()))?;
            let draft = Self::json::<data_farm_protocol::Draft>(&text)?;
            Err(ApiError::Drafted {
                message: format!("saved as draft {} for approval", draft.id),
                draft: Box::new(draft),
            })
        } else if response.ok() {
            body.map_err(|err| deadline.failed(err.to_string()))
        } else {
            Err(ApiError::from_response(status, &body.unwrap_or_default()))
        }
    }

    fn json<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
        serde_json::from_str(text).map_err(|err| ApiError::Decode(err.to_string()))
    }

    /// `GET` a JSON resource.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let text = self
            .send(Request::get(&self.url(path)), |b| b.build())
            .await?;
        Self::json(&text)
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
        let text = self.send(builder, |b| b.json(body)).await?;
        Self::json(&text)
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
        let builder = Request::post(&self.url(path)).header("Idempotency-Key", key);
        let text = self.send(builder, |b| b.json(body)).await?;
        Self::json(&text)
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
        let mut builder = Request::patch(&self.url(path));
        if let Some(version) = if_match {
            builder = builder.header("If-Match", &version.to_string());
        }
        let text = self.send(builder, |b| b.json(body)).await?;
        Self::json(&text)
    }

    /// `DELETE`, with `If-Match: <version>` when given.
    pub async fn delete(&self, path: &str, if_match: Option<u64>) -> Result<(), ApiError> {
        let mut builder = Request::delete(&self.url(path));
        if let Some(version) = if_match {
            builder = builder.header("If-Match", &version.to_string());
        }
        self.send(builder, |b| b.build()).await.map(|_| ())
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
        self.send(Request::delete(&self.url("/session")), |b| b.build())
            .await
            .map(|_| ())
    }
}

/// A request's deadline: an `AbortController` whose signal goes with the request and a timer
/// that aborts it. Dropping the deadline (the answer was read) cancels the timer.
struct Deadline {
    after_ms: u32,
    #[cfg(target_arch = "wasm32")]
    armed: Option<(web_sys::AbortController, gloo_timers::callback::Timeout)>,
    #[cfg(target_arch = "wasm32")]
    expired: std::rc::Rc<std::cell::Cell<bool>>,
}

impl Deadline {
    fn start(after_ms: u32) -> Deadline {
        #[cfg(target_arch = "wasm32")]
        {
            let expired = std::rc::Rc::new(std::cell::Cell::new(false));
            let armed = (after_ms > 0)
                .then(web_sys::AbortController::new)
                .and_then(Result::ok)
                .map(|controller| {
                    let (abort, flag) = (controller.clone(), std::rc::Rc::clone(&expired));
                    let timer = gloo_timers::callback::Timeout::new(after_ms, move || {
                        flag.set(true);
                        abort.abort();
                    });
                    (controller, timer)
                });
            Deadline {
                after_ms,
                armed,
                expired,
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        Deadline { after_ms }
    }

    fn attach(&self, builder: RequestBuilder) -> RequestBuilder {
        #[cfg(target_arch = "wasm32")]
        if let Some((controller, _)) = &self.armed {
            return builder.abort_signal(Some(&controller.signal()));
        }
        builder
    }

    /// The error for a request that failed with `reason`: a timeout when the deadline fired.
    fn failed(&self, reason: String) -> ApiError {
        #[cfg(target_arch = "wasm32")]
        if self.expired.get() {
            return ApiError::Timeout {
                after_ms: self.after_ms,
            };
        }
        let _ = self.after_ms;
        ApiError::Network(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_time_out_after_15_seconds_unless_told_otherwise() {
        assert_eq!(ApiClient::new("").timeout_ms(), DEFAULT_TIMEOUT_MS);
        assert_eq!(ApiClient::new("").timeout(0).timeout_ms(), 0);
        assert_eq!(
            Deadline::start(10).failed("refused".into()),
            ApiError::Network("refused".into())
        );
    }

    #[test]
    fn urls_join_the_origin_and_the_api_base() {
        assert_eq!(ApiClient::new("").url("/devices"), "/api/v1/devices");
        assert_eq!(
            ApiClient::new("http://127.0.0.1:8080/").url("/me"),
            "http://127.0.0.1:8080/api/v1/me"
        );
    }
}
