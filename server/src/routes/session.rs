//! `POST /session`, `DELETE /session`, `GET /me`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use data_farm_protocol::{
    LoginRequest, MeResponse, PositionsResponse, SessionResponse, Team, Topic,
};

use super::body::Body;
use crate::auth::{session_cookie, session_token, CurrentUser};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::list_query::{ListParams, ListQuery};
use crate::store::rows::{self, EntityRow};
use crate::store::{members, users};

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}

/// Signs in; the answer sets the session cookie.
pub async fn login(
    State(state): State<AppState>,
    Body(body): Body<LoginRequest>,
) -> Result<Response, ApiError> {
    if !state.allow_login(&body.username) {
        return Err(ApiError::rate_limited());
    }
    let username = body.username.clone();
    let found = state
        .db()
        .read(move |conn| users::credentials(conn, &username))
        .await?;
    let password = body.password;
    let hash = found.as_ref().map(|(_, hash)| hash.clone());
    let verified =
        tokio::task::spawn_blocking(move || users::verify_password(hash.as_deref(), &password))
            .await
            .map_err(ApiError::internal)?;
    let Some((user, _)) = found.filter(|_| verified) else {
        return Err(ApiError::unauthorized().with_message("wrong username or password"));
    };
    let ttl = state.config().session_ttl.as_secs() as i64;
    let user_id = user.id.clone();
    let (token, teams) = state
        .db()
        .write(move |w| {
            let conn = w.conn();
            let token = users::create_session(conn, &user_id, ttl)?;
            let mut all = ListQuery::parse(&ListParams::default(), &Team::LIST)?;
            all.per_page = u32::MAX as u64;
            Ok((token, rows::list::<Team>(conn, &user_id, &all)?.items))
        })
        .await?;
    let mut response = Json(SessionResponse { user, teams }).into_response();
    set_cookie(&mut response, &session_cookie(Some(&token), ttl));
    Ok(response)
}

/// Signs out: ends the session, closes its realtime connections, clears the cookie. Answers 204
/// even without a session, so it is safe to repeat.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = session_token(&headers) {
        let session = state
            .db()
            .read(move |conn| users::session_user(conn, &token))
            .await?;
        if let Some((_, session_id)) = session {
            let id = session_id.clone();
            state
                .db()
                .write(move |w| users::delete_session(w.conn(), &id))
                .await?;
            state.controls().close_session(&session_id);
        }
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut response, &session_cookie(None, 0));
    Ok(response)
}

/// The signed-in user and their teams' ids.
pub async fn me(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<MeResponse>, ApiError> {
    let team_ids = team_ids_of(&state, &current).await?;
    Ok(Json(MeResponse {
        user: current.user,
        team_ids,
    }))
}

/// The current `seq` of the user's topics (`user:ID` and each team's `team:ID`), read from the
/// event log: where a client that fetches next resumes its subscriptions.
pub async fn positions(
    State(state): State<AppState>,
    current: CurrentUser,
) -> Result<Json<PositionsResponse>, ApiError> {
    let team_ids = team_ids_of(&state, &current).await?;
    let topics: Vec<String> = std::iter::once(Topic::User(current.user.id.clone()))
        .chain(team_ids.into_iter().map(Topic::Team))
        .map(|topic| topic.to_string())
        .collect();
    let log = state.log();
    let positions = tokio::task::spawn_blocking(move || {
        topics
            .into_iter()
            .map(|topic| log.head(&topic).map(|seq| (topic, seq)))
            .collect::<Result<_, _>>()
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::from)?;
    Ok(Json(PositionsResponse { positions }))
}

/// The ids of the teams the signed-in user belongs to.
async fn team_ids_of(state: &AppState, current: &CurrentUser) -> Result<Vec<String>, ApiError> {
    let user_id = current.user.id.clone();
    state
        .db()
        .read(move |conn| members::team_ids(conn, &user_id))
        .await
}
