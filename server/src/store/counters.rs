//! Named monotonic counters: entity ids and topic sequence numbers. A value is never handed out twice.

use rusqlite::{Connection, OptionalExtension};

/// Increments `name` and returns its new value (1 for a new counter).
pub fn next(conn: &Connection, name: &str) -> rusqlite::Result<u64> {
    conn.query_row(
        "INSERT INTO counters(name, value) VALUES (?1, 1)
         ON CONFLICT(name) DO UPDATE SET value = value + 1
         RETURNING value",
        [name],
        |row| row.get::<_, i64>(0),
    )
    .map(|value| value as u64)
}

/// The current value of `name` (0 for a counter never incremented).
pub fn current(conn: &Connection, name: &str) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT value FROM counters WHERE name = ?1",
        [name],
        |row| row.get::<_, i64>(0),
    )
    .optional()
    .map(|value| value.unwrap_or(0) as u64)
}

/// A new entity id such as `dev_42`.
pub fn new_id(conn: &Connection, prefix: &str) -> rusqlite::Result<String> {
    Ok(format!("{prefix}_{}", next(conn, &format!("id:{prefix}"))?))
}
