//! Version history, audit trails and list positions: read-only answers of the reference server.

use serde::{Deserialize, Serialize};

use crate::ChangeOp;

/// One kept version of an entity, newest first in `GET /{kinds}/{id}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// The entity's version after this change.
    pub version: u64,
    /// What the change was.
    pub op: ChangeOp,
    /// When it happened (the protocol's fixed-width UTC form).
    pub at: String,
    /// Who made it; `None` when the server did (a simulator, a running operation).
    pub user_id: Option<String>,
    /// The whole entity as it was after the change; `None` for a deletion.
    pub data: Option<serde_json::Value>,
}

/// One line of an audit trail: `GET /{kinds}/{id}/audit` and `GET /teams/{id}/audit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The changed entity's kind (`device`).
    pub kind: String,
    /// The changed entity's id.
    pub entity_id: String,
    /// Its name after the change (before it, for a deletion), for a readable trail.
    pub name: Option<String>,
    /// The entity's version after this change.
    pub version: u64,
    /// What the change was.
    pub op: ChangeOp,
    /// When it happened.
    pub at: String,
    /// Who made it; `None` when the server did.
    pub user_id: Option<String>,
    /// The fields whose values changed, sorted; every field of a creation, none of a
    /// deletion. `None` when the version before was not kept, so nothing can be compared.
    pub fields: Option<Vec<String>>,
}

/// Where an entity stands in a list: `GET /{kinds}/{id}/position?<list params>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// The 1-based page holding it at the list's page size.
    pub page: u64,
    /// Its 0-based index within that page.
    pub index: u64,
    /// The page size the position was computed for.
    pub per_page: u64,
    /// How many entities the list holds.
    pub total: u64,
}
