//! Draft routes (an extension of the protocol): the drafts list, each draft's review steps,
//! approval (which applies the change in the same transaction), team roles and approval rules.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use data_farm_protocol::{
    Application, ApprovalRules, Device, Draft, DraftAction, DraftEdit, DraftOperation, Instance,
};
use serde::Deserialize;

use super::body::Body;
use super::resources::{self, Resource};
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::drafts::{self, Step};
use crate::store::history;
use crate::store::{rows, Writer};

/// `/drafts`: list (filters `status`, `kind`, `operation`, `entity_id`, `author_id`), one,
/// its edit, and its steps.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(resources::list::<Draft>))
        .route("/{id}", get(resources::get_one::<Draft>).patch(edit))
        .route("/{id}/{step}", post(act))
}

/// Applies `draft` as its author would have (history names the author): the entity's id.
fn apply_as<R: Resource>(w: &mut Writer<'_>, draft: &Draft) -> Result<String, ApiError> {
    let author = draft.author_id.clone();
    let entity_id = draft.entity_id.clone().unwrap_or_default();
    let invalid = |err: serde_json::Error| ApiError::invalid_field("body", err.to_string());
    match draft.operation {
        DraftOperation::Create => {
            let body: R::Create = serde_json::from_value(draft.body.clone()).map_err(invalid)?;
            R::create(w, &author, body).map(|e| e.id().to_owned())
        }
        DraftOperation::Update => {
            let body: R::Patch = serde_json::from_value(draft.body.clone()).map_err(invalid)?;
            R::update(w, &author, &entity_id, body, draft.base_version).map(|e| e.id().to_owned())
        }
        DraftOperation::Delete => {
            R::delete(w, &author, &entity_id, draft.base_version).map(|()| entity_id)
        }
    }
}

fn apply(w: &mut Writer<'_>, draft: &Draft) -> Result<String, ApiError> {
    let previous = w.act_as(Some(draft.author_id.clone()));
    let result = match draft.kind.as_str() {
        "application" => apply_as::<Application>(w, draft),
        "instance" => apply_as::<Instance>(w, draft),
        "device" => apply_as::<Device>(w, draft),
        other => Err(ApiError::invalid_field(
            "kind",
            format!("{other} changes are never drafted"),
        )),
    };
    w.act_as(previous);
    result
}

/// `POST /drafts/{id}/{step}` `{"comment"}` with step `submit`, `cancel`, `reject`,
/// `comment` or `approve`. Approving applies the change: the draft becomes `effective`, or
/// `failed` when the change can no longer be made (409 `conflict`, and the draft stays under
/// review, when the entity changed since the draft was made).
async fn act(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((id, step)): Path<(String, String)>,
    Body(body): Body<DraftAction>,
) -> Result<Response, ApiError> {
    let step = match step.as_str() {
        "submit" => Some(Step::Submit),
        "cancel" => Some(Step::Cancel),
        "reject" => Some(Step::Reject),
        "comment" => Some(Step::Comment),
        "approve" => None,
        _ => return Err(ApiError::not_found("route")),
    };
    let user_id = current.user.id.clone();
    let draft = state
        .db()
        .write_as(&user_id, move |w| {
            let user_id = &current.user.id;
            let draft = drafts::get(w.conn(), user_id, &id)?;
            if let Some(step) = step {
                return drafts::step(w, user_id, draft, step, &body.comment);
            }
            drafts::check_approval(w.conn(), user_id, &draft)?;
            let trial = w.start_trial()?;
            match apply(w, &draft) {
                Ok(entity_id) => {
                    w.keep_trial(trial)?;
                    drafts::settle(w, user_id, draft, Ok(entity_id), &body.comment)
                }
                // Outdated: the author (or the approver) must look again.
                Err(err) if err.body.code == data_farm_protocol::ErrorCode::Conflict => Err(err
                    .with_message(
                    "the entity changed since this draft was made: it cannot be approved as it is",
                )),
                Err(err) => {
                    w.undo_trial(trial)?;
                    let why = err.body.message.clone();
                    drafts::settle(w, user_id, draft, Err(why), &body.comment)
                }
            }
        })
        .await?;
    Ok(Json(draft).into_response())
}

/// `PATCH /drafts/{id}` `{"body"}`: its author replaces the proposed change while it is a
/// draft; the new body is tried like the original change (a refused one is refused here).
async fn edit(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<String>,
    Body(edit): Body<DraftEdit>,
) -> Result<Response, ApiError> {
    let user_id = current.user.id.clone();
    let draft = state
        .db()
        .write_as(&user_id, move |w| {
            let user_id = &current.user.id;
            let draft = drafts::get(w.conn(), user_id, &id)?;
            if !draft.can_edit(user_id) {
                return Err(ApiError::forbidden(
                    "only its author may edit a draft, before submitting it",
                ));
            }
            let mut tried = draft.clone();
            tried.body = edit.body.clone();
            let trial = w.start_trial()?;
            let outcome = apply(w, &tried);
            let name = match &outcome {
                Ok(entity_id) => {
                    current_name(w, &tried.kind, entity_id).unwrap_or(draft.name.clone())
                }
                Err(_) => String::new(),
            };
            w.undo_trial(trial)?;
            outcome?;
            drafts::edit(w, user_id, draft, edit.body, name)
        })
        .await?;
    Ok(Json(draft).into_response())
}

/// The name of entity `id` of `kind` as stored now (inside a trial: as the change left it).
fn current_name(w: &Writer<'_>, kind: &str, id: &str) -> Option<String> {
    let stored = history::snapshot(w.conn(), kind, id)?.ok()??;
    history::text_of(&stored, "name")
}

/// `GET /teams/{id}/approvals`: the kinds whose changes need approval in the team.
pub async fn get_rules(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(team_id): Path<String>,
) -> Result<Json<ApprovalRules>, ApiError> {
    let rules = state
        .db()
        .read(move |conn| {
            rows::get_visible::<data_farm_protocol::Team>(conn, &current.user.id, &team_id)?;
            drafts::rules(conn, &team_id)
        })
        .await?;
    Ok(Json(rules))
}

/// `PUT /teams/{id}/approvals` `{"kinds"}`: an owner replaces the team's rules.
pub async fn put_rules(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(team_id): Path<String>,
    Body(wanted): Body<ApprovalRules>,
) -> Result<Json<ApprovalRules>, ApiError> {
    let user_id = current.user.id.clone();
    let rules = state
        .db()
        .write_as(&user_id, move |w| {
            drafts::set_rules(w.conn(), &current.user.id, &team_id, &wanted)
        })
        .await?;
    Ok(Json(rules))
}

/// The body of a role change.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    role: String,
}

/// `PATCH /teams/{id}/members/{user_id}` `{"role"}`: an owner makes a member an owner or a
/// member (a team keeps at least one owner). 204.
pub async fn set_role(
    State(state): State<AppState>,
    current: CurrentUser,
    Path((team_id, member)): Path<(String, String)>,
    Body(change): Body<RoleChange>,
) -> Result<StatusCode, ApiError> {
    let user_id = current.user.id.clone();
    state
        .db()
        .write_as(&user_id, move |w| {
            if drafts::set_role(w.conn(), &current.user.id, &team_id, &member, &change.role)? {
                Ok(())
            } else {
                Err(ApiError::not_found("member"))
            }
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
