//! Long-running work over HTTP: instance actions, report requests and downloads. Reading
//! operations and reports goes through the generic read routes.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::operations;
use crate::store::reports::{self, Download};

/// `POST /instances/{id}/actions/{action}` → 202 + the queued operation.
pub async fn instance_action(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let op = state
        .db()
        .write_as(&current.user.id.clone(), move |w| {
            operations::start(w, &current.user.id, &id, &action)
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(op)).into_response())
}

/// `POST /teams/{id}/reports` → 202 + the queued report.
pub async fn request_report(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(team_id): Path<String>,
) -> Result<Response, ApiError> {
    let report = state
        .db()
        .write_as(&current.user.id.clone(), move |w| {
            reports::request(w, &current.user.id, &team_id)
        })
        .await?;
    Ok((StatusCode::ACCEPTED, Json(report)).into_response())
}

/// `GET /reports/{id}/download`: the CSV once ready; 409 before, 410 once expired.
pub async fn download_report(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let download = state
        .db()
        .read(move |conn| reports::download(conn, &current.user.id, &id))
        .await?;
    match download {
        Download::File(csv, name) => {
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or(HeaderValue::from_static("attachment"));
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                csv,
            )
                .into_response())
        }
        Download::NotReady(status) => Err(ApiError::conflict(format!(
            "the report is {}, not ready yet",
            status.as_str()
        ))),
        Download::Expired => Err(ApiError::gone("the report has expired")),
    }
}
