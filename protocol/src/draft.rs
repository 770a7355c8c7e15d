//! Drafts: a change to an entity that needs approval before it takes effect.

use serde::{Deserialize, Serialize};

use crate::wire_name::{deserialize_by_wire_name, WireName};

/// `draft` / `drafts`: proposed changes waiting for (or past) approval.
pub const DRAFT_KIND: (&str, &str) = ("draft", "drafts");

/// What a draft would do to its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftOperation {
    /// Make a new entity (`body` is the create body).
    Create,
    /// Change one (`body` is the patch).
    Update,
    /// Delete one (`body` is `null`).
    Delete,
}

impl DraftOperation {
    /// The wire name (`"update"`).
    pub fn as_str(self) -> &'static str {
        match self {
            DraftOperation::Create => "create",
            DraftOperation::Update => "update",
            DraftOperation::Delete => "delete",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        WireName::named(s)
    }
}

impl WireName for DraftOperation {
    const ALL: &'static [Self] = &[
        DraftOperation::Create,
        DraftOperation::Update,
        DraftOperation::Delete,
    ];
    const NAMES: &'static [&'static str] = &["create", "update", "delete"];
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

/// Where a draft is in its lifecycle: `draft -> under_review -> approved -> effective`, or
/// one of the terminal `rejected`, `cancelled`, `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    /// Saved by its author, who may still edit it; nobody reviews it yet.
    Draft,
    /// Submitted: waiting for an owner of the team.
    UnderReview,
    /// Approved, about to take effect.
    Approved,
    /// Applied: the entity is as the draft said.
    Effective,
    /// Refused by an owner.
    Rejected,
    /// Withdrawn by its author.
    Cancelled,
    /// Approved, but the change could no longer be applied (the entity is gone, or the change
    /// is no longer valid); `comments` says why.
    Failed,
    /// A value this version of the protocol does not know.
    Unknown,
}

impl DraftStatus {
    /// Every status a server may send, in lifecycle order.
    pub const ALL: [DraftStatus; 7] = [
        DraftStatus::Draft,
        DraftStatus::UnderReview,
        DraftStatus::Approved,
        DraftStatus::Effective,
        DraftStatus::Rejected,
        DraftStatus::Cancelled,
        DraftStatus::Failed,
    ];

    /// The wire name (`"under_review"`).
    pub fn as_str(self) -> &'static str {
        match self {
            DraftStatus::Draft => "draft",
            DraftStatus::UnderReview => "under_review",
            DraftStatus::Approved => "approved",
            DraftStatus::Effective => "effective",
            DraftStatus::Rejected => "rejected",
            DraftStatus::Cancelled => "cancelled",
            DraftStatus::Failed => "failed",
            DraftStatus::Unknown => "unknown",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        WireName::named(s)
    }

    /// Whether the draft is still open (may yet take effect).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            DraftStatus::Draft | DraftStatus::UnderReview | DraftStatus::Approved
        )
    }
}

impl WireName for DraftStatus {
    const ALL: &'static [Self] = &DraftStatus::ALL;
    const UNKNOWN: Option<Self> = Some(DraftStatus::Unknown);
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

deserialize_by_wire_name!(DraftOperation, DraftStatus);

/// One step of a draft's review, with its author's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftComment {
    /// Who.
    pub user_id: String,
    /// When.
    pub at: String,
    /// What they did: `drafted`, `edited`, `submitted`, `approved`, `rejected`, `cancelled`,
    /// `commented`, `failed`.
    pub action: String,
    /// Their revision comment (may be empty).
    #[serde(default)]
    pub text: String,
}

/// A proposed change of one entity, itself an entity of kind `draft` (it has an id, a
/// version and events on its team's topic), never confused with the entity it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Id, e.g. `draft_3`.
    pub id: String,
    /// Version of the draft itself.
    pub version: u64,
    /// Last change of the draft.
    pub updated_at: String,
    /// The team it belongs to.
    pub team_id: String,
    /// The kind of the entity it changes (`device`).
    pub kind: String,
    /// The entity it changes; `None` for a create until it takes effect.
    pub entity_id: Option<String>,
    /// What it does.
    pub operation: DraftOperation,
    /// Where it is.
    pub status: DraftStatus,
    /// The create body or patch it would send; `null` for a delete.
    pub body: serde_json::Value,
    /// The entity's version the change was made against (`None` for a create): approving it
    /// after the entity moved on is a conflict.
    pub base_version: Option<u64>,
    /// Who proposed it.
    pub author_id: String,
    /// The entity's name after the change (before it, for a delete), to list drafts readably.
    pub name: String,
    /// The review so far, oldest first.
    pub comments: Vec<DraftComment>,
}

impl Draft {
    /// Whether `user_id` may still edit (or cancel) it: its author, while it is a draft.
    pub fn can_edit(&self, user_id: &str) -> bool {
        self.author_id == user_id && self.status == DraftStatus::Draft
    }
}

/// The body of a draft's transition (`POST /drafts/{id}/submit`, `/approve`, `/reject`,
/// `/cancel`, `/comment`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftAction {
    /// The revision comment.
    #[serde(default)]
    pub comment: String,
}

/// The patch of a draft (`PATCH /drafts/{id}`): its author's new proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftEdit {
    /// The create body or patch the draft now proposes.
    pub body: serde_json::Value,
}

/// A team's approval rule: the kinds whose creates, updates and deletes need approval
/// (`GET` / `PUT /teams/{id}/approvals`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRules {
    /// Kinds (`application`, `instance`, `device`).
    pub kinds: Vec<String>,
}
