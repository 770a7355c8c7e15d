//! Teams: created by a user who becomes their first member; deleting one deletes all it owns.

use data_farm_protocol::{ChangeOp, CreateTeam, PatchNamed, Team, Topic};

use super::rows::{self, EntityRow};
use super::sql::params;
use super::validate::{check_version, Problems};
use super::{counters, members, Writer};
use crate::error::ApiError;
use crate::time_fmt;

/// Creates a team with `user_id` as its member.
pub fn create(w: &mut Writer<'_>, user_id: &str, body: CreateTeam) -> Result<Team, ApiError> {
    let mut problems = Problems::default();
    let name = problems.name(&body.name);
    let description = problems.description(body.description.as_deref().unwrap_or(""));
    problems.finish()?;

    let now = time_fmt::now();
    let team = Team {
        id: counters::new_id(w.conn(), "team")?,
        version: 1,
        updated_at: now.clone(),
        name,
        description,
    };
    w.conn().execute(
        "INSERT INTO teams(id, version, updated_at, created_at, name, description) VALUES (?1, 1, ?2, ?2, ?3, ?4)",
        params![team.id, now, team.name, team.description],
    )?;
    w.publish(
        &Topic::Team(team.id.clone()),
        Team::KIND,
        ChangeOp::Created,
        &team.id,
        1,
        Some(&team),
    )?;
    members::add(w, &team, user_id)?;
    // The creator owns it.
    w.conn().execute(
        "UPDATE memberships SET role = 'owner' WHERE team_id = ?1 AND user_id = ?2",
        [&team.id, user_id],
    )?;
    Ok(team)
}

/// Renames or re-describes a team.
pub fn update(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    body: PatchNamed,
    expected: Option<u64>,
) -> Result<Team, ApiError> {
    let current: Team = rows::get_visible(w.conn(), user_id, id)?;
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
        "UPDATE teams SET version = ?2, updated_at = ?3, name = ?4, description = ?5 WHERE id = ?1",
        params![
            next.id,
            next.version as i64,
            next.updated_at,
            next.name,
            next.description
        ],
    )?;
    w.publish(
        &Topic::Team(next.id.clone()),
        Team::KIND,
        ChangeOp::Updated,
        &next.id,
        next.version,
        Some(&next),
    )?;
    Ok(next)
}

/// Deletes a team and everything it owns; each member is told and loses the topic.
pub fn delete(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<(), ApiError> {
    let current: Team = rows::get_visible(w.conn(), user_id, id)?;
    check_version(&current, expected)?;
    let member_ids: Vec<String> = members::list(w.conn(), id)?
        .into_iter()
        .map(|member| member.id)
        .collect();
    // The team's event goes out while its members still hold the topic; then each loses it.
    w.publish::<()>(
        &Topic::Team(current.id.clone()),
        Team::KIND,
        ChangeOp::Deleted,
        id,
        current.version + 1,
        None,
    )?;
    for member in &member_ids {
        members::remove(w, id, member)?;
    }
    w.conn().execute("DELETE FROM teams WHERE id = ?1", [id])?;
    Ok(())
}
