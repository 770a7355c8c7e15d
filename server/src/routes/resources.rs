//! CRUD routes, written once for every kind.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use data_farm_protocol::{
    Application, CreateApplication, CreateDevice, CreateInstance, CreateTeam, Device, Draft,
    DraftOperation, Instance, PatchDevice, PatchInstance, PatchNamed, Team,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::body::{if_match, Body};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::drafts::{self, Proposal};
use crate::store::history;
use crate::store::idempotency::{self, Remembered};
use crate::store::list_query::{ListParams, ListQuery, PageParams};
use crate::store::rows::{self, EntityRow};
use crate::store::{applications, devices, instances, teams, Writer};
use crate::time_fmt;

/// The request header naming a create's idempotency key.
const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The response header telling that an answer is the first answer to its key, sent again.
const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// A kind served over CRUD: its bodies and its mutations.
pub trait Resource: EntityRow {
    /// `POST` body (serialized again to tell one request from another under one idempotency
    /// key, and kept in a draft when the change needs approval).
    type Create: DeserializeOwned + Serialize + Clone + Send + 'static;
    /// `PATCH` body (kept in a draft when the change needs approval).
    type Patch: DeserializeOwned + Serialize + Clone + Send + 'static;
    /// Creates one.
    fn create(w: &mut Writer<'_>, user_id: &str, body: Self::Create) -> Result<Self, ApiError>;
    /// Changes one.
    fn update(
        w: &mut Writer<'_>,
        user_id: &str,
        id: &str,
        body: Self::Patch,
        expected: Option<u64>,
    ) -> Result<Self, ApiError>;
    /// Deletes one.
    fn delete(
        w: &mut Writer<'_>,
        user_id: &str,
        id: &str,
        expected: Option<u64>,
    ) -> Result<(), ApiError>;
}

macro_rules! resource {
    ($entity:ty, $create:ty, $patch:ty, $module:ident) => {
        impl Resource for $entity {
            type Create = $create;
            type Patch = $patch;
            fn create(w: &mut Writer<'_>, user_id: &str, body: $create) -> Result<Self, ApiError> {
                $module::create(w, user_id, body)
            }
            fn update(
                w: &mut Writer<'_>,
                user_id: &str,
                id: &str,
                body: $patch,
                expected: Option<u64>,
            ) -> Result<Self, ApiError> {
                $module::update(w, user_id, id, body, expected)
            }
            fn delete(
                w: &mut Writer<'_>,
                user_id: &str,
                id: &str,
                expected: Option<u64>,
            ) -> Result<(), ApiError> {
                $module::delete(w, user_id, id, expected)
            }
        }
    };
}

resource!(Team, CreateTeam, PatchNamed, teams);
resource!(Application, CreateApplication, PatchNamed, applications);
resource!(Instance, CreateInstance, PatchInstance, instances);
resource!(Device, CreateDevice, PatchDevice, devices);

/// `/` and `/{id}`, reads only, for a kind the server alone writes.
pub fn read_routes<R: EntityRow>() -> Router<AppState> {
    Router::new()
        .route("/", get(list::<R>))
        .route("/{id}", get(get_one::<R>))
}

/// `/`, `/{id}`, and the reads about one entity (`/{id}/versions`, `/{id}/audit`,
/// `/{id}/position`) for one kind.
pub fn routes<R: Resource>() -> Router<AppState> {
    Router::new()
        .route("/", get(list::<R>).post(create::<R>))
        .route(
            "/{id}",
            get(get_one::<R>).patch(update::<R>).delete(remove::<R>),
        )
        .route("/{id}/versions", get(versions::<R>))
        .route("/{id}/audit", get(audit::<R>))
        .route("/{id}/position", get(position::<R>))
}

/// `GET /{kinds}/{id}/versions?page&per_page`: the kept versions, newest first.
async fn versions<R: EntityRow>(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    if params.kind.is_some() {
        return Err(ApiError::bad_request("versions take no kind"));
    }
    let (page, per_page) = params.parse()?;
    let versions = state
        .db()
        .read(move |conn| history::versions::<R>(conn, &current.user.id, &id, page, per_page))
        .await?;
    Ok(Json(versions).into_response())
}

/// `GET /{kinds}/{id}/audit?page&per_page`: who changed which fields, when, newest first. A
/// team's trail is its whole team's: the team and everything in it (`kind=` narrows it).
async fn audit<R: EntityRow>(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    let (page, per_page) = params.parse()?;
    let kind = params.kind;
    let trail = state
        .db()
        .read(move |conn| {
            let user_id = &current.user.id;
            if R::KIND == Team::KIND {
                history::team_audit(conn, user_id, &id, kind.as_deref(), page, per_page)
            } else if kind.is_some() {
                Err(ApiError::bad_request(
                    "only a team's audit trail takes a kind",
                ))
            } else {
                history::entity_audit::<R>(conn, user_id, &id, page, per_page)
            }
        })
        .await?;
    Ok(Json(trail).into_response())
}

/// `GET /{kinds}/{id}/position?<list params>`: the page and index of the entity in that list.
async fn position<R: EntityRow>(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(&params, &R::LIST)?;
    let position = state
        .db()
        .read(move |conn| rows::position::<R>(conn, &current.user.id, &query, &id))
        .await?;
    Ok(Json(position).into_response())
}

fn with_etag<E: EntityRow>(status: StatusCode, entity: E) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", entity.version())).ok();
    let mut response = (status, Json(entity)).into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

pub(super) async fn list<R: EntityRow>(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(&params, &R::LIST)?;
    let page = state
        .db()
        .read(move |conn| rows::list::<R>(conn, &current.user.id, &query))
        .await?;
    Ok(Json(page).into_response())
}

pub(super) async fn get_one<R: EntityRow>(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let entity = state
        .db()
        .read(move |conn| rows::get_visible::<R>(conn, &current.user.id, &id))
        .await?;
    Ok(with_etag(StatusCode::OK, entity))
}

/// What a create answered: a new entity, the first answer to its idempotency key, or a draft
/// (the team's changes of this kind need approval).
enum Created<E> {
    New(E),
    Replayed(Remembered),
    Drafted(Box<Draft>),
}

/// What a change answered: the entity after it, or the draft proposing it.
enum Changed<T> {
    Done(T),
    Drafted(Box<Draft>),
}

/// The response header naming the draft a change became.
const DRAFT_HEADER: &str = "data-farm-draft";

/// The name in an entity's JSON (for a draft's title).
fn name_in(entity: &impl Serialize) -> String {
    serde_json::to_value(entity)
        .ok()
        .and_then(|v| history::text_of(&v, "name"))
        .unwrap_or_default()
}

fn json_of(value: &impl Serialize) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(ApiError::internal)
}

