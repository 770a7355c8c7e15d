//! The two read-only kinds of long-running work: operations and reports. The server is their
//! only writer, so they have no create or patch body ([`ReadOnly`]).

use data_farm_protocol::{Operation, Report};
use serde::{Deserialize, Serialize};

use super::{Entity, FieldValue};

/// The create and patch body of a kind only the server writes. It cannot be built, so no code
/// path can send one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ReadOnly {}

impl Entity for Operation {
    const KIND: &'static str = "operation";
    const PLURAL: &'static str = "operations";
    type Create = ReadOnly;
    type Patch = ReadOnly;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    /// The operation's type (`instance.deploy`): what lists search.
    fn name(&self) -> &str {
        &self.op_type
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "updated_at" => Some(FieldValue::Text(&self.updated_at)),
            "created_at" => Some(FieldValue::Text(&self.created_at)),
            "status" => Some(FieldValue::Text(self.status.as_str())),
            "target_id" => Some(FieldValue::Text(&self.target.id)),
            "type" => Some(FieldValue::Text(&self.op_type)),
            _ => None,
        }
    }
    fn patched(&self, patch: &ReadOnly) -> Self {
        match *patch {}
    }
}

impl Entity for Report {
    const KIND: &'static str = "report";
    const PLURAL: &'static str = "reports";
    type Create = ReadOnly;
    type Patch = ReadOnly;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    /// Reports have no name; their id stands in.
    fn name(&self) -> &str {
        &self.id
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "updated_at" => Some(FieldValue::Text(&self.updated_at)),
            // Ids grow with time (`rep_9` < `rep_10` numerically), close enough to creation
            // order for a list sorted by `created_at`, which reports do not carry.
            "created_at" => Some(FieldValue::Number(
                self.id
                    .rsplit('_')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
            )),
            "status" => Some(FieldValue::Text(self.status.as_str())),
            _ => None,
        }
    }
    fn patched(&self, patch: &ReadOnly) -> Self {
        match *patch {}
    }
}
