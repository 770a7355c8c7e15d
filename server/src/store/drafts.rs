//! Drafts: changes that need the approval of a team owner before they take effect; team roles
//! (`owner`, `member`) and each team's approval rules (the kinds whose changes need approval).
//!
//! A draft is an entity of its own (kind `draft`, on its team's topic), never the entity it
//! changes. Its lifecycle: `draft -> under_review -> effective` (approved and applied in one
//! transaction), or `rejected`, `cancelled`, `failed`. The author edits, submits and cancels;
//! an owner other than the author approves or rejects; any member comments.

use super::sql::{params, Conn, DbResult, OptionalExtension, Row};
use data_farm_protocol::{
    ApprovalRules, ChangeOp, Draft, DraftComment, DraftOperation, DraftStatus, Topic, DRAFT_KIND,
};
use serde_json::Value;

use super::list_query::{Filter, ListSpec};
use super::rows::{self, EntityRow};
use super::{counters, Writer};
use crate::error::ApiError;
use crate::time_fmt;

/// The role that may approve drafts and change roles and rules.
pub const OWNER: &str = "owner";
/// The role of everyone else.
pub const MEMBER: &str = "member";
/// The kinds a team may require approval for.
pub const APPROVABLE: &[&str] = &["application", "instance", "device"];

const STATUSES: &[&str] = &[
    "draft",
    "under_review",
    "approved",
    "effective",
    "rejected",
    "cancelled",
    "failed",
];
const OPERATIONS: &[&str] = &["create", "update", "delete"];

impl EntityRow for Draft {
    const KIND: &'static str = DRAFT_KIND.0;
    const TABLE: &'static str = "drafts";
    const COLUMNS: &'static str = "id, version, updated_at, team_id, kind, entity_id, operation, \
         status, body, base_version, author_id, name, comments";
    const TEAM_COLUMN: &'static str = "team_id";
    const LIST: ListSpec = ListSpec {
        sortable: &["name", "updated_at", "created_at", "status"],
        default_sort: ("updated_at", true),
        filters: &[
            Filter {
                param: "status",
                column: "status",
                allowed: Some(STATUSES),
            },
            Filter {
                param: "kind",
                column: "kind",
                allowed: Some(APPROVABLE),
            },
            Filter {
                param: "operation",
                column: "operation",
                allowed: Some(OPERATIONS),
            },
            Filter {
                param: "entity_id",
                column: "entity_id",
                allowed: None,
            },
            Filter {
                param: "author_id",
                column: "author_id",
                allowed: None,
            },
        ],
        drafts: false,
    };

    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        let text = |i: usize| -> DbResult<String> { row.get(i) };
        Ok(Draft {
            id: row.get(0)?,
            version: row.get::<i64>(1)? as u64,
            updated_at: row.get(2)?,
            team_id: row.get(3)?,
            kind: row.get(4)?,
            entity_id: row.get(5)?,
            operation: DraftOperation::parse(&text(6)?).unwrap_or(DraftOperation::Update),
            status: DraftStatus::parse(&text(7)?).unwrap_or(DraftStatus::Unknown),
            body: serde_json::from_str(&text(8)?).unwrap_or(Value::Null),
            base_version: row.get::<Option<i64>>(9)?.map(|v| v as u64),
            author_id: row.get(10)?,
            name: row.get(11)?,
            comments: serde_json::from_str(&text(12)?).unwrap_or_default(),
        })
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn team(&self) -> &str {
        &self.team_id
    }
}

/// The statuses of a draft that may still take effect, as an SQL list.
pub const OPEN_STATUSES: &str = "('draft', 'under_review', 'approved')";

/// Most drafted creates a list answers with (newest first).
const MAX_DRAFTED_CREATES: i64 = 100;