/// 202 with the draft: the change waits for approval.
fn drafted(draft: Box<Draft>) -> Response {
    let id = HeaderValue::from_str(&draft.id).ok();
    let mut response = (StatusCode::ACCEPTED, Json(draft)).into_response();
    if let Some(id) = id {
        response.headers_mut().insert(DRAFT_HEADER, id);
    }
    response
}

/// Creates `body`, unless its team's changes of this kind need approval: then the create is
/// tried (so a body the server refuses is refused as usual), undone, and proposed as a draft.
fn create_or_propose<R: Resource>(
    w: &mut Writer<'_>,
    user_id: &str,
    body: R::Create,
) -> Result<Created<R>, ApiError> {
    let trial = w.start_trial()?;
    let entity = R::create(w, user_id, body.clone())?;
    if !drafts::needs_approval(w.conn(), entity.team(), R::KIND)? {
        w.keep_trial(trial)?;
        return Ok(Created::New(entity));
    }
    w.undo_trial(trial)?;
    let proposal = Proposal {
        team_id: entity.team().to_owned(),
        kind: R::KIND,
        entity_id: None,
        operation: DraftOperation::Create,
        body: json_of(&body)?,
        base_version: None,
        name: name_in(&entity),
    };
    drafts::open(w, user_id, proposal).map(|d| Created::Drafted(Box::new(d)))
}

/// Applies a patch, or proposes it as a draft (tried first, like a create).
fn update_or_propose<R: Resource>(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    body: R::Patch,
    expected: Option<u64>,
) -> Result<Changed<R>, ApiError> {
    let before: R = rows::get_visible(w.conn(), user_id, id)?;
    let trial = w.start_trial()?;
    let after = R::update(w, user_id, id, body.clone(), expected)?;
    if !drafts::needs_approval(w.conn(), after.team(), R::KIND)? {
        w.keep_trial(trial)?;
        return Ok(Changed::Done(after));
    }
    w.undo_trial(trial)?;
    let proposal = Proposal {
        team_id: after.team().to_owned(),
        kind: R::KIND,
        entity_id: Some(id.to_owned()),
        operation: DraftOperation::Update,
        body: json_of(&body)?,
        base_version: Some(before.version()),
        name: name_in(&after),
    };
    drafts::open(w, user_id, proposal).map(|d| Changed::Drafted(Box::new(d)))
}

