//! How each kind maps to its table, and the reads every kind shares: visible-by-id and lists.

use super::sql::{Conn, DbResult, Dialect, OptionalExtension, Params, Row, Value};
use data_farm_protocol::{
    kinds, Application, Device, DeviceStatus, Instance, InstanceStatus, ListResponse, Owner,
    OwnerType, Position, RawDrafts, Team,
};
use serde::Serialize;

use super::drafts;
use super::list_query::{DraftsMode, Filter, ListQuery, ListSpec};
use crate::error::ApiError;

/// A kind stored in its own table.
pub trait EntityRow: Serialize + Sized + Send + 'static {
    /// Singular name, as in events (`device`).
    const KIND: &'static str;
    /// Table.
    const TABLE: &'static str;
    /// Columns read by [`EntityRow::from_row`], in its order.
    const COLUMNS: &'static str;
    /// Column holding the owning team's id.
    const TEAM_COLUMN: &'static str;
    /// What its list accepts.
    const LIST: ListSpec;
    /// Reads one row selected with [`EntityRow::COLUMNS`].
    fn from_row(row: &Row<'_>) -> DbResult<Self>;
    /// The entity's version.
    fn version(&self) -> u64;
    /// The entity's id.
    fn id(&self) -> &str;
    /// The id of the team it belongs to (a team's own id for a team).
    fn team(&self) -> &str;
}

const NAMED_SORTS: &[&str] = &["name", "updated_at", "created_at"];
const STATUS_SORTS: &[&str] = &["name", "updated_at", "created_at", "status"];
const INSTANCE_STATUSES: &[&str] = &["stopped", "starting", "running", "stopping", "crashed"];
const DEVICE_STATUSES: &[&str] = &["offline", "online", "updating", "error"];
const OWNER_TYPES: &[&str] = &["team", "application", "instance"];

impl EntityRow for Team {
    const KIND: &'static str = kinds::TEAM.0;
    const TABLE: &'static str = "teams";
    const COLUMNS: &'static str = "id, version, updated_at, name, description";
    const TEAM_COLUMN: &'static str = "id";
    const LIST: ListSpec = ListSpec {
        sortable: NAMED_SORTS,
        default_sort: ("name", false),
        filters: &[],
        drafts: false,
    };

    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        Ok(Team {
            id: row.get(0)?,
            version: row.get::<i64>(1)? as u64,
            updated_at: row.get(2)?,
            name: row.get(3)?,
            description: row.get(4)?,
        })
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn id(&self) -> &str {
        &self.id
    }
    fn team(&self) -> &str {
        &self.id
    }
}

