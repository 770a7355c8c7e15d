//! Reports: a CSV of a team's devices, produced by the work runner (`crate::work`):
//! `queued -> generating -> ready` (or `failed`), and `ready -> expired` once `expires_at`
//! passes (the file is dropped). Every transition is one `updated` event.

use std::time::Duration;

use data_farm_protocol::{ChangeOp, Report, ReportStatus, Team, Topic};
use time::OffsetDateTime;

use super::rows::{self, EntityRow};
use super::sql::{params, Conn, DbResult};
use super::{counters, Writer};
use crate::config::WorkOutcome;
use crate::error::ApiError;
use crate::time_fmt;

/// `POST /teams/{id}/reports`: queues a report of the team's devices (404 outside the user's teams).
pub fn request(w: &mut Writer<'_>, user_id: &str, team_id: &str) -> Result<Report, ApiError> {
    let team: Team = rows::get_visible(w.conn(), user_id, team_id)?;
    let now = time_fmt::now();
    let report = Report {
        id: counters::new_id(w.conn(), "rep")?,
        version: 1,
        updated_at: now.clone(),
        team_id: team.id.clone(),
        status: ReportStatus::Queued,
        summary: None,
        generated_at: None,
        expires_at: None,
        file_size: None,
        operation_id: None,
        initiated_by: user_id.to_owned(),
    };
    w.conn().execute(
        "INSERT INTO reports(id, version, updated_at, created_at, name, team_id, status, initiated_by)
         VALUES (?1, 1, ?2, ?2, ?3, ?4, 'queued', ?5)",
        params![report.id, now, format!("{} devices", team.name), report.team_id, user_id],
    )?;
    w.publish(
        &Topic::Team(report.team_id.clone()),
        Report::KIND,
        ChangeOp::Created,
        &report.id,
        1,
        Some(&report),
    )?;
    Ok(report)
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The CSV of `team_id`'s devices, a header row first, by name.
fn devices_csv(w: &Writer<'_>, team_id: &str) -> Result<(String, u64), ApiError> {
    let mut out = String::from("id,name,status,owner_type,owner_id,updated_at\n");
    let lines = w.conn().query_map(
        "SELECT id, name, status, owner_type, owner_id, updated_at FROM devices
         WHERE team_id = ?1 ORDER BY lower(name), id",
        [team_id],
        |row| {
            (0..6)
                .map(|i| row.get::<String>(i).map(|v| csv_field(&v)))
                .collect::<DbResult<Vec<_>>>()
        },
    )?;
    for cells in &lines {
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    Ok((out, lines.len() as u64))
}

fn save(
    w: &mut Writer<'_>,
    current: &Report,
    mut next: Report,
    content: Option<&str>,
) -> Result<(), ApiError> {
    next.version = current.version + 1;
    next.updated_at = time_fmt::now();
    w.conn()
        .prepare_cached(
            "UPDATE reports SET version = ?2, updated_at = ?3, status = ?4, summary = ?5, generated_at = ?6,
                expires_at = ?7, file_size = ?8, content = ?9 WHERE id = ?1",
        )?
        .execute(params![
            next.id,
            next.version as i64,
            next.updated_at,
            next.status.as_str(),
            next.summary,
            next.generated_at,
            next.expires_at,
            next.file_size.map(|s| s as i64),
            content,
        ])?;
    w.publish(
        &Topic::Team(next.team_id.clone()),
        Report::KIND,
        ChangeOp::Updated,
        &next.id,
        next.version,
        Some(&next),
    )?;
    Ok(())
}

fn with_status(w: &Writer<'_>, statuses: &str) -> Result<Vec<Report>, ApiError> {
    let clause = format!("WHERE status IN ({statuses}) ORDER BY created_at, id");
    rows::select(w.conn(), &clause, ())
}

/// One runner tick: queued reports start generating, generating ones finish (ready, or failed
/// under a failing plan), ready ones past `expires_at` expire. Returns how many moved.
pub fn advance_all(
    w: &mut Writer<'_>,
    plan: WorkOutcome,
    ttl: Duration,
) -> Result<usize, ApiError> {
    let mut moved = 0;
    let now = time_fmt::now();
    for report in with_status(w, "'queued', 'generating', 'ready'")? {
        let mut next = report.clone();
        match report.status {
            ReportStatus::Queued => {
                next.status = ReportStatus::Generating;
                save(w, &report, next, None)?;
            }
            ReportStatus::Generating if plan == WorkOutcome::Fail => {
                next.status = ReportStatus::Failed;
                next.summary = Some("The report could not be written".to_owned());
                save(w, &report, next, None)?;
            }
            ReportStatus::Generating => {
                let (csv, count) = devices_csv(w, &report.team_id)?;
                let expires = OffsetDateTime::now_utc() + ttl;
                next.status = ReportStatus::Ready;
                next.summary = Some(format!("{count} devices"));
                next.generated_at = Some(now.clone());
                next.expires_at = Some(time_fmt::format(expires));
                next.file_size = Some(csv.len() as u64);
                save(w, &report, next, Some(&csv))?;
            }
            ReportStatus::Ready
                if report
                    .expires_at
                    .as_deref()
                    .is_some_and(|at| at <= now.as_str()) =>
            {
                next.status = ReportStatus::Expired;
                save(w, &report, next, None)?;
            }
            _ => continue,
        }
        moved += 1;
    }
    Ok(moved)
}

/// At start-up: reports a previous process left queued or generating end `failed`.
pub fn recover(w: &mut Writer<'_>) -> Result<usize, ApiError> {
    let stuck = with_status(w, "'queued', 'generating'")?;
    let count = stuck.len();
    for report in stuck {
        let mut next = report.clone();
        next.status = ReportStatus::Failed;
        next.summary =
            Some("Interrupted: the server restarted before this report was ready".to_owned());
        save(w, &report, next, None)?;
    }
    Ok(count)
}

/// What a download request gets.
pub enum Download {
    /// The CSV and a file name.
    File(String, String),
    /// Not ready yet (409).
    NotReady(ReportStatus),
    /// Gone (410).
    Expired,
}

/// `GET /reports/{id}/download` (404 outside the user's teams).
pub fn download(conn: &Conn, user_id: &str, id: &str) -> Result<Download, ApiError> {
    let report: Report = rows::get_visible(conn, user_id, id)?;
    match report.status {
        ReportStatus::Ready => {
            let content: Option<String> =
                conn.query_row("SELECT content FROM reports WHERE id = ?1", [id], |row| {
                    row.get(0)
                })?;
            Ok(match content {
                Some(csv) => Download::File(csv, format!("{}.csv", report.id)),
                None => Download::Expired,
            })
        }
        ReportStatus::Expired => Ok(Download::Expired),
        other => Ok(Download::NotReady(other)),
    }
}
