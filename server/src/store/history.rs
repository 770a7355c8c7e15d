//! Version history and audit trail: every change of a team, application, instance or device,
//! kept with the whole entity after it, who made it and which fields it changed.
//!
//! Recorded inside the change's own transaction (by [`super::Writer::publish`]), so history
//! holds a version exactly when the change happened; kept for the newest [`KEPT_PER_ENTITY`]
//! versions of each entity, also after the entity is deleted.

use super::sql::{params, Conn, DbResult, OptionalExtension, Row, Value as SqlValue};
use data_farm_protocol::Application;
use data_farm_protocol::{
    kinds, AuditEntry, ChangeOp, Device, Instance, ListResponse, Team, Topic, VersionEntry,
};
use serde_json::{Map, Value};

use super::rows::{self, EntityRow};
use crate::error::ApiError;
use crate::time_fmt;

/// How many versions of one entity are kept.
pub const KEPT_PER_ENTITY: u64 = 500;

/// Fields that change with every version and say nothing of what changed.
const BOOKKEEPING: &[&str] = &["id", "version", "updated_at"];

/// One published change, as history records it.
pub struct Change<'a> {
    /// The topic it was published on (history keeps team topics only).
    pub topic: &'a Topic,
    /// The entity's kind.
    pub kind: &'a str,
    /// What happened.
    pub op: ChangeOp,
    /// The entity.
    pub id: &'a str,
    /// Its version after the change.
    pub version: u64,
    /// The event's `seq` on its topic.
    pub seq: u64,
    /// Who made it.
    pub actor: Option<&'a str>,
}

fn snapshot_of<E: EntityRow>(conn: &Conn, id: &str) -> Result<Option<Value>, ApiError> {
    let found: Vec<E> = rows::select(conn, "WHERE id = ?1", [id])?;
    match found.into_iter().next() {
        Some(entity) => Ok(Some(
            serde_json::to_value(entity).map_err(ApiError::internal)?,
        )),
        None => Ok(None),
    }
}

/// The entity as stored now (`Ok(None)`: not there); `None` for a kind history does not keep.
pub fn snapshot(conn: &Conn, kind: &str, id: &str) -> Option<Result<Option<Value>, ApiError>> {
    Some(match kind {
        k if k == kinds::TEAM.0 => snapshot_of::<Team>(conn, id),
        k if k == kinds::APPLICATION.0 => snapshot_of::<Application>(conn, id),
        k if k == kinds::INSTANCE.0 => snapshot_of::<Instance>(conn, id),
        k if k == kinds::DEVICE.0 => snapshot_of::<Device>(conn, id),
        _ => return None,
    })
}