/// The open drafts of kind `kind` that change one of `ids`, and the open drafted creates of
/// that kind in the teams `user_id` belongs to (only `team`, when given): what a list asked
/// with `drafts=include|only` answers beside its items.
pub fn open_drafts_of(
    conn: &Conn,
    user_id: &str,
    kind: &str,
    ids: &[&str],
    team: Option<&str>,
) -> Result<Vec<Draft>, ApiError> {
    let ids = serde_json::to_string(ids).map_err(ApiError::internal)?;
    let cols = <Draft as EntityRow>::COLUMNS;
    let visible = "team_id IN (SELECT team_id FROM memberships WHERE user_id = ?2)";
    let ids_in = conn.dialect().json_texts("?3");
    let of_items = format!(
        "SELECT {cols} FROM drafts WHERE kind = ?1 AND status IN {OPEN_STATUSES} AND {visible} \
           AND entity_id IN ({ids_in}) \
         ORDER BY updated_at DESC, id DESC"
    );
    let creates = format!(
        "SELECT {cols} FROM drafts WHERE kind = ?1 AND status IN {OPEN_STATUSES} AND {visible} \
           AND entity_id IS NULL AND (CAST(?3 AS TEXT) IS NULL OR team_id = ?3) \
         ORDER BY updated_at DESC, id DESC LIMIT ?4"
    );
    let mut drafts = conn
        .prepare_cached(&of_items)?
        .query_map(params![kind, user_id, ids], Draft::from_row)?;
    let drafted_creates = conn.prepare_cached(&creates)?.query_map(
        params![kind, user_id, team, MAX_DRAFTED_CREATES],
        Draft::from_row,
    )?;
    drafts.extend(drafted_creates);
    Ok(drafts)
}

/// `user_id`'s role in `team_id`, if a member.
pub fn role(conn: &Conn, team_id: &str, user_id: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT role FROM memberships WHERE team_id = ?1 AND user_id = ?2")?
        .query_row([team_id, user_id], |row| row.get(0))
        .optional()?)
}

fn require_owner(conn: &Conn, team_id: &str, user_id: &str, what: &str) -> Result<(), ApiError> {
    match role(conn, team_id, user_id)?.as_deref() {
        Some(OWNER) => Ok(()),
        Some(_) => Err(ApiError::forbidden(format!(
            "only an owner of the team may {what}"
        ))),
        None => Err(ApiError::not_found("team")),
    }
}

/// Gives `user_id` `role` in `team_id` (asked by `by`, an owner). A team keeps at least one
/// owner. `Ok(false)` when the user is not a member.
pub fn set_role(
    conn: &Conn,
    by: &str,
    team_id: &str,
    user_id: &str,
    new_role: &str,
) -> Result<bool, ApiError> {
    if new_role != OWNER && new_role != MEMBER {
        return Err(ApiError::invalid_field("role", "must be owner or member"));
    }
    require_owner(conn, team_id, by, "change roles")?;
    if new_role == MEMBER {
        let owners: i64 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM memberships WHERE team_id = ?1 AND role = 'owner' AND user_id != ?2",
            )?
            .query_row([team_id, user_id], |row| row.get(0))?;
        if owners == 0 {
            return Err(ApiError::conflict("a team keeps at least one owner"));
        }
    }
    let changed = conn
        .prepare_cached("UPDATE memberships SET role = ?3 WHERE team_id = ?1 AND user_id = ?2")?
        .execute([team_id, user_id, new_role])?;
    Ok(changed > 0)
}

/// Whether changes of `kind` in `team_id` need approval.
pub fn needs_approval(conn: &Conn, team_id: &str, kind: &str) -> Result<bool, ApiError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM approval_rules WHERE team_id = ?1 AND kind = ?2")?
        .exists([team_id, kind])?)
}

/// The kinds whose changes need approval in `team_id`, sorted.
pub fn rules(conn: &Conn, team_id: &str) -> Result<ApprovalRules, ApiError> {
    let kinds = conn
        .prepare_cached("SELECT kind FROM approval_rules WHERE team_id = ?1 ORDER BY kind")?
        .query_map([team_id], |row| row.get(0))?;
    Ok(ApprovalRules { kinds })
}

