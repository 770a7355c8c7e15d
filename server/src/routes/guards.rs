//! Middleware: cross-site write protection and the demo's artificial delay.

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::origin_allowed;
use crate::error::ApiError;
use crate::state::AppState;

/// Requests that change data must come from the server's own origin (or an allowed one), and
/// those with a body must declare `Content-Type: application/json`, which a cross-site form
/// cannot send without a CORS preflight. With the SameSite=Strict cookie this makes writes
/// unforgeable from other sites.
pub async fn same_site_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method();
    let writes = matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if writes {
        if !origin_allowed(request.headers(), &state.config().allowed_origins) {
            return ApiError::forbidden("cross-site requests may not change data").into_response();
        }
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value
                    .split(';')
                    .next()
                    .is_some_and(|mime| mime.trim() == "application/json")
            });
        if *method != Method::DELETE && !json {
            return ApiError::unsupported_media_type().into_response();
        }
    }
    next.run(request).await
}

/// Holds every API response back by the configured delay (not realtime streams), so loading
/// states can be seen and tested deterministically.
pub async fn delay(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let delay = state.config().response_delay;
    let streaming =
        request.uri().path().ends_with("/ws") || request.uri().path().ends_with("/events/stream");
    if !delay.is_zero() && !streaming {
        tokio::time::sleep(delay).await;
    }
    next.run(request).await
}
