//! Long-running work: operations (instance actions) and reports. The server is their only
//! writer; they are published on the owning team's topic like every other kind.

use serde::{Deserialize, Serialize};

/// Wire names of a kind that has them, with every status a server may send.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of the protocol does not know: treat as not active.
            Unknown,
        }

        impl crate::wire_name::WireName for $name {
            const ALL: &'static [Self] = $name::ALL;
            const UNKNOWN: Option<Self> = Some($name::Unknown);
            fn wire_name(self) -> &'static str {
                self.as_str()
            }
        }

        crate::wire_name::deserialize_by_wire_name!($name);

        impl $name {
            /// Every value a server may send.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown => "unknown",
                }
            }

            /// Parses a wire name; `None` for anything unknown.
            pub fn parse(s: &str) -> Option<Self> {
                crate::wire_name::WireName::named(s)
            }
        }
    };
}

wire_enum!(
    /// Where an operation is in its life.
    OperationStatus {
        /// Accepted, not started.
        Queued = "queued",
        /// Under way; `summary_counts` moves.
        Running = "running",
        /// Finished; `outcome` says how.
        Completed = "completed",
    }
);

wire_enum!(
    /// How a completed operation ended.
    Outcome {
        /// Every step succeeded.
        Succeeded = "succeeded",
        /// Some steps failed.
        PartiallySucceeded = "partially_succeeded",
        /// Every step failed, or it was interrupted.
        Failed = "failed",
    }
);

wire_enum!(
    /// Where a report is in its life.
    ReportStatus {
        /// Accepted, not started.
        Queued = "queued",
        /// Being written.
        Generating = "generating",
        /// Downloadable until `expires_at`.
        Ready = "ready",
        /// Could not be produced; `summary` says why.
        Failed = "failed",
        /// Was ready; the file is gone.
        Expired = "expired",
    }
);

impl OperationStatus {
    /// Queued or running: worth watching.
    pub fn is_active(self) -> bool {
        matches!(self, OperationStatus::Queued | OperationStatus::Running)
    }
}

impl ReportStatus {
    /// Queued or generating: worth watching.
    pub fn is_active(self) -> bool {
        matches!(self, ReportStatus::Queued | ReportStatus::Generating)
    }
}

/// What an operation acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The target's kind (`instance`).
    #[serde(rename = "type")]
    pub target_type: String,
    /// Its id.
    pub id: String,
}

/// An operation's progress.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryCounts {
    /// Steps in all.
    pub total: u64,
    /// Steps that succeeded.
    pub done: u64,
    /// Steps that failed.
    pub failed: u64,
}

/// A long-running action on an instance (`instance.start`, `instance.stop`,
/// `instance.restart`, `instance.deploy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Unique id, e.g. `op_1`.
    pub id: String,
    /// Starts at 1, +1 on every change.
    pub version: u64,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// The team it belongs to.
    pub team_id: String,
    /// What it does, e.g. `instance.deploy`.
    #[serde(rename = "type")]
    pub op_type: String,
    /// What it acts on.
    pub target: Target,
    /// Where it is.
    pub status: OperationStatus,
    /// `None` until completed.
    pub outcome: Option<Outcome>,
    /// Progress.
    pub summary_counts: SummaryCounts,
    /// Why steps failed, when some did.
    pub failure_summary: Option<String>,
    /// The user who started it.
    pub initiated_by: String,
    /// When it was accepted.
    pub created_at: String,
    /// When it started running.
    pub started_at: Option<String>,
    /// When it completed.
    pub completed_at: Option<String>,
}

/// A generated file (a CSV of the team's devices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Unique id, e.g. `rep_1`.
    pub id: String,
    /// Starts at 1, +1 on every change.
    pub version: u64,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// The team it describes.
    pub team_id: String,
    /// Where it is.
    pub status: ReportStatus,
    /// A sentence about it (rows written, or why it failed).
    pub summary: Option<String>,
    /// When it became ready.
    pub generated_at: Option<String>,
    /// When the file goes away.
    pub expires_at: Option<String>,
    /// Bytes in the file, once ready.
    pub file_size: Option<u64>,
    /// The operation that produced it, if any.
    pub operation_id: Option<String>,
    /// The user who asked for it.
    pub initiated_by: String,
}

/// The instance actions `POST /instances/{id}/actions/{action}` takes.
pub const INSTANCE_ACTIONS: [&str; 4] = ["start", "stop", "restart", "deploy"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_statuses_decode_and_are_not_active() {
        let status: OperationStatus = serde_json::from_str("\"paused\"").unwrap();
        assert_eq!(status, OperationStatus::Unknown);
        assert!(!status.is_active());
        let report: ReportStatus = serde_json::from_str("\"archived\"").unwrap();
        assert!(!report.is_active());
        assert_eq!(
            Outcome::parse("partially_succeeded"),
            Some(Outcome::PartiallySucceeded)
        );
        assert_eq!(Outcome::parse("unknown"), None);
    }
}