/// Replaces `team_id`'s rules (asked by `by`, an owner).
pub fn set_rules(
    conn: &Conn,
    by: &str,
    team_id: &str,
    wanted: &ApprovalRules,
) -> Result<ApprovalRules, ApiError> {
    require_owner(conn, team_id, by, "change approval rules")?;
    if let Some(bad) = wanted
        .kinds
        .iter()
        .find(|k| !APPROVABLE.contains(&k.as_str()))
    {
        return Err(ApiError::invalid_field(
            "kinds",
            format!("{bad} is not one of: {}", APPROVABLE.join(", ")),
        ));
    }
    conn.prepare_cached("DELETE FROM approval_rules WHERE team_id = ?1")?
        .execute([team_id])?;
    for kind in &wanted.kinds {
        conn.prepare_cached(
            "INSERT INTO approval_rules(team_id, kind) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute([team_id, kind])?;
    }
    rules(conn, team_id)
}

/// What a new draft proposes.
pub struct Proposal {
    /// The team.
    pub team_id: String,
    /// The entity's kind.
    pub kind: &'static str,
    /// The entity (none for a create).
    pub entity_id: Option<String>,
    /// What it does.
    pub operation: DraftOperation,
    /// The create body or patch.
    pub body: Value,
    /// The entity's version it was made against.
    pub base_version: Option<u64>,
    /// The entity's name after it.
    pub name: String,
}

fn comment(user_id: &str, action: &str, text: &str) -> DraftComment {
    DraftComment {
        user_id: user_id.to_owned(),
        at: time_fmt::now(),
        action: action.to_owned(),
        text: text.trim().to_owned(),
    }
}

fn to_text(value: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

/// Saves `proposal` as a draft of `author_id` (status `draft`) and publishes it.
pub fn open(w: &mut Writer<'_>, author_id: &str, proposal: Proposal) -> Result<Draft, ApiError> {
    let now = time_fmt::now();
    let draft = Draft {
        id: counters::new_id(w.conn(), "draft")?,
        version: 1,
        updated_at: now.clone(),
        team_id: proposal.team_id,
        kind: proposal.kind.to_owned(),
        entity_id: proposal.entity_id,
        operation: proposal.operation,
        status: DraftStatus::Draft,
        body: proposal.body,
        base_version: proposal.base_version,
        author_id: author_id.to_owned(),
        name: proposal.name,
        comments: vec![comment(author_id, "drafted", "")],
    };
    w.conn()
        .prepare_cached(
            "INSERT INTO drafts(id, version, updated_at, created_at, team_id, kind, entity_id, operation,
                                status, body, base_version, author_id, name, comments)
             VALUES (?1, 1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            draft.id,
            now,
            draft.team_id,
            draft.kind,
            draft.entity_id,
            draft.operation.as_str(),
            draft.status.as_str(),
            to_text(&draft.body)?,
            draft.base_version.map(|v| v as i64),
            draft.author_id,
            draft.name,
            to_text(&draft.comments)?,
        ])?;
    let topic = Topic::Team(draft.team_id.clone());
    w.publish(
        &topic,
        Draft::KIND,
        ChangeOp::Created,
        &draft.id,
        1,
        Some(&draft),
    )?;
    Ok(draft)
}

/// Writes `next` over its stored draft (one version more) and publishes it.
fn save(w: &mut Writer<'_>, mut next: Draft) -> Result<Draft, ApiError> {
    next.version += 1;
    next.updated_at = time_fmt::now();
    w.conn()
        .prepare_cached(
            "UPDATE drafts SET version = ?2, updated_at = ?3, entity_id = ?4, status = ?5, body = ?6,
                               base_version = ?7, name = ?8, comments = ?9 WHERE id = ?1",
        )?
        .execute(params![
            next.id,
            next.version as i64,
            next.updated_at,
            next.entity_id,
            next.status.as_str(),
            to_text(&next.body)?,
            next.base_version.map(|v| v as i64),
            next.name,
            to_text(&next.comments)?,
        ])?;
    let topic = Topic::Team(next.team_id.clone());
    w.publish(
        &topic,
        Draft::KIND,
        ChangeOp::Updated,
        &next.id,
        next.version,
        Some(&next),
    )?;
    Ok(next)
}

/// The draft `id` as `user_id` may see it.
pub fn get(conn: &Conn, user_id: &str, id: &str) -> Result<Draft, ApiError> {
    rows::get_visible::<Draft>(conn, user_id, id)
}

fn wrong_status(draft: &Draft, action: &str) -> ApiError {
    ApiError::conflict(format!(
        "a draft that is {} cannot be {action}",
        draft.status.as_str().replace('_', " ")
    ))
}

/// A step of the review that changes only the draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The author asks for review.
    Submit,
    /// The author withdraws it.
    Cancel,
    /// An owner refuses it.
    Reject,
    /// Anyone in the team comments.
    Comment,
}

