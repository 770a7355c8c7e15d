//! The HTTP surface: REST under `/api/v1`, realtime endpoints, and the SPA.

mod body;
mod drafts;
mod guards;
mod members;
mod resources;
mod session;
mod spa;
mod work;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::routing::{delete, get, post};
use axum::{middleware, Router};
use data_farm_protocol::{Application, Device, Instance, Operation, Report, Team};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::realtime::{sse, ws};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/session", post(session::login).delete(session::logout))
        .route("/me", get(session::me))
        .route("/positions", get(session::positions))
        .route("/health", get(health))
        .nest("/teams", resources::routes::<Team>())
        .route("/teams/{id}/members", get(members::list).post(members::add))
        .route(
            "/teams/{id}/members/{user_id}",
            delete(members::remove).patch(drafts::set_role),
        )
        .route(
            "/teams/{id}/approvals",
            get(drafts::get_rules).put(drafts::put_rules),
        )
        .nest("/drafts", drafts::routes())
        .nest("/applications", resources::routes::<Application>())
        .nest("/instances", resources::routes::<Instance>())
        .nest("/devices", resources::routes::<Device>())
        .route(
            "/instances/{id}/actions/{action}",
            post(work::instance_action),
        )
        .route("/teams/{id}/reports", post(work::request_report))
        .nest("/operations", resources::read_routes::<Operation>())
        .nest("/reports", resources::read_routes::<Report>())
        .route("/reports/{id}/download", get(work::download_report))
        .route("/ws", get(ws::handler))
        .route("/events/stream", get(sse::handler))
        .fallback(|| async { ApiError::not_found("route") })
        .layer(middleware::from_fn_with_state(state.clone(), guards::delay))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guards::same_site_writes,
        ))
        .layer(DefaultBodyLimit::max(state.config().max_body_bytes));

    let api = if state.config().test_control {
        api.route("/test/restart", post(test_restart))
            .route("/test/hang", get(test_hang))
    } else {
        api
    };
    let mut app = Router::new().nest("/api/v1", api);
    if let Some(dist) = &state.config().dist_dir {
        app = app.fallback_service(spa::service(dist));
    }
    let origins: Vec<HeaderValue> = state
        .config()
        .allowed_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if !origins.is_empty() {
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_credentials(true)
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PATCH,
                    Method::PUT,
                    Method::DELETE,
                ])
                .allow_headers([
                    header::CONTENT_TYPE,
                    header::IF_MATCH,
                    HeaderName::from_static("idempotency-key"),
                ])
                .expose_headers([
                    header::ETAG,
                    HeaderName::from_static("idempotent-replayed"),
                    HeaderName::from_static("data-farm-draft"),
                ]),
        );
    }
    app.layer(TraceLayer::new_for_http()).with_state(state)
}

/// `GET /health`: 200 while this node can reach its database, 503 otherwise, with the number
/// of nodes serving its cluster. For load balancers, which take a node out of rotation while
/// it fails.
async fn health(State(state): State<AppState>) -> (StatusCode, axum::Json<serde_json::Value>) {
    let reachable = state
        .db()
        .read(|conn| Ok(conn.query_row("SELECT 1", (), |row| row.get::<i64>(0))?))
        .await;
    match reachable {
        Ok(_) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok", "nodes": state.nodes()})),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(
                serde_json::json!({"status": "database unreachable", "nodes": state.nodes()}),
            ),
        ),
    }
}

#[derive(serde::Deserialize)]
struct RestartBody {
    down_ms: u64,
}

/// `GET /test/hang` (test control only): accepts the request and never answers (until the
/// server shuts down), for clients' timeout paths.
async fn test_hang(State(state): State<AppState>) -> StatusCode {
    let mut shutdown = state.shutdown_signal();
    let _ = shutdown.wait_for(|down| *down).await;
    StatusCode::SERVICE_UNAVAILABLE
}

/// `POST /test/restart` (test control only): the process stops serving and starts again.
async fn test_restart(State(state): State<AppState>, body: body::Body<RestartBody>) -> StatusCode {
    if state.request_restart(body.0.down_ms.min(60_000)) {
        StatusCode::ACCEPTED
    } else {
        StatusCode::NOT_FOUND
    }
}