/// The keys whose values differ between `before` and `after`, sorted, bookkeeping left out.
fn changed_fields(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<String> {
    let mut fields: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|key| !BOOKKEEPING.contains(&key.as_str()))
        .filter(|key| before.get(*key) != after.get(*key))
        .cloned()
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

/// The text field `key` of an entity's JSON (its `name`, `id`, `team_id`).
pub fn text_of(data: &Value, key: &str) -> Option<String> {
    data.get(key)?.as_str().map(str::to_owned)
}

/// Records `change` (a no-op for topics and kinds history does not keep).
pub fn record(conn: &Conn, change: &Change<'_>) -> Result<(), ApiError> {
    let Topic::Team(team_id) = change.topic else {
        return Ok(());
    };
    let Some(data) = snapshot(conn, change.kind, change.id) else {
        return Ok(());
    };
    let data = data?;
    let previous: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached(
            "SELECT data, name FROM versions WHERE kind = ?1 AND entity_id = ?2
             ORDER BY version DESC LIMIT 1",
        )?
        .query_row([change.kind, change.id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let before = previous
        .as_ref()
        .and_then(|(data, _)| data.as_deref())
        .and_then(|text| serde_json::from_str::<Value>(text).ok());
    let empty = Map::new();
    let fields = match (change.op, &data, &before) {
        (ChangeOp::Deleted, _, _) => Some(Vec::new()),
        (ChangeOp::Created, Some(Value::Object(after)), _) => Some(changed_fields(&empty, after)),
        (_, Some(Value::Object(after)), Some(Value::Object(before))) => {
            Some(changed_fields(before, after))
        }
        _ => None,
    };
    let name = data
        .as_ref()
        .and_then(|data| text_of(data, "name"))
        .or_else(|| previous.and_then(|(_, name)| name));
    keep(
        conn,
        change,
        team_id,
        data.as_ref(),
        fields.as_deref(),
        name,
    )?;
    if change.version > KEPT_PER_ENTITY {
        conn.prepare_cached(
            "DELETE FROM versions WHERE kind = ?1 AND entity_id = ?2 AND version <= ?3",
        )?
        .execute(params![
            change.kind,
            change.id,
            (change.version - KEPT_PER_ENTITY) as i64
        ])?;
    }
    Ok(())
}

/// Stores one version of `change` (of `team_id`): the entity after it, what it changed, its name.
fn keep(
    conn: &Conn,
    change: &Change<'_>,
    team_id: &str,
    data: Option<&Value>,
    fields: Option<&[String]>,
    name: Option<String>,
) -> Result<(), ApiError> {
    let data_text = data.map(Value::to_string);
    let fields_text = fields
        .map(serde_json::to_string)
        .transpose()
        .map_err(ApiError::internal)?;
    conn.prepare_cached(
        "INSERT INTO versions(kind, entity_id, version, op, at, actor, team_id, seq, name, data, fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(kind, entity_id, version) DO UPDATE SET op = excluded.op, at = excluded.at,
           actor = excluded.actor, team_id = excluded.team_id, seq = excluded.seq,
           name = excluded.name, data = excluded.data, fields = excluded.fields",
    )?
    .execute(params![
        change.kind,
        change.id,
        change.version as i64,
        change.op.as_str(),
        time_fmt::now(),
        change.actor,
        team_id,
        change.seq as i64,
        name,
        data_text,
        fields_text,
    ])?;
    Ok(())
}

/// Records every stored entity of kind `E` as its first version, made by the server (for a
/// seeded database: its history starts with what the seed wrote).
pub fn record_existing<E: EntityRow>(conn: &Conn) -> Result<(), ApiError> {
    let empty = Map::new();
    for entity in rows::select::<E>(conn, "ORDER BY id", ())? {
        let version = entity.version();
        let data = serde_json::to_value(entity).map_err(ApiError::internal)?;
        let Value::Object(fields) = &data else {
            continue;
        };
        let id = text_of(&data, "id");
        let team_id = text_of(&data, "team_id").or_else(|| id.clone());
        let (Some(id), Some(team_id)) = (id, team_id) else {
            continue;
        };
        let fields = changed_fields(&empty, fields);
        let topic = Topic::Team(team_id.clone());
        let change = Change {
            topic: &topic,
            kind: E::KIND,
            op: ChangeOp::Created,
            id: &id,
            version,
            seq: 0,
            actor: None,
        };
        keep(
            conn,
            &change,
            &team_id,
            Some(&data),
            Some(&fields),
            text_of(&data, "name"),
        )?;
    }
    Ok(())
}

/// 404 unless `user_id` may read the history of `id`: a member of the team it belongs (or,
/// once deleted, belonged) to.
fn check_visible<E: EntityRow>(conn: &Conn, user_id: &str, id: &str) -> Result<(), ApiError> {
    let team: Option<String> = conn
        .prepare_cached(
            "SELECT team_id FROM versions WHERE kind = ?1 AND entity_id = ?2
             ORDER BY version DESC LIMIT 1",
        )?
        .query_row([E::KIND, id], |row| row.get(0))
        .optional()?;
    match team {
        Some(team) if rows::is_member(conn, user_id, &team)? => Ok(()),
        Some(_) => Err(ApiError::not_found(E::KIND)),
        None => rows::get_visible::<E>(conn, user_id, id).map(|_| ()),
    }
}

fn op_of(text: &str) -> ChangeOp {
    match text {
        "created" => ChangeOp::Created,
        "deleted" => ChangeOp::Deleted,
        "status" => ChangeOp::Status,
        _ => ChangeOp::Updated,
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(text: Option<String>) -> Option<T> {
    text.and_then(|text| serde_json::from_str(&text).ok())
}

/// A page of `versions` rows matching `filter` (SQL with `?` bound to `args`), in `order`,
/// read by `read` from `columns`, and how many rows match in all.
fn page_of<T>(
    conn: &Conn,
    (filter, mut args): (&str, Vec<SqlValue>),
    order: &str,
    (columns, read): (&str, fn(&Row<'_>) -> DbResult<T>),
    (page, per_page): (u64, u64),
) -> Result<ListResponse<T>, ApiError> {
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM versions WHERE {filter}"))?
        .query_row(args.as_slice(), |row| row.get(0))?;
    let offset = (page - 1).saturating_mul(per_page).min(i64::MAX as u64) as i64;
    args.push(SqlValue::from(per_page as i64));
    args.push(SqlValue::from(offset));
    let sql =
        format!("SELECT {columns} FROM versions WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?");
    let items = conn
        .prepare_cached(&sql)?
        .query_map(args.as_slice(), read)?;
    Ok(ListResponse::new(items, total as u64))
}

/// The rows of one entity.
fn of_entity(kind: &str, id: &str) -> (&'static str, Vec<SqlValue>) {
    (
        "kind = ? AND entity_id = ?",
        vec![
            SqlValue::from(kind.to_owned()),
            SqlValue::from(id.to_owned()),
        ],
    )
}

fn version_entry(row: &Row<'_>) -> DbResult<VersionEntry> {
    Ok(VersionEntry {
        version: row.get::<i64>(0)? as u64,
        op: op_of(&row.get::<String>(1)?),
        at: row.get(2)?,
        user_id: row.get(3)?,
        data: parse_json(row.get(4)?),
    })
}

fn audit_entry(row: &Row<'_>) -> DbResult<AuditEntry> {
    Ok(AuditEntry {
        kind: row.get(0)?,
        entity_id: row.get(1)?,
        name: row.get(2)?,
        version: row.get::<i64>(3)? as u64,
        op: op_of(&row.get::<String>(4)?),
        at: row.get(5)?,
        user_id: row.get(6)?,
        fields: parse_json(row.get(7)?),
    })
}

const VERSION_COLUMNS: &str = "version, op, at, actor, data";
const AUDIT_COLUMNS: &str = "kind, entity_id, name, version, op, at, actor, fields";

/// A page of the kept versions of `id`, newest first.
pub fn versions<E: EntityRow>(
    conn: &Conn,
    user_id: &str,
    id: &str,
    page: u64,
    per_page: u64,
) -> Result<ListResponse<VersionEntry>, ApiError> {
    check_visible::<E>(conn, user_id, id)?;
    page_of(
        conn,
        of_entity(E::KIND, id),
        "version DESC",
        (VERSION_COLUMNS, version_entry),
        (page, per_page),
    )
}

/// A page of the audit trail of `id`, newest first.
pub fn entity_audit<E: EntityRow>(
    conn: &Conn,
    user_id: &str,
    id: &str,
    page: u64,
    per_page: u64,
) -> Result<ListResponse<AuditEntry>, ApiError> {
    check_visible::<E>(conn, user_id, id)?;
    page_of(
        conn,
        of_entity(E::KIND, id),
        "version DESC",
        (AUDIT_COLUMNS, audit_entry),
        (page, per_page),
    )
}

/// A page of the audit trail of everything in `team_id` (the team itself included), newest
/// first, of one kind when `kind` is given.
pub fn team_audit(
    conn: &Conn,
    user_id: &str,
    team_id: &str,
    kind: Option<&str>,
    page: u64,
    per_page: u64,
) -> Result<ListResponse<AuditEntry>, ApiError> {
    if !rows::is_member(conn, user_id, team_id)? {
        return Err(ApiError::not_found(Team::KIND));
    }
    let mut args = vec![SqlValue::from(team_id.to_owned())];
    let filter = match kind {
        Some(kind) => {
            args.push(SqlValue::from(kind.to_owned()));
            "team_id = ? AND kind = ?"
        }
        None => "team_id = ?",
    };
    page_of(
        conn,
        (filter, args),
        "at DESC, seq DESC",
        (AUDIT_COLUMNS, audit_entry),
        (page, per_page),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn changed_fields_leave_bookkeeping_out_and_see_added_and_removed_keys() {
        let before =
            object(json!({"id": "d", "version": 1, "name": "a", "status": "online", "gone": 1}));
        let after =
            object(json!({"id": "d", "version": 2, "name": "b", "status": "online", "new": 2}));
        assert_eq!(changed_fields(&before, &after), ["gone", "name", "new"]);
        assert!(changed_fields(&after, &after).is_empty());
    }
}
