//! Team membership routes (an extension of the protocol): list, add by username, remove.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use data_farm_protocol::{AddMember, ListResponse, Team, User};

use super::body::Body;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{members, rows, users};

/// `GET /teams/{id}/members`.
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(team_id): Path<String>,
) -> Result<Json<ListResponse<User>>, ApiError> {
    let people = state
        .db()
        .read(move |conn| {
            rows::get_visible::<Team>(conn, &current.user.id, &team_id)?;
            members::list(conn, &team_id)
        })
        .await?;
    let total = people.len() as u64;
    Ok(Json(ListResponse::new(people, total)))
}

/// `POST /teams/{id}/members` `{"username"}`: 201 with the user.
pub async fn add(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(team_id): Path<String>,
    Body(body): Body<AddMember>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let user = state
        .db()
        .write_as(&current.user.id.clone(), move |w| {
            let team = rows::get_visible::<Team>(w.conn(), &current.user.id, &team_id)?;
            let user = users::by_username(w.conn(), &body.username)?
                .ok_or_else(|| ApiError::invalid_field("username", "no user with this name"))?;
            members::add(w, &team, &user.id)?;
            Ok(user)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `DELETE /teams/{id}/members/{user_id}`: 204; the user's open connections get `revoked`.
pub async fn remove(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((team_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .db()
        .write_as(&current.user.id.clone(), move |w| {
            rows::get_visible::<Team>(w.conn(), &current.user.id, &team_id)?;
            if members::remove(w, &team_id, &user_id)? {
                Ok(())
            } else {
                Err(ApiError::not_found("member"))
            }
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
