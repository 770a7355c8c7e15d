//! Schema migrations: SQLite tracks them in its `user_version`, PostgreSQL in `schema_version`.
//!
//! The migrations are written once, for SQLite; PostgreSQL runs them translated by
//! [`for_postgres`] (64-bit integers, byte-order collation so lists sort as in SQLite, no
//! `WITHOUT ROWID`).

use super::sql::{Conn, Dialect, OptionalExtension};
use super::StoreError;

/// Each entry moves the schema from version `index` to `index + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE memberships (
    id         TEXT PRIMARY KEY,
    team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (team_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships(user_id, team_id);

CREATE TABLE applications (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    team_id     TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE
);
CREATE INDEX applications_by_team ON applications(team_id);

CREATE TABLE instances (
    id             TEXT PRIMARY KEY,
    version        INTEGER NOT NULL,
    updated_at     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    name           TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    team_id        TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    status         TEXT NOT NULL
);
CREATE INDEX instances_by_team ON instances(team_id);
CREATE INDEX instances_by_application ON instances(application_id);

CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    name       TEXT NOT NULL,
    team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    owner_type TEXT NOT NULL,
    owner_id   TEXT NOT NULL,
    status     TEXT NOT NULL
);
CREATE INDEX devices_by_team ON devices(team_id, name);
CREATE INDEX devices_by_owner ON devices(owner_type, owner_id);

CREATE TABLE events (
    topic TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    frame TEXT NOT NULL,
    PRIMARY KEY (topic, seq)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE operations (
    id              TEXT PRIMARY KEY,
    version         INTEGER NOT NULL,
    updated_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    name            TEXT NOT NULL,
    team_id         TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    status          TEXT NOT NULL,
    outcome         TEXT,
    total           INTEGER NOT NULL,
    done            INTEGER NOT NULL,
    failed          INTEGER NOT NULL,
    failure_summary TEXT,
    initiated_by    TEXT NOT NULL,
    started_at      TEXT,
    completed_at    TEXT
);
CREATE INDEX operations_by_team ON operations(team_id, created_at);
CREATE INDEX operations_active ON operations(status) WHERE status IN ('queued', 'running');

CREATE TABLE reports (
    id           TEXT PRIMARY KEY,
    version      INTEGER NOT NULL,
    updated_at   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    name         TEXT NOT NULL,
    team_id      TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    summary      TEXT,
    generated_at TEXT,
    expires_at   TEXT,
    file_size    INTEGER,
    operation_id TEXT,
    initiated_by TEXT NOT NULL,
    content      TEXT
);
CREATE INDEX reports_by_team ON reports(team_id, created_at);
"#,
    r#"
CREATE TABLE idempotency_keys (
    user_id     TEXT NOT NULL,
    key         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
"#,
    r#"
CREATE TABLE versions (
    kind      TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    version   INTEGER NOT NULL,
    op        TEXT NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT,
    team_id   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    name      TEXT,
    data      TEXT,
    fields    TEXT,
    PRIMARY KEY (kind, entity_id, version)
) WITHOUT ROWID;
CREATE INDEX versions_by_team ON versions(team_id, at, seq);
"#,
    r#"
ALTER TABLE memberships ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
UPDATE memberships SET role = 'owner' WHERE id IN
    (SELECT MIN(id) FROM memberships GROUP BY team_id);

CREATE TABLE approval_rules (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    PRIMARY KEY (team_id, kind)
) WITHOUT ROWID;

CREATE TABLE drafts (
    id           TEXT PRIMARY KEY,
    version      INTEGER NOT NULL,
    updated_at   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    team_id      TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    entity_id    TEXT,
    operation    TEXT NOT NULL,
    status       TEXT NOT NULL,
    body         TEXT NOT NULL,
    base_version INTEGER,
    author_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    comments     TEXT NOT NULL
);
CREATE INDEX drafts_by_team ON drafts(team_id, status, updated_at);
CREATE INDEX drafts_by_entity ON drafts(kind, entity_id);
"#,
    r#"
ALTER TABLE idempotency_keys ADD COLUMN draft_id TEXT;
"#,
    r#"
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
];

/// Brings the schema up to date; returns whether the database was new.
pub fn migrate(conn: &mut Conn) -> Result<bool, StoreError> {
    match conn.dialect() {
        Dialect::Sqlite => migrate_sqlite(conn),
        Dialect::Postgres => migrate_postgres(conn),
    }
}

fn migrate_sqlite(conn: &mut Conn) -> Result<bool, StoreError> {
    if let Some(sqlite) = conn.as_sqlite() {
        let pragmas = || -> rusqlite::Result<()> {
            sqlite.pragma_update(None, "foreign_keys", true)?;
            // WAL keeps readers of the file (e.g. sqlite3 in a terminal) from blocking the
            // server; an in-memory database answers "memory", which is fine.
            sqlite.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
            sqlite.pragma_update(None, "synchronous", "NORMAL")?;
            sqlite.busy_timeout(std::time::Duration::from_secs(5))
        };
        pragmas().map_err(super::DbError::from)?;
    }
    let found: i64 = conn.query_row("PRAGMA user_version", (), |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    conn.begin()?;
    let applied = (|| {
        for sql in &MIGRATIONS[found as usize..] {
            conn.execute_batch(sql)?;
        }
        conn.execute_batch(&format!("PRAGMA user_version = {known}"))?;
        conn.commit()
    })();
    if applied.is_err() {
        conn.rollback();
    }
    applied?;
    Ok(found == 0)
}

/// An arbitrary key for the advisory lock that makes nodes starting together migrate one by one.
const MIGRATION_LOCK: i64 = 0x6461_7461_6661_726d;

fn migrate_postgres(conn: &mut Conn) -> Result<bool, StoreError> {
    conn.begin()?;
    let applied = (|| -> Result<bool, StoreError> {
        conn.execute("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK])?;
        let tracked: bool = conn.query_row(
            "SELECT to_regclass('schema_version') IS NOT NULL",
            (),
            |row| row.get(0),
        )?;
        if !tracked {
            conn.execute_batch("CREATE TABLE schema_version (version BIGINT NOT NULL)")?;
        }
        let found: i64 = conn
            .query_row("SELECT version FROM schema_version", (), |row| row.get(0))
            .optional()?
            .unwrap_or(0);
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::SchemaTooNew { found, known });
        }
        for sql in &MIGRATIONS[found as usize..] {
            conn.execute_batch(&for_postgres(sql))?;
        }
        conn.execute("DELETE FROM schema_version", ())?;
        conn.execute("INSERT INTO schema_version(version) VALUES (?1)", [known])?;
        conn.commit()?;
        Ok(found == 0)
    })();
    if applied.is_err() {
        conn.rollback();
    }
    applied
}

/// A migration in PostgreSQL's terms.
fn for_postgres(sql: &str) -> String {
    sql.replace(" WITHOUT ROWID", "")
        .replace("INTEGER", "BIGINT")
        .replace("TEXT", "TEXT COLLATE \"C\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Conn {
        Conn::sqlite(rusqlite::Connection::open_in_memory().unwrap())
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = memory();
        assert!(migrate(&mut conn).unwrap());
        assert!(!migrate(&mut conn).unwrap());
    }

    #[test]
    fn refuses_a_schema_from_the_future() {
        let mut conn = memory();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::SchemaTooNew { found: 99, .. })
        ));
    }
}
