//! Applications: owned by a team.

use data_farm_protocol::{Application, ChangeOp, CreateApplication, OwnerType, PatchNamed, Topic};

use super::rows::{self, EntityRow};
use super::sql::params;
use super::validate::{check_version, Problems};
use super::{counters, devices, Writer};
use crate::error::ApiError;
use crate::time_fmt;

/// Creates an application in one of the user's teams.
pub fn create(
    w: &mut Writer<'_>,
    user_id: &str,
    body: CreateApplication,
) -> Result<Application, ApiError> {
    let mut problems = Problems::default();
    let name = problems.name(&body.name);
    let description = problems.description(body.description.as_deref().unwrap_or(""));
    if !rows::is_member(w.conn(), user_id, &body.team_id)? {
        problems.add("team_id", "no team with this id");
    }
    problems.finish()?;

    let now = time_fmt::now();
    let app = Application {
        id: counters::new_id(w.conn(), "app")?,
        version: 1,
        updated_at: now.clone(),
        name,
        description,
        team_id: body.team_id,
    };
    w.conn().execute(
        "INSERT INTO applications(id, version, updated_at, created_at, name, description, team_id)
         VALUES (?1, 1, ?2, ?2, ?3, ?4, ?5)",
        params![app.id, now, app.name, app.description, app.team_id],
    )?;
    w.publish(
        &Topic::Team(app.team_id.clone()),
        Application::KIND,
        ChangeOp::Created,
        &app.id,
        1,
        Some(&app),
    )?;
    Ok(app)
}

/// Renames or re-describes an application.
pub fn update(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    body: PatchNamed,
    expected: Option<u64>,
) -> Result<Application, ApiError> {
    let current: Application = rows::get_visible(w.conn(), user_id, id)?;
    check_version(&current, expected)?;
    let mut problems = Problems::default();
    let mut next = current.clone();
    if let Some(name) = &body.name {
        next.name = problems.name(name);
    }
    if let Some(description) = &body.description {
        next.description = problems.description(description);
    }
    problems.finish()?;
    if next == current {
        return Ok(current);
    }
    next.version += 1;
    next.updated_at = time_fmt::now();
    w.conn().execute(
        "UPDATE applications SET version = ?2, updated_at = ?3, name = ?4, description = ?5 WHERE id = ?1",
        params![next.id, next.version as i64, next.updated_at, next.name, next.description],
    )?;
    let topic = Topic::Team(next.team_id.clone());
    w.publish(
        &topic,
        Application::KIND,
        ChangeOp::Updated,
        &next.id,
        next.version,
        Some(&next),
    )?;
    Ok(next)
}

/// Deletes an application that has no instances; its devices move to the team.
pub fn delete(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<(), ApiError> {
    let current: Application = rows::get_visible(w.conn(), user_id, id)?;
    check_version(&current, expected)?;
    let instances: i64 = w.conn().query_row(
        "SELECT COUNT(*) FROM instances WHERE application_id = ?1",
        [id],
        |row| row.get(0),
    )?;
    if instances > 0 {
        return Err(ApiError::conflict(format!(
            "the application still has {instances} instance(s); delete them first"
        )));
    }
    devices::move_to_team(w, OwnerType::Application, id)?;
    w.conn()
        .execute("DELETE FROM applications WHERE id = ?1", [id])?;
    let topic = Topic::Team(current.team_id.clone());
    w.publish::<()>(
        &topic,
        Application::KIND,
        ChangeOp::Deleted,
        id,
        current.version + 1,
        None,
    )?;
    Ok(())
}