/// Takes `step` on `draft` for `user_id` with `text`.
pub fn step(
    w: &mut Writer<'_>,
    user_id: &str,
    mut draft: Draft,
    step: Step,
    text: &str,
) -> Result<Draft, ApiError> {
    let is_author = draft.author_id == user_id;
    let (action, next) = match step {
        Step::Submit => {
            if !is_author {
                return Err(ApiError::forbidden("only its author may submit a draft"));
            }
            if draft.status != DraftStatus::Draft {
                return Err(wrong_status(&draft, "submitted"));
            }
            ("submitted", DraftStatus::UnderReview)
        }
        Step::Cancel => {
            if !is_author {
                return Err(ApiError::forbidden("only its author may cancel a draft"));
            }
            if !matches!(draft.status, DraftStatus::Draft | DraftStatus::UnderReview) {
                return Err(wrong_status(&draft, "cancelled"));
            }
            ("cancelled", DraftStatus::Cancelled)
        }
        Step::Reject => {
            require_owner(w.conn(), &draft.team_id, user_id, "reject a draft")?;
            if draft.status != DraftStatus::UnderReview {
                return Err(wrong_status(&draft, "rejected"));
            }
            ("rejected", DraftStatus::Rejected)
        }
        Step::Comment => {
            if text.trim().is_empty() {
                return Err(ApiError::invalid_field("comment", "is required"));
            }
            ("commented", draft.status)
        }
    };
    if text.chars().count() > 2_000 {
        return Err(ApiError::invalid_field(
            "comment",
            "must be at most 2000 characters",
        ));
    }
    draft.status = next;
    draft.comments.push(comment(user_id, action, text));
    save(w, draft)
}

/// Checks that `user_id` may approve `draft` now: an owner who is not its author, the draft
/// under review.
pub fn check_approval(conn: &Conn, user_id: &str, draft: &Draft) -> Result<(), ApiError> {
    require_owner(conn, &draft.team_id, user_id, "approve a draft")?;
    if draft.author_id == user_id {
        return Err(ApiError::forbidden(
            "a draft is approved by an owner other than its author",
        ));
    }
    if draft.status != DraftStatus::UnderReview {
        return Err(wrong_status(draft, "approved"));
    }
    Ok(())
}

/// Records the outcome of an approval: `effective` (with the entity it made or changed) or
/// `failed` (with why).
pub fn settle(
    w: &mut Writer<'_>,
    user_id: &str,
    mut draft: Draft,
    outcome: Result<String, String>,
    text: &str,
) -> Result<Draft, ApiError> {
    draft.comments.push(comment(user_id, "approved", text));
    match outcome {
        Ok(entity_id) => {
            draft.status = DraftStatus::Effective;
            draft.entity_id = Some(entity_id);
        }
        Err(why) => {
            draft.status = DraftStatus::Failed;
            draft.comments.push(comment(user_id, "failed", &why));
        }
    }
    save(w, draft)
}

/// Replaces the proposed change of `draft` (its author, while it is a draft).
pub fn edit(
    w: &mut Writer<'_>,
    user_id: &str,
    mut draft: Draft,
    body: Value,
    name: String,
) -> Result<Draft, ApiError> {
    if !draft.can_edit(user_id) {
        return Err(ApiError::forbidden(
            "only its author may edit a draft, before submitting it",
        ));
    }
    draft.body = body;
    draft.name = name;
    draft.comments.push(comment(user_id, "edited", ""));
    save(w, draft)
}