impl EntityRow for Application {
    const KIND: &'static str = kinds::APPLICATION.0;
    const TABLE: &'static str = "applications";
    const COLUMNS: &'static str = "id, version, updated_at, name, description, team_id";
    const TEAM_COLUMN: &'static str = "team_id";
    const LIST: ListSpec = ListSpec {
        sortable: NAMED_SORTS,
        default_sort: ("name", false),
        filters: &[],
        drafts: true,
    };

    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        Ok(Application {
            id: row.get(0)?,
            version: row.get::<i64>(1)? as u64,
            updated_at: row.get(2)?,
            name: row.get(3)?,
            description: row.get(4)?,
            team_id: row.get(5)?,
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

impl EntityRow for Instance {
    const KIND: &'static str = kinds::INSTANCE.0;
    const TABLE: &'static str = "instances";
    const COLUMNS: &'static str = "id, version, updated_at, name, application_id, team_id, status";
    const TEAM_COLUMN: &'static str = "team_id";
    const LIST: ListSpec = ListSpec {
        sortable: STATUS_SORTS,
        default_sort: ("name", false),
        filters: &[
            Filter {
                param: "status",
                column: "status",
                allowed: Some(INSTANCE_STATUSES),
            },
            Filter {
                param: "application_id",
                column: "application_id",
                allowed: None,
            },
        ],
        drafts: true,
    };

    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        let status: String = row.get(6)?;
        Ok(Instance {
            id: row.get(0)?,
            version: row.get::<i64>(1)? as u64,
            updated_at: row.get(2)?,
            name: row.get(3)?,
            application_id: row.get(4)?,
            team_id: row.get(5)?,
            status: InstanceStatus::parse(&status).unwrap_or(InstanceStatus::Unknown),
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

impl EntityRow for Device {
    const KIND: &'static str = kinds::DEVICE.0;
    const TABLE: &'static str = "devices";
    const COLUMNS: &'static str =
        "id, version, updated_at, name, team_id, owner_type, owner_id, status";
    const TEAM_COLUMN: &'static str = "team_id";
    const LIST: ListSpec = ListSpec {
        sortable: STATUS_SORTS,
        default_sort: ("name", false),
        filters: &[
            Filter {
                param: "status",
                column: "status",
                allowed: Some(DEVICE_STATUSES),
            },
            Filter {
                param: "owner_type",
                column: "owner_type",
                allowed: Some(OWNER_TYPES),
            },
            Filter {
                param: "owner_id",
                column: "owner_id",
                allowed: None,
            },
        ],
        drafts: true,
    };

    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        let owner_type: String = row.get(5)?;
        let status: String = row.get(7)?;
        Ok(Device {
            id: row.get(0)?,
            version: row.get::<i64>(1)? as u64,
            updated_at: row.get(2)?,
            name: row.get(3)?,
            team_id: row.get(4)?,
            owner: Owner {
                owner_type: OwnerType::parse(&owner_type).unwrap_or(OwnerType::Team),
                id: row.get(6)?,
            },
            status: DeviceStatus::parse(&status).unwrap_or(DeviceStatus::Unknown),
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

/// Every entity of kind `E` that `clause` (the SQL after `FROM table`, e.g. `WHERE … ORDER BY
/// …`, with `?1`… bound to `params`) selects, whatever team it belongs to: for the server's own
/// work, never for answering a user.
pub fn select<E: EntityRow>(
    conn: &Conn,
    clause: &str,
    params: impl Params,
) -> Result<Vec<E>, ApiError> {
    let sql = format!("SELECT {} FROM {} {clause}", E::COLUMNS, E::TABLE);
    Ok(conn.prepare_cached(&sql)?.query_map(params, E::from_row)?)
}

/// The entity `id` when `user_id` is a member of its team; 404 otherwise.
pub fn get_visible<E: EntityRow>(conn: &Conn, user_id: &str, id: &str) -> Result<E, ApiError> {
    let sql = format!(
        "SELECT {cols} FROM {table} WHERE id = ?1 AND {team} IN
           (SELECT team_id FROM memberships WHERE user_id = ?2)",
        cols = E::COLUMNS,
        table = E::TABLE,
        team = E::TEAM_COLUMN
    );
    conn.prepare_cached(&sql)?
        .query_row([id, user_id], E::from_row)
        .optional()?
        .ok_or_else(|| ApiError::not_found(E::KIND))
}

/// The `WHERE` condition (and its arguments) selecting what `user_id` may see of kind `E` and
/// `query` filters, and the `ORDER BY` terms of its sort.
fn selection<E: EntityRow>(
    dialect: Dialect,
    user_id: &str,
    query: &ListQuery,
) -> (String, Vec<Value>, String) {
    let mut clauses = vec![format!(
        "{} IN (SELECT team_id FROM memberships WHERE user_id = ?)",
        E::TEAM_COLUMN
    )];
    let mut args: Vec<Value> = vec![Value::from(user_id.to_owned())];
    if let Some(team) = &query.team {
        clauses.push(format!("{} = ?", E::TEAM_COLUMN));
        args.push(Value::from(team.clone()));
    }
    if let Some(q) = &query.q {
        // lower() folds ASCII only; clients match with the same rule (documented in docs/protocol.md).
        clauses.push(dialect.contains_ignoring_case("name"));
        args.push(Value::from(q.clone()));
    }
    if let Some(ids) = &query.ids {
        // One statement whatever the number of ids: they travel as one JSON array.
        clauses.push(format!("id IN ({})", dialect.json_texts("?")));
        args.push(Value::from(
            serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()),
        ));
    }
    for (column, value) in &query.filters {
        clauses.push(format!("{column} = ?"));
        args.push(Value::from(value.clone()));
    }
    if query.drafts == DraftsMode::Only {
        clauses.push(format!(
            "id IN (SELECT entity_id FROM drafts WHERE kind = ? AND entity_id IS NOT NULL \
             AND status IN {})",
            drafts::OPEN_STATUSES
        ));
        args.push(Value::from(E::KIND.to_owned()));
    }
    let sort = if query.sort == "name" {
        "lower(name)"
    } else {
        query.sort
    };
    let dir = if query.desc { "DESC" } else { "ASC" };
    (
        clauses.join(" AND "),
        args,
        format!("{sort} {dir}, id {dir}"),
    )
}

/// One page of the entities of kind `E` that `user_id` may see and `query` selects.
pub fn list<E: EntityRow>(
    conn: &Conn,
    user_id: &str,
    query: &ListQuery,
) -> Result<ListResponse<E>, ApiError> {
    let (filter, mut args, order) = selection::<E>(conn.dialect(), user_id, query);
    let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {filter}", E::TABLE);
    let total: i64 = conn
        .prepare_cached(&count_sql)?
        .query_row(args.as_slice(), |row| row.get(0))?;

    let page_sql = format!(
        "SELECT {cols} FROM {table} WHERE {filter} ORDER BY {order} LIMIT ? OFFSET ?",
        cols = E::COLUMNS,
        table = E::TABLE,
    );
    args.push(Value::from(query.per_page as i64));
    args.push(Value::from(
        ((query.page - 1).saturating_mul(query.per_page)).min(i64::MAX as u64) as i64,
    ));
    let items = conn
        .prepare_cached(&page_sql)?
        .query_map(args.as_slice(), E::from_row)?;
    let drafts = match query.drafts {
        DraftsMode::Off => RawDrafts::default(),
        DraftsMode::Include | DraftsMode::Only => {
            let ids: Vec<&str> = items.iter().map(EntityRow::id).collect();
            let drafts =
                drafts::open_drafts_of(conn, user_id, E::KIND, &ids, query.team.as_deref())?;
            RawDrafts::of(&drafts).map_err(ApiError::internal)?
        }
    };
    Ok(ListResponse {
        items,
        total: total as u64,
        drafts,
    })
}

/// Where `id` stands in the list `query` selects for `user_id`, at the query's page size
/// (its `page` is ignored); 404 when the list does not hold it.
pub fn position<E: EntityRow>(
    conn: &Conn,
    user_id: &str,
    query: &ListQuery,
    id: &str,
) -> Result<Position, ApiError> {
    let (filter, mut args, order) = selection::<E>(conn.dialect(), user_id, query);
    let sql = format!(
        "SELECT rank, total FROM (
           SELECT id, ROW_NUMBER() OVER (ORDER BY {order}) AS rank, COUNT(*) OVER () AS total
           FROM {table} WHERE {filter}
         ) AS ranked WHERE id = ?",
        table = E::TABLE,
    );
    args.push(Value::from(id.to_owned()));
    let found: Option<(i64, i64)> = conn
        .prepare_cached(&sql)?
        .query_row(args.as_slice(), |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((rank, total)) = found else {
        return Err(ApiError::not_found(E::KIND)
            .with_message(format!("this list holds no {} {id}", E::KIND)));
    };
    let before = (rank.max(1) - 1) as u64;
    Ok(Position {
        page: before / query.per_page + 1,
        index: before % query.per_page,
        per_page: query.per_page,
        total: total as u64,
    })
}

/// Whether `user_id` belongs to `team_id`.
pub fn is_member(conn: &Conn, user_id: &str, team_id: &str) -> DbResult<bool> {
    conn.prepare_cached("SELECT 1 FROM memberships WHERE user_id = ?1 AND team_id = ?2")?
        .exists([user_id, team_id])
}
