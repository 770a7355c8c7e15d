//! Team membership: who may see a team, and the `membership` events on `user:` topics.

use super::sql::{params, Conn, OptionalExtension};
use data_farm_protocol::{kinds, ChangeOp, MembershipData, Team, Topic, User};

use super::{counters, users, Writer};
use crate::error::ApiError;
use crate::time_fmt;

/// Makes `user_id` a member of `team` and tells them on their `user:` topic.
pub fn add(w: &mut Writer<'_>, team: &Team, user_id: &str) -> Result<(), ApiError> {
    let already = w
        .conn()
        .prepare_cached("SELECT 1 FROM memberships WHERE team_id = ?1 AND user_id = ?2")?
        .exists([&team.id, user_id])?;
    if already {
        return Err(ApiError::conflict(
            "the user is already a member of this team",
        ));
    }
    let id = counters::new_id(w.conn(), "mem")?;
    w.conn().execute(
        "INSERT INTO memberships(id, team_id, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, team.id, user_id, time_fmt::now()],
    )?;
    let data = MembershipData {
        user_id: user_id.to_owned(),
        team: team.clone(),
    };
    w.publish(
        &Topic::User(user_id.to_owned()),
        kinds::MEMBERSHIP,
        ChangeOp::Created,
        &id,
        1,
        Some(&data),
    )?;
    Ok(())
}

/// Ends `user_id`'s membership of `team_id`: a `membership` `deleted` event on their `user:`
/// topic, then `revoked` on `team:` for their open connections. `false` when they were not a member.
pub fn remove(w: &mut Writer<'_>, team_id: &str, user_id: &str) -> Result<bool, ApiError> {
    let id: Option<String> = w
        .conn()
        .query_row(
            "DELETE FROM memberships WHERE team_id = ?1 AND user_id = ?2 RETURNING id",
            [team_id, user_id],
            |row| row.get(0),
        )
        .optional()?;
    let Some(id) = id else { return Ok(false) };
    w.publish::<()>(
        &Topic::User(user_id.to_owned()),
        kinds::MEMBERSHIP,
        ChangeOp::Deleted,
        &id,
        2,
        None,
    )?;
    w.revoke(user_id, Topic::Team(team_id.to_owned()));
    Ok(true)
}

/// The members of a team, by username.
pub fn list(conn: &Conn, team_id: &str) -> Result<Vec<User>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.username, u.display_name, m.role FROM users u
         JOIN memberships m ON m.user_id = u.id WHERE m.team_id = ?1 ORDER BY u.username",
    )?;
    let members = stmt.query_map([team_id], |row| {
        let mut user = users::user_from_row(row)?;
        user.role = Some(row.get(3)?);
        Ok(user)
    })?;
    Ok(members)
}

/// The ids of the teams `user_id` belongs to, sorted.
pub fn team_ids(conn: &Conn, user_id: &str) -> Result<Vec<String>, ApiError> {
    let mut stmt =
        conn.prepare_cached("SELECT team_id FROM memberships WHERE user_id = ?1 ORDER BY team_id")?;
    let ids = stmt.query_map([user_id], |row| row.get(0))?;
    Ok(ids)
}