/// Deletes, or proposes the deletion as a draft.
fn delete_or_propose<R: Resource>(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<Changed<()>, ApiError> {
    let before: R = rows::get_visible(w.conn(), user_id, id)?;
    let trial = w.start_trial()?;
    R::delete(w, user_id, id, expected)?;
    if !drafts::needs_approval(w.conn(), before.team(), R::KIND)? {
        w.keep_trial(trial)?;
        return Ok(Changed::Done(()));
    }
    w.undo_trial(trial)?;
    let proposal = Proposal {
        team_id: before.team().to_owned(),
        kind: R::KIND,
        entity_id: Some(id.to_owned()),
        operation: DraftOperation::Delete,
        body: serde_json::Value::Null,
        base_version: Some(before.version()),
        name: name_in(&before),
    };
    drafts::open(w, user_id, proposal).map(|d| Changed::Drafted(Box::new(d)))
}

/// The `Idempotency-Key` header, checked, if any.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::bad_request("Idempotency-Key must be visible ASCII"))?;
    idempotency::check_key(key)?;
    Ok(Some(key.to_owned()))
}

async fn create<R: Resource>(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Body(body): Body<R::Create>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let created = state
        .db()
        .write_as(&current.user.id.clone(), move |w| {
            let user_id = &current.user.id;
            let Some(key) = key else {
                return create_or_propose::<R>(w, user_id, body);
            };
            // The body as this server read it: the same request sent again reads the same.
            let fingerprint = serde_json::to_string(&body).map_err(ApiError::internal)?;
            let now = time_fmt::unix_now();
            if let Some(first) =
                idempotency::lookup(w.conn(), user_id, &key, R::KIND, &fingerprint, now)?
            {
                return Ok(Created::Replayed(first));
            }
            let created = create_or_propose::<R>(w, user_id, body)?;
            // The key stands for what the create became: the entity, or the draft proposing
            // it (sent again, it answers that draft instead of proposing a second one).
            let answer = match &created {
                Created::New(entity) => Remembered {
                    response: serde_json::to_string(entity).map_err(ApiError::internal)?,
                    version: entity.version(),
                    draft_id: None,
                },
                Created::Drafted(draft) => Remembered {
                    response: serde_json::to_string(draft).map_err(ApiError::internal)?,
                    version: draft.version,
                    draft_id: Some(draft.id.clone()),
                },
                Created::Replayed(_) => return Ok(created),
            };
            idempotency::remember(w.conn(), user_id, &key, R::KIND, &fingerprint, &answer, now)?;
            Ok(created)
        })
        .await?;
    Ok(match created {
        Created::New(entity) => with_etag(StatusCode::CREATED, entity),
        Created::Replayed(first) => replayed(first),
        Created::Drafted(draft) => drafted(draft),
    })
}

/// The first answer to a key, again, with `Idempotent-Replayed: true`: 201 with the same
/// entity, or 202 with the draft it became (as first answered) and `Data-Farm-Draft`.
fn replayed(first: Remembered) -> Response {
    let status = match first.draft_id {
        Some(_) => StatusCode::ACCEPTED,
        None => StatusCode::CREATED,
    };
    let mut response = (status, first.response).into_response();
    let headers = response.headers_mut();
    if let Some(draft) = first
        .draft_id
        .as_deref()
        .and_then(|id| HeaderValue::from_str(id).ok())
    {
        headers.insert(DRAFT_HEADER, draft);
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", first.version)) {
        headers.insert(header::ETAG, etag);
    }
    response
}

async fn update<R: Resource>(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body<R::Patch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let changed = state
        .db()
        .write_as(&current.user.id.clone(), move |w| {
            update_or_propose::<R>(w, &current.user.id, &id, body, expected)
        })
        .await?;
    Ok(match changed {
        Changed::Done(entity) => with_etag(StatusCode::OK, entity),
        Changed::Drafted(draft) => drafted(draft),
    })
}

async fn remove<R: Resource>(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let changed = state
        .db()
        .write_as(&current.user.id.clone(), move |w| {
            delete_or_propose::<R>(w, &current.user.id, &id, expected)
        })
        .await?;
    Ok(match changed {
        Changed::Done(()) => StatusCode::NO_CONTENT.into_response(),
        Changed::Drafted(draft) => drafted(draft),
    })
}
