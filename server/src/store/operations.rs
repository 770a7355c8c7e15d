//! Operations: long-running instance actions. Started by a user, walked forward by the work
//! runner (`crate::work`) one step per tick: `queued -> running -> completed`, progress in
//! `summary_counts`, the instance's own status moving with it. Every transition is one
//! `updated` event with the whole operation.

use data_farm_protocol::{
    ChangeOp, Instance, InstanceStatus, Operation, OperationStatus, Outcome, SummaryCounts, Target,
    Topic, INSTANCE_ACTIONS,
};

use super::rows::{self, EntityRow};
use super::sql::params;
use super::{counters, instances, Writer};
use crate::config::WorkOutcome;
use crate::error::ApiError;
use crate::time_fmt;

/// Steps an action takes (one per runner tick once running).
fn steps(action: &str) -> u64 {
    match action {
        "stop" => 2,
        "start" => 3,
        "restart" => 4,
        _ => 5,
    }
}

/// The instance status while the action runs, and after it succeeds.
fn instance_statuses(action: &str) -> (InstanceStatus, InstanceStatus) {
    match action {
        "stop" => (InstanceStatus::Stopping, InstanceStatus::Stopped),
        _ => (InstanceStatus::Starting, InstanceStatus::Running),
    }
}

fn action_of(op: &Operation) -> &str {
    op.op_type.strip_prefix("instance.").unwrap_or("deploy")
}

/// The operation on `target` that is still queued or running, if any.
fn active_for(w: &Writer<'_>, target_id: &str) -> Result<Option<Operation>, ApiError> {
    let clause = "WHERE target_id = ?1 AND status IN ('queued', 'running') LIMIT 1";
    Ok(rows::select(w.conn(), clause, [target_id])?
        .into_iter()
        .next())
}

/// `POST /instances/{id}/actions/{action}`: queues the action. 404 for an instance outside the
/// user's teams; 409 with the active operation as `current` while one is queued or running.
pub fn start(
    w: &mut Writer<'_>,
    user_id: &str,
    instance_id: &str,
    action: &str,
) -> Result<Operation, ApiError> {
    let instance: Instance = rows::get_visible(w.conn(), user_id, instance_id)?;
    if !INSTANCE_ACTIONS.contains(&action) {
        return Err(ApiError::invalid_field(
            "action",
            format!("must be one of: {}", INSTANCE_ACTIONS.join(", ")),
        ));
    }
    if let Some(active) = active_for(w, instance_id)? {
        let mut err = ApiError::conflict(format!(
            "{} is already running {}",
            instance.name, active.op_type
        ));
        err.current = serde_json::to_value(&active).ok();
        return Err(err);
    }
    let now = time_fmt::now();
    let op = Operation {
        id: counters::new_id(w.conn(), "op")?,
        version: 1,
        updated_at: now.clone(),
        team_id: instance.team_id.clone(),
        op_type: format!("instance.{action}"),
        target: Target {
            target_type: Instance::KIND.to_owned(),
            id: instance.id.clone(),
        },
        status: OperationStatus::Queued,
        outcome: None,
        summary_counts: SummaryCounts {
            total: steps(action),
            done: 0,
            failed: 0,
        },
        failure_summary: None,
        initiated_by: user_id.to_owned(),
        created_at: now,
        started_at: None,
        completed_at: None,
    };
    w.conn().execute(
        "INSERT INTO operations(id, version, updated_at, created_at, name, team_id, type, target_type,
            target_id, status, outcome, total, done, failed, failure_summary, initiated_by, started_at, completed_at)
         VALUES (?1, 1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', NULL, ?8, 0, 0, NULL, ?9, NULL, NULL)",
        params![
            op.id,
            op.created_at,
            format!("{} {}", op.op_type, instance.name),
            op.team_id,
            op.op_type,
            op.target.target_type,
            op.target.id,
            op.summary_counts.total as i64,
            op.initiated_by,
        ],
    )?;
    w.publish(
        &Topic::Team(op.team_id.clone()),
        Operation::KIND,
        ChangeOp::Created,
        &op.id,
        op.version,
        Some(&op),
    )?;
    Ok(op)
}

