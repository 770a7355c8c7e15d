//! The SQLite side: rusqlite with its statement cache.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::ToSql;

use super::value::{Cell, Value};
use super::{DbError, DbResult, Row, RowInner};

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(value) => ToSqlOutput::Borrowed(ValueRef::Integer(*value)),
            Value::Real(value) => ToSqlOutput::Borrowed(ValueRef::Real(*value)),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
        })
    }
}

pub(super) fn cell<'a>(row: &'a rusqlite::Row<'_>, index: usize) -> DbResult<Cell<'a>> {
    Ok(match row.get_ref(index)? {
        ValueRef::Null => Cell::Null,
        ValueRef::Integer(value) => Cell::Int(value),
        ValueRef::Real(value) => Cell::Real(value),
        ValueRef::Text(bytes) => {
            Cell::Text(std::str::from_utf8(bytes).map_err(|err| DbError::Type {
                column: index,
                problem: err.to_string(),
            })?)
        }
        ValueRef::Blob(_) => {
            return Err(DbError::Type {
                column: index,
                problem: "a blob; the store keeps none".into(),
            })
        }
    })
}

pub(super) fn execute(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> DbResult<usize> {
    Ok(conn
        .prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(params))?)
}

pub(super) fn query<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    read: &mut impl FnMut(&Row<'_>) -> DbResult<T>,
) -> DbResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read(&Row {
            inner: RowInner::Sqlite(row),
        })?);
    }
    Ok(out)
}

pub(super) fn query_first<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    read: impl FnOnce(&Row<'_>) -> DbResult<T>,
) -> DbResult<Option<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    match rows.next()? {
        Some(row) => read(&Row {
            inner: RowInner::Sqlite(row),
        })
        .map(Some),
        None => Ok(None),
    }
}
