use data_farm_protocol::{LoginRequest, MeResponse, SessionResponse, API_BASE};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::routes::json_of;
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
    /// The `Cookie` header sent with every request on a server (feature `ssr`).
    #[cfg(feature = "ssr")]
    cookie: Option<String>,
}

/// The response header naming the draft a change became (202): the change needs approval.
// Natively without feature `ssr` nothing is sent, so what reads answers goes unused there.
#[cfg_attr(not(any(target_arch = "wasm32", feature = "ssr")), allow(dead_code))]
const DRAFT_HEADER: &str = "data-farm-draft";

impl ApiClient {
    /// A client for the backend at `origin` (`""` for the page's own origin, or e.g.
    /// `"http://127.0.0.1:8080"`).
    pub fn new(origin: impl Into<String>) -> Self {
        ApiClient {
            origin: origin.into().trim_end_matches('/').to_owned(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            #[cfg(feature = "ssr")]
            cookie: None,
        }
    }

    /// The same client sending `cookie` as its `Cookie` header: on a server rendering a page,
    /// the user's session cookie taken from the page's request, so the backend answers as it
    /// would answer them. Feature `ssr`; in a browser the browser sends cookies itself.
    ///
    /// ```
    /// use data_farm::api::ApiClient;
    /// let api = ApiClient::new("http://127.0.0.1:8080").forward_cookie("df_session=abc");
    /// # let _ = api;
    /// ```
    #[cfg(feature = "ssr")]
    pub fn forward_cookie(mut self, cookie: impl Into<String>) -> Self {
        self.cookie = Some(cookie.into());
        self
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

    /// Sends `request` (with cookies and the deadline's abort signal) and reads the whole
    /// answer as text; the deadline covers both.
    ///
    /// Every call of every kind goes through this one non-generic function, and the typed
    /// methods only encode and decode around it: an async function generic over its body or
    /// answer type would be compiled once per type, sending code and all.
    async fn exchange(&self, request: Outgoing) -> Result<String, ApiError> {
        #[cfg(all(feature = "ssr", not(target_arch = "wasm32")))]
        {
            self.exchange_on_server(request).await
        }
        #[cfg(target_arch = "wasm32")]
        {
            self.exchange_in_browser(request).await
        }
        #[cfg(not(any(feature = "ssr", target_arch = "wasm32")))]
        {
            no_client(request)
        }
    }

    /// [`ApiClient::exchange`] through the browser's `fetch`.
    ///
    /// Straight on `web-sys` rather than through `gloo-net`'s request builder: the builder's
    /// layers (its own request options, header map and error type) cost every app about
    /// 4.8 KB of wasm (2.2 KB gzip, measured on the bench page) for the one request shape made
    /// here.
    #[cfg(target_arch = "wasm32")]
    async fn exchange_in_browser(&self, request: Outgoing) -> Result<String, ApiError> {
        use wasm_bindgen::{JsCast, JsValue};
        use wasm_bindgen_futures::JsFuture;
        let deadline = Deadline::start(self.timeout_ms);
        let init = web_sys::RequestInit::new();
        init.set_method(request.method);
        init.set_credentials(web_sys::RequestCredentials::Include);
        deadline.attach(&init);
        // A request that cannot be put together (a header value the browser refuses) is a
        // decode error, like a body that cannot be encoded.
        let unsendable = |err: JsValue| ApiError::Decode(reason(&err));
        let headers = web_sys::Headers::new().map_err(unsendable)?;
        if let Some((name, value)) = &request.header {
            headers.set(name, value).map_err(unsendable)?;
        }
        if let Some(body) = &request.body {
            headers
                .set("Content-Type", "application/json")
                .map_err(unsendable)?;
            init.set_body(&JsValue::from_str(body));
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
        let sent = window.fetch_with_str_and_init(&self.url(&request.path), &init);
        let response: web_sys::Response = JsFuture::from(sent)
            .await
            .map_err(|err| deadline.failed(reason(&err)))?
            .unchecked_into();
        let status = response.status();
        let drafted = matches!(response.headers().get(DRAFT_HEADER), Ok(Some(_)));
        let body = match response.text() {
            Ok(text) => JsFuture::from(text)
                .await
                .map(|text| text.as_string().unwrap_or_default())
                .map_err(|err| deadline.failed(reason(&err))),
            Err(err) => Err(deadline.failed(reason(&err))),
        };
        answer(status, drafted, body)
    }

    /// [`ApiClient::exchange`] from a server (feature `ssr`, native): reqwest, with the
    /// forwarded cookie. The client is shared by every `ApiClient` (its connection pool).
    #[cfg(all(feature = "ssr", not(target_arch = "wasm32")))]
    async fn exchange_on_server(&self, request: Outgoing) -> Result<String, ApiError> {
        static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
        let client = CLIENT.get_or_init(reqwest::Client::new);
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|err| ApiError::Decode(err.to_string()))?;
        let mut builder = client.request(method, self.url(&request.path));
        if self.timeout_ms > 0 {
            builder = builder.timeout(std::time::Duration::from_millis(self.timeout_ms.into()));
        }
        if let Some(cookie) = &self.cookie {
            builder = builder.header("Cookie", cookie);
        }
        if let Some((name, value)) = &request.header {
            builder = builder.header(*name, value);
        }
        if let Some(body) = request.body {
            builder = builder
                .header("Content-Type", "application/json")
                .body(body);
        }
        let failed = |err: reqwest::Error| match err.is_timeout() {
            true => ApiError::Timeout {
                after_ms: self.timeout_ms,
            },
            false => ApiError::Network(err.to_string()),
        };
        let response = builder.send().await.map_err(failed)?;
        let status = response.status().as_u16();
        let drafted = response.headers().contains_key(DRAFT_HEADER);
        answer(status, drafted, response.text().await.map_err(failed))
    }

    /// [`ApiClient::exchange`] as a boxed future that owns what it needs: what the REST routes
    /// of a kind (`Routes`) await before decoding.
    pub(crate) fn exchange_boxed(
        &self,
        request: Outgoing,
    ) -> LocalBoxFuture<'static, Result<String, ApiError>> {
        let client = self.clone();
        Box::pin(async move { client.exchange(request).await })
    }

    /// `GET` a JSON resource.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        decode(&self.exchange(Outgoing::get(path)).await?)
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
        let request = Outgoing::with_body(method, path, body)?;
        decode(&self.exchange(request).await?)
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
        let request = Outgoing::with_body(Method::Post, path, body)?.idempotent(key);
        decode(&self.exchange(request).await?)
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
        let request = Outgoing::with_body(Method::Patch, path, body)?.if_match(if_match);
        decode(&self.exchange(request).await?)
    }