/// Writes `next` (one transition of `current`) and publishes it as one `updated` event.
fn save(
    w: &mut Writer<'_>,
    current: &Operation,
    mut next: Operation,
) -> Result<Operation, ApiError> {
    next.version = current.version + 1;
    next.updated_at = time_fmt::now();
    w.conn()
        .prepare_cached(
            "UPDATE operations SET version = ?2, updated_at = ?3, status = ?4, outcome = ?5, done = ?6,
                failed = ?7, failure_summary = ?8, started_at = ?9, completed_at = ?10 WHERE id = ?1",
        )?
        .execute(params![
            next.id,
            next.version as i64,
            next.updated_at,
            next.status.as_str(),
            next.outcome.map(|o| o.as_str()),
            next.summary_counts.done as i64,
            next.summary_counts.failed as i64,
            next.failure_summary,
            next.started_at,
            next.completed_at,
        ])?;
    w.publish(
        &Topic::Team(next.team_id.clone()),
        Operation::KIND,
        ChangeOp::Updated,
        &next.id,
        next.version,
        Some(&next),
    )?;
    Ok(next)
}

/// Moves the target instance to `status` (publishing its own event), when it still exists.
fn set_instance(
    w: &mut Writer<'_>,
    op: &Operation,
    status: InstanceStatus,
) -> Result<(), ApiError> {
    let found: Vec<Instance> = rows::select(w.conn(), "WHERE id = ?1", [&op.target.id])?;
    if let Some(current) = found.into_iter().next() {
        let next = Instance {
            status,
            ..current.clone()
        };
        instances::save(w, current, next)?;
    }
    Ok(())
}

/// Whether step `step` (0-based) of `op` fails under `plan`. `Mixed` is deterministic per
/// operation id: about 8 in 10 succeed, 1 in 10 partially, 1 in 10 fail.
fn step_fails(plan: WorkOutcome, op: &Operation, step: u64) -> bool {
    match plan {
        WorkOutcome::Succeed => false,
        WorkOutcome::Fail => true,
        WorkOutcome::PartiallySucceed => step == 0,
        WorkOutcome::Mixed => {
            let digits: u64 = op.id.bytes().map(u64::from).sum();
            match digits % 10 {
                0 => true,
                1 => step == 0,
                _ => false,
            }
        }
    }
}

/// One step of one active operation.
fn advance(w: &mut Writer<'_>, op: Operation, plan: WorkOutcome) -> Result<(), ApiError> {
    let action = action_of(&op).to_owned();
    let (during, after) = instance_statuses(&action);
    let mut next = op.clone();
    match op.status {
        OperationStatus::Queued => {
            next.status = OperationStatus::Running;
            next.started_at = Some(time_fmt::now());
            save(w, &op, next)?;
            set_instance(w, &op, during)?;
        }
        OperationStatus::Running => {
            let counts = &mut next.summary_counts;
            let step = counts.done + counts.failed;
            if step_fails(plan, &op, step) {
                counts.failed += 1;
            } else {
                counts.done += 1;
            }
            let finished = counts.done + counts.failed >= counts.total;
            if finished {
                let (done, failed) = (counts.done, counts.failed);
                next.status = OperationStatus::Completed;
                next.completed_at = Some(time_fmt::now());
                next.outcome = Some(match (done, failed) {
                    (_, 0) => Outcome::Succeeded,
                    (0, _) => Outcome::Failed,
                    _ => Outcome::PartiallySucceeded,
                });
                if failed > 0 {
                    next.failure_summary =
                        Some(format!("{failed} of {} steps failed", done + failed));
                }
                let outcome = next.outcome;
                save(w, &op, next)?;
                let instance = match outcome {
                    Some(Outcome::Failed) => InstanceStatus::Crashed,
                    _ => after,
                };
                set_instance(w, &op, instance)?;
            } else {
                save(w, &op, next)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Every queued or running operation, oldest first.
fn active(w: &Writer<'_>) -> Result<Vec<Operation>, ApiError> {
    let clause = "WHERE status IN ('queued', 'running') ORDER BY created_at, id";
    rows::select(w.conn(), clause, ())
}

/// One runner tick: every active operation takes one step. Returns how many moved.
pub fn advance_all(w: &mut Writer<'_>, plan: WorkOutcome) -> Result<usize, ApiError> {
    let ops = active(w)?;
    let moved = ops.len();
    for op in ops {
        advance(w, op, plan)?;
    }
    Ok(moved)
}

/// At start-up: work a previous process left queued or running can never finish; it ends
/// `failed` with a clear summary (and its instance, caught mid-transition, `crashed`).
pub fn recover(w: &mut Writer<'_>) -> Result<usize, ApiError> {
    let ops = active(w)?;
    let count = ops.len();
    for op in ops {
        let was_running = op.status == OperationStatus::Running;
        let mut next = op.clone();
        next.status = OperationStatus::Completed;
        next.outcome = Some(Outcome::Failed);
        next.completed_at = Some(time_fmt::now());
        next.failure_summary =
            Some("Interrupted: the server restarted before this operation finished".to_owned());
        save(w, &op, next)?;
        if was_running {
            set_instance(w, &op, InstanceStatus::Crashed)?;
        }
    }
    Ok(count)
}
