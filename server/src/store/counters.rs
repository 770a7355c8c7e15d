//! Named monotonic counters: entity ids and topic sequence numbers. A value is never handed out twice.

use super::sql::{Conn, DbResult, OptionalExtension};

/// Increments `name` and returns its new value (1 for a new counter).
pub fn next(conn: &Conn, name: &str) -> DbResult<u64> {
    conn.query_row(
        "INSERT INTO counters(name, value) VALUES (?1, 1)
         ON CONFLICT(name) DO UPDATE SET value = counters.value + 1
         RETURNING value",
        [name],
        |row| row.get::<i64>(0),
    )
    .map(|value| value as u64)
}

/// The current value of `name` (0 for a counter never incremented).
pub fn current(conn: &Conn, name: &str) -> DbResult<u64> {
    conn.query_row(
        "SELECT value FROM counters WHERE name = ?1",
        [name],
        |row| row.get::<i64>(0),
    )
    .optional()
    .map(|value| value.unwrap_or(0) as u64)
}

/// A new entity id such as `dev_42`.
pub fn new_id(conn: &Conn, prefix: &str) -> DbResult<String> {
    Ok(format!("{prefix}_{}", next(conn, &format!("id:{prefix}"))?))
}
