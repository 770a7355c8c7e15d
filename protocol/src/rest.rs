use serde::{Deserialize, Serialize};

use crate::wire_name::{deserialize_by_wire_name, WireName};
use crate::{DeviceStatus, Draft, InstanceStatus, Owner, StrMap, Team, User};

/// One page of a list: `{"items":[…],"total":N}`, and with `drafts=include|only` the drafts
/// of what it lists: `{"items":[…],"total":N,"drafts":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResponse<T> {
    /// The entities of the requested page, in the requested order.
    pub items: Vec<T>,
    /// How many entities match the query over all pages.
    pub total: u64,
    /// The open drafts of the listed entities and the open drafts that would create one of
    /// the kind (only when the list asked for drafts; empty otherwise).
    #[serde(default, skip_serializing_if = "RawDrafts::is_empty")]
    pub drafts: RawDrafts,
}

impl<T> ListResponse<T> {
    /// A page without drafts.
    pub fn new(items: Vec<T>, total: u64) -> Self {
        ListResponse {
            items,
            total,
            drafts: RawDrafts::default(),
        }
    }
}

/// The drafts beside a list, each a [`Draft`] as JSON: kept as the server wrote them, so that a
/// client decodes them only where it asked for them (and an app without drafts carries no
/// draft decoder in every kind's page decoder).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawDrafts(pub Vec<Box<serde_json::value::RawValue>>);

impl RawDrafts {
    /// The JSON of `drafts`.
    pub fn of(drafts: &[Draft]) -> serde_json::Result<Self> {
        drafts
            .iter()
            .map(serde_json::value::to_raw_value)
            .collect::<serde_json::Result<Vec<_>>>()
            .map(RawDrafts)
    }

    /// The drafts that decode (one that does not is skipped: nothing else is lost).
    pub fn decode(&self) -> Vec<Draft> {
        self.0
            .iter()
            .filter_map(|raw| serde_json::from_str(raw.get()).ok())
            .collect()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl PartialEq for RawDrafts {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(&other.0).all(|(a, b)| a.get() == b.get())
    }
}

impl Eq for RawDrafts {}

/// Error codes of the REST error envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 401: no valid session.
    Unauthorized,
    /// 403: authenticated but not allowed (e.g. a cross-site request).
    Forbidden,
    /// 404: absent, or outside the user's teams.
    NotFound,
    /// 409: the `If-Match` version is not current, or the change clashes with existing state.
    Conflict,
    /// 400 / 415 / 422: the request is not acceptable; `fields` says why per field.
    Invalid,
    /// 413: the body is larger than the server accepts.
    TooLarge,
    /// 429: too many requests.
    RateLimited,
    /// 500: the server failed; no internals are disclosed.
    Internal,
    /// A code this version of the protocol does not know.
    Unknown,
}

impl WireName for ErrorCode {
    const ALL: &'static [Self] = &[
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Invalid,
        ErrorCode::TooLarge,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
    ];
    const UNKNOWN: Option<Self> = Some(ErrorCode::Unknown);
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

deserialize_by_wire_name!(ErrorCode);

impl ErrorCode {
    /// The wire name (`"not_found"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Invalid => "invalid",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Internal => "internal",
            ErrorCode::Unknown => "unknown",
        }
    }
}

/// The body of an error: `{"code":"…","message":"…","fields":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// For `invalid`: why each offending field was refused.
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub fields: StrMap<String>,
}

/// Every REST error: `{"error":{…}}`, plus `current` (the entity as it is now) on a version conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// What went wrong.
    pub error: ErrorBody,
    /// On `conflict`: the current entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<crate::JsonText>,
}

/// `POST /session` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// `POST /session` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Who logged in.
    pub user: User,
    /// The teams they belong to.
    pub teams: Vec<Team>,
}

/// `GET /positions` answer: the current `seq` of every topic the user may subscribe to (their
/// own `user:ID` and the `team:ID` of each of their teams).
///
/// Read *before* fetching, it is where a subscription must resume (`since`) so that no event
/// falls between the data and the subscription, even when they are far apart: a page rendered
/// on a server and hydrated in a browser later. Events the data already holds come again and
/// are dropped by the version rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionsResponse {
    /// Topic name to its current `seq` (0: nothing published on it yet).
    pub positions: crate::Positions,
}

/// `GET /me` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeResponse {
    /// The user of the session.
    pub user: User,
    /// Ids of the teams they belong to.
    pub team_ids: Vec<String>,
}

/// `POST /teams` body. The creator becomes the team's first member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    /// 1 to 100 characters.
    pub name: String,
    /// Optional free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /applications` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    /// 1 to 100 characters.
    pub name: String,
    /// The owning team; the user must be a member.
    pub team_id: String,
    /// Optional free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `POST /instances` body. The team is the application's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateInstance {
    /// 1 to 100 characters.
    pub name: String,
    /// The application it runs.
    pub application_id: String,
    /// Initial status; `stopped` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<InstanceStatus>,
}

/// `POST /devices` body. The team is the owner's; `team_id`, when given, must agree with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDevice {
    /// 1 to 100 characters.
    pub name: String,
    /// The direct owner.
    pub owner: Owner,
    /// Optional, checked against the owner's team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Initial status; `offline` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeviceStatus>,
}

/// `PATCH /teams/{id}` and `PATCH /applications/{id}` body: the fields to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchNamed {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PATCH /instances/{id}` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchInstance {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<InstanceStatus>,
}

/// `PATCH /devices/{id}` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchDevice {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New owner, within the same team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// New status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeviceStatus>,
}

/// `POST /teams/{id}/members` body (extension): add a user to the team by login name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    /// The user's login name.
    pub username: String,
}