    /// `DELETE`, with `If-Match: <version>` when given.
    pub async fn delete(&self, path: &str, if_match: Option<u64>) -> Result<(), ApiError> {
        let request = Outgoing::delete(path).if_match(if_match);
        self.exchange(request).await.map(|_| ())
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

    /// The current `seq` of each of the user's topics. Read before fetching, it is where a
    /// subscription made later resumes without missing an event in between (a server render
    /// hydrated in a browser: see [`crate::farm::DataFarm`]'s `dehydrate`).
    pub async fn positions(&self) -> Result<data_farm_protocol::Positions, ApiError> {
        let answer: data_farm_protocol::PositionsResponse = self.get("/positions").await?;
        Ok(answer.positions)
    }

    /// Signs out: the backend ends the session and closes its realtime connections.
    pub async fn logout(&self) -> Result<(), ApiError> {
        self.delete("/session", None).await
    }
}

/// What an answer with `status` and `body` means: its text when it succeeded; a draft when it
/// is a 202 naming one (`drafted`: the `Data-Farm-Draft` header was there); otherwise the
/// protocol's error.
#[cfg_attr(not(any(target_arch = "wasm32", feature = "ssr")), allow(dead_code))]
fn answer(status: u16, drafted: bool, body: Result<String, ApiError>) -> Result<String, ApiError> {
    if status == 202 && drafted {
        // The change became a draft: for the caller it did not happen (yet).
        let draft = super::DraftAnswer::from_json(body?)?;
        Err(ApiError::Drafted {
            message: format!("saved as draft {} for approval", draft.id),
            draft: Box::new(draft),
        })
    } else if (200..300).contains(&status) {
        body
    } else {
        Err(ApiError::from_response(status, &body.unwrap_or_default()))
    }
}

/// Natively without feature `ssr` there is no HTTP client: every request fails, typed.
#[cfg(not(any(feature = "ssr", target_arch = "wasm32")))]
fn no_client(request: Outgoing) -> Result<String, ApiError> {
    Err(ApiError::Network(format!(
        "{} {}: no HTTP client here (a native build needs feature `ssr`)",
        request.method, request.path
    )))
}

/// What a failed browser call says: a JS error's message, or the thrown value as text.
#[cfg(target_arch = "wasm32")]
fn reason(thrown: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    match thrown.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => thrown
            .as_string()
            .unwrap_or_else(|| "the request failed".into()),
    }
}

