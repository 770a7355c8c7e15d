//! Instances: run an application; their status is a lifecycle.

use data_farm_protocol::{
    Application, ChangeOp, CreateInstance, Instance, InstanceStatus, OwnerType, PatchInstance,
    Topic,
};
use serde_json::json;

use super::rows::{self, EntityRow};
use super::sql::params;
use super::validate::{check_version, Problems};
use super::{counters, devices, Writer};
use crate::error::ApiError;
use crate::time_fmt;

fn check_status(problems: &mut Problems, status: InstanceStatus) {
    if status == InstanceStatus::Unknown {
        problems.add(
            "status",
            "must be one of: stopped, starting, running, stopping, crashed",
        );
    }
}

/// Creates an instance of one of the user's applications.
pub fn create(
    w: &mut Writer<'_>,
    user_id: &str,
    body: CreateInstance,
) -> Result<Instance, ApiError> {
    let mut problems = Problems::default();
    let name = problems.name(&body.name);
    let status = body.status.unwrap_or(InstanceStatus::Stopped);
    check_status(&mut problems, status);
    let app = rows::get_visible::<Application>(w.conn(), user_id, &body.application_id).ok();
    if app.is_none() {
        problems.add("application_id", "no application with this id");
    }
    problems.finish()?;
    let Some(app) = app else {
        return Err(ApiError::internal("application vanished"));
    };

    let now = time_fmt::now();
    let instance = Instance {
        id: counters::new_id(w.conn(), "inst")?,
        version: 1,
        updated_at: now.clone(),
        name,
        application_id: app.id,
        team_id: app.team_id,
        status,
    };
    w.conn().execute(
        "INSERT INTO instances(id, version, updated_at, created_at, name, application_id, team_id, status)
         VALUES (?1, 1, ?2, ?2, ?3, ?4, ?5, ?6)",
        params![
            instance.id,
            now,
            instance.name,
            instance.application_id,
            instance.team_id,
            instance.status.as_str()
        ],
    )?;
    let topic = Topic::Team(instance.team_id.clone());
    w.publish(
        &topic,
        Instance::KIND,
        ChangeOp::Created,
        &instance.id,
        1,
        Some(&instance),
    )?;
    Ok(instance)
}

/// Renames an instance or changes its status. A change of status alone is published as a
/// `status` event carrying only `status`.
pub fn update(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    body: PatchInstance,
    expected: Option<u64>,
) -> Result<Instance, ApiError> {
    let current: Instance = rows::get_visible(w.conn(), user_id, id)?;
    check_version(&current, expected)?;
    let mut problems = Problems::default();
    let mut next = current.clone();
    if let Some(name) = &body.name {
        next.name = problems.name(name);
    }
    if let Some(status) = body.status {
        check_status(&mut problems, status);
        next.status = status;
    }
    problems.finish()?;
    save(w, current, next)
}

/// Writes `next` over `current` (same id) and publishes the matching event; no-op when equal.
pub fn save(
    w: &mut Writer<'_>,
    current: Instance,
    mut next: Instance,
) -> Result<Instance, ApiError> {
    if next == current {
        return Ok(current);
    }
    next.version = current.version + 1;
    next.updated_at = time_fmt::now();
    w.conn()
        .prepare_cached("UPDATE instances SET version = ?2, updated_at = ?3, name = ?4, status = ?5 WHERE id = ?1")?
        .execute(params![next.id, next.version as i64, next.updated_at, next.name, next.status.as_str()])?;
    let topic = Topic::Team(next.team_id.clone());
    if next.name == current.name {
        let data = json!({ "status": next.status });
        w.publish(
            &topic,
            Instance::KIND,
            ChangeOp::Status,
            &next.id,
            next.version,
            Some(&data),
        )?;
    } else {
        w.publish(
            &topic,
            Instance::KIND,
            ChangeOp::Updated,
            &next.id,
            next.version,
            Some(&next),
        )?;
    }
    Ok(next)
}

/// Deletes an instance; its devices move to the team.
pub fn delete(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<(), ApiError> {
    let current: Instance = rows::get_visible(w.conn(), user_id, id)?;
    check_version(&current, expected)?;
    devices::move_to_team(w, OwnerType::Instance, id)?;
    w.conn()
        .execute("DELETE FROM instances WHERE id = ?1", [id])?;
    let topic = Topic::Team(current.team_id.clone());
    w.publish::<()>(
        &topic,
        Instance::KIND,
        ChangeOp::Deleted,
        id,
        current.version + 1,
        None,
    )?;
    Ok(())
}
