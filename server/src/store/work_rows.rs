//! How operations and reports map to their tables.

use super::sql::{DbResult, Row};
use data_farm_protocol::{
    kinds, Operation, OperationStatus, Outcome, Report, ReportStatus, SummaryCounts, Target,
};

use super::list_query::{Filter, ListSpec};
use super::rows::EntityRow;

const WORK_SORTS: &[&str] = &["created_at", "updated_at", "status", "name"];
const OPERATION_STATUSES: &[&str] = &["queued", "running", "completed"];
const REPORT_STATUSES: &[&str] = &["queued", "generating", "ready", "failed", "expired"];

fn u64_at(row: &Row<'_>, i: usize) -> DbResult<u64> {
    Ok(row.get::<i64>(i)?.max(0) as u64)
}

impl EntityRow for Operation {
    const KIND: &'static str = kinds::OPERATION.0;
    const TABLE: &'static str = "operations";
    const COLUMNS: &'static str =
        "id, version, updated_at, team_id, type, target_type, target_id, \
         status, outcome, total, done, failed, failure_summary, initiated_by, created_at, \
         started_at, completed_at";
    const TEAM_COLUMN: &'static str = "team_id";
    const LIST: ListSpec = ListSpec {
        sortable: WORK_SORTS,
        default_sort: ("created_at", true),
        filters: &[
            Filter {
                param: "status",
                column: "status",
                allowed: Some(OPERATION_STATUSES),
            },
            Filter {
                param: "target_id",
                column: "target_id",
                allowed: None,
            },
        ],
        drafts: false,
    };

    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        let status: String = row.get(7)?;
        let outcome: Option<String> = row.get(8)?;
        Ok(Operation {
            id: row.get(0)?,
            version: u64_at(row, 1)?,
            updated_at: row.get(2)?,
            team_id: row.get(3)?,
            op_type: row.get(4)?,
            target: Target {
                target_type: row.get(5)?,
                id: row.get(6)?,
            },
            status: OperationStatus::parse(&status).unwrap_or(OperationStatus::Unknown),
            outcome: outcome.map(|o| Outcome::parse(&o).unwrap_or(Outcome::Unknown)),
            summary_counts: SummaryCounts {
                total: u64_at(row, 9)?,
                done: u64_at(row, 10)?,
                failed: u64_at(row, 11)?,
            },
            failure_summary: row.get(12)?,
            initiated_by: row.get(13)?,
            created_at: row.get(14)?,
            started_at: row.get(15)?,
            completed_at: row.get(16)?,
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

impl EntityRow for Report {
    const KIND: &'static str = kinds::REPORT.0;
    const TABLE: &'static str = "reports";
    const COLUMNS: &'static str = "id, version, updated_at, team_id, status, summary, \
         generated_at, expires_at, file_size, operation_id, initiated_by";
    const TEAM_COLUMN: &'static str = "team_id";
    const LIST: ListSpec = ListSpec {
        sortable: WORK_SORTS,
        default_sort: ("created_at", true),
        filters: &[Filter {
            param: "status",
            column: "status",
            allowed: Some(REPORT_STATUSES),
        }],
        drafts: false,
    };

    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        let status: String = row.get(4)?;
        let size: Option<i64> = row.get(8)?;
        Ok(Report {
            id: row.get(0)?,
            version: u64_at(row, 1)?,
            updated_at: row.get(2)?,
            team_id: row.get(3)?,
            status: ReportStatus::parse(&status).unwrap_or(ReportStatus::Unknown),
            summary: row.get(5)?,
            generated_at: row.get(6)?,
            expires_at: row.get(7)?,
            file_size: size.map(|s| s.max(0) as u64),
            operation_id: row.get(9)?,
            initiated_by: row.get(10)?,
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
