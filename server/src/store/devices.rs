//! Devices: owned by a team directly, or by an application or instance of that team.

use super::sql::{params, Conn, DbResult};
use data_farm_protocol::{
    Application, ChangeOp, CreateDevice, Device, DeviceStatus, Instance, Owner, OwnerType,
    PatchDevice, Topic,
};
use serde_json::json;

use super::rows::{self, EntityRow};
use super::validate::{check_version, Problems};
use super::{counters, Writer};
use crate::error::ApiError;
use crate::time_fmt;

/// The team of `owner`, when the user may see it.
fn owner_team(conn: &Conn, user_id: &str, owner: &Owner) -> Result<Option<String>, ApiError> {
    Ok(match owner.owner_type {
        OwnerType::Team => rows::is_member(conn, user_id, &owner.id)?.then(|| owner.id.clone()),
        OwnerType::Application => rows::get_visible::<Application>(conn, user_id, &owner.id)
            .ok()
            .map(|a| a.team_id),
        OwnerType::Instance => rows::get_visible::<Instance>(conn, user_id, &owner.id)
            .ok()
            .map(|i| i.team_id),
    })
}

fn check_status(problems: &mut Problems, status: DeviceStatus) {
    if status == DeviceStatus::Unknown {
        problems.add("status", "must be one of: offline, online, updating, error");
    }
}

/// Creates a device under an owner the user may see.
pub fn create(w: &mut Writer<'_>, user_id: &str, body: CreateDevice) -> Result<Device, ApiError> {
    let mut problems = Problems::default();
    let name = problems.name(&body.name);
    let status = body.status.unwrap_or(DeviceStatus::Offline);
    check_status(&mut problems, status);
    let team_id = owner_team(w.conn(), user_id, &body.owner)?;
    match (&team_id, &body.team_id) {
        (None, _) => problems.add(
            "owner",
            format!("no {} with this id", body.owner.owner_type.as_str()),
        ),
        (Some(team), Some(given)) if team != given => {
            problems.add("team_id", "does not match the owner's team")
        }
        _ => {}
    }
    problems.finish()?;
    let Some(team_id) = team_id else {
        return Err(ApiError::internal("owner vanished"));
    };

    let now = time_fmt::now();
    let device = Device {
        id: counters::new_id(w.conn(), "dev")?,
        version: 1,
        updated_at: now.clone(),
        name,
        team_id,
        owner: body.owner,
        status,
    };
    insert(w.conn(), &device, &now)?;
    let topic = Topic::Team(device.team_id.clone());
    w.publish(
        &topic,
        Device::KIND,
        ChangeOp::Created,
        &device.id,
        1,
        Some(&device),
    )?;
    Ok(device)
}

/// Inserts a device row as given (used by create and the seed).
pub fn insert(conn: &Conn, device: &Device, created_at: &str) -> DbResult<()> {
    conn.prepare_cached(
        "INSERT INTO devices(id, version, updated_at, created_at, name, team_id, owner_type, owner_id, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        device.id,
        device.version as i64,
        device.updated_at,
        created_at,
        device.name,
        device.team_id,
        device.owner.owner_type.as_str(),
        device.owner.id,
        device.status.as_str()
    ])?;
    Ok(())
}

/// Renames a device, moves it to another owner of the same team, or changes its status. A change
/// of status alone is published as a `status` event carrying only `status`.
pub fn update(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    body: PatchDevice,
    expected: Option<u64>,
) -> Result<Device, ApiError> {
    let current: Device = rows::get_visible(w.conn(), user_id, id)?;
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
    if let Some(owner) = body.owner {
        match owner_team(w.conn(), user_id, &owner)? {
            Some(team) if team == current.team_id => next.owner = owner,
            Some(_) => problems.add("owner", "must belong to the device's team"),
            None => problems.add(
                "owner",
                format!("no {} with this id", owner.owner_type.as_str()),
            ),
        }
    }
    problems.finish()?;
    save(w, current, next)
}

/// Writes `next` over `current` (same id) and publishes the matching event; no-op when equal.
pub fn save(w: &mut Writer<'_>, current: Device, mut next: Device) -> Result<Device, ApiError> {
    if next == current {
        return Ok(current);
    }
    next.version = current.version + 1;
    next.updated_at = time_fmt::now();
    w.conn()
        .prepare_cached(
            "UPDATE devices SET version = ?2, updated_at = ?3, name = ?4, owner_type = ?5, owner_id = ?6, status = ?7
             WHERE id = ?1",
        )?
        .execute(params![
            next.id,
            next.version as i64,
            next.updated_at,
            next.name,
            next.owner.owner_type.as_str(),
            next.owner.id,
            next.status.as_str()
        ])?;
    let topic = Topic::Team(next.team_id.clone());
    if next.name == current.name && next.owner == current.owner {
        let data = json!({ "status": next.status });
        w.publish(
            &topic,
            Device::KIND,
            ChangeOp::Status,
            &next.id,
            next.version,
            Some(&data),
        )?;
    } else {
        w.publish(
            &topic,
            Device::KIND,
            ChangeOp::Updated,
            &next.id,
            next.version,
            Some(&next),
        )?;
    }
    Ok(next)
}

/// Deletes a device.
pub fn delete(
    w: &mut Writer<'_>,
    user_id: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<(), ApiError> {
    let current: Device = rows::get_visible(w.conn(), user_id, id)?;
    check_version(&current, expected)?;
    w.conn()
        .execute("DELETE FROM devices WHERE id = ?1", [id])?;
    let topic = Topic::Team(current.team_id.clone());
    w.publish::<()>(
        &topic,
        Device::KIND,
        ChangeOp::Deleted,
        id,
        current.version + 1,
        None,
    )?;
    Ok(())
}

/// Moves every device owned by (`owner_type`, `owner_id`) to its team, one `updated` event each.
pub fn move_to_team(
    w: &mut Writer<'_>,
    owner_type: OwnerType,
    owner_id: &str,
) -> Result<(), ApiError> {
    let clause = "WHERE owner_type = ?1 AND owner_id = ?2 ORDER BY id";
    let owned: Vec<Device> = rows::select(w.conn(), clause, [owner_type.as_str(), owner_id])?;
    for device in owned {
        let next = Device {
            owner: Owner {
                owner_type: OwnerType::Team,
                id: device.team_id.clone(),
            },
            ..device.clone()
        };
        save(w, device, next)?;
    }
    Ok(())
}