/// The JSON answer `text` as a `T`.
pub(crate) fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(undecodable)
}

/// JSON that could not be read or written, as the typed error every decode and encode here
/// gives.
pub(crate) fn undecodable(err: serde_json::Error) -> ApiError {
    ApiError::Decode(err.to_string())
}

/// One request, apart from the type of its answer: what [`ApiClient::exchange`] sends.
#[derive(Debug)]
pub(crate) struct Outgoing {
    /// The HTTP method's name (`GET`, `PATCH`).
    method: &'static str,
    /// The API path, such as `/devices/dev_1`.
    path: String,
    /// One extra header (`If-Match`, `Idempotency-Key`), when the call has one.
    header: Option<(&'static str, String)>,
    /// The JSON body, already encoded.
    #[cfg_attr(not(any(target_arch = "wasm32", feature = "ssr")), allow(dead_code))]
    body: Option<String>,
}

impl Outgoing {
    /// `GET path`.
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Outgoing {
            method: "GET",
            path: path.into(),
            header: None,
            body: None,
        }
    }

    /// `DELETE path`.
    pub(crate) fn delete(path: impl Into<String>) -> Self {
        Outgoing {
            method: "DELETE",
            ..Outgoing::get(path)
        }
    }

    /// `method path` with `body` as JSON (a body that cannot be encoded is a decode error).
    pub(crate) fn with_body(
        method: Method,
        path: impl Into<String>,
        body: &impl Serialize,
    ) -> Result<Self, ApiError> {
        Ok(Outgoing::with_json(method, path, json_of(body)?))
    }

    /// `method path` with `json`, already encoded, as its body.
    pub(crate) fn with_json(method: Method, path: impl Into<String>, json: String) -> Self {
        Outgoing {
            method: method.as_str(),
            body: Some(json),
            ..Outgoing::get(path)
        }
    }

    /// With `If-Match: <version>` when a version is given.
    pub(crate) fn if_match(mut self, version: Option<u64>) -> Self {
        if let Some(version) = version {
            self.header = Some(("If-Match", version.to_string()));
        }
        self
    }

    /// With `Idempotency-Key: <key>`.
    pub(crate) fn idempotent(mut self, key: &str) -> Self {
        self.header = Some(("Idempotency-Key", key.to_owned()));
        self
    }
}

/// A request's deadline: an `AbortController` whose signal goes with the request and a timer
/// that aborts it. Dropping the deadline (the answer was read) cancels the timer.
#[cfg(target_arch = "wasm32")]
struct Deadline {
    after_ms: u32,
    armed: Option<(web_sys::AbortController, gloo_timers::callback::Timeout)>,
    expired: std::rc::Rc<std::cell::Cell<bool>>,
}

#[cfg(target_arch = "wasm32")]
impl Deadline {
    fn start(after_ms: u32) -> Deadline {
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

    fn attach(&self, init: &web_sys::RequestInit) {
        if let Some((controller, _)) = &self.armed {
            init.set_signal(Some(&controller.signal()));
        }
    }

    /// The error for a request that failed with `reason`: a timeout when the deadline fired.
    fn failed(&self, reason: String) -> ApiError {
        if self.expired.get() {
            return ApiError::Timeout {
                after_ms: self.after_ms,
            };
        }
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
    }

    #[cfg(not(feature = "ssr"))]
    #[test]
    fn natively_without_ssr_a_request_fails_typed() {
        let answer = futures_executor::block_on(ApiClient::new("").get::<u64>("/x"));
        assert!(
            matches!(&answer, Err(ApiError::Network(why)) if why.contains("GET /x") && why.contains("ssr")),
            "{answer:?}"
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
