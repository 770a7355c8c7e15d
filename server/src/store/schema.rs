//! Schema migrations, tracked in SQLite's `user_version`.

use rusqlite::Connection;

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
];

/// Brings the schema up to date; returns whether the database was new.
pub fn migrate(conn: &mut Connection) -> Result<bool, StoreError> {
    conn.pragma_update(None, "foreign_keys", true)?;
    // WAL keeps readers of the file (e.g. sqlite3 in a terminal) from blocking the server;
    // an in-memory database answers "memory", which is fine.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;

    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    let tx = conn.transaction()?;
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(found == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert!(migrate(&mut conn).unwrap());
        assert!(!migrate(&mut conn).unwrap());
    }

    #[test]
    fn refuses_a_schema_from_the_future() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            migrate(&mut conn),
            Err(StoreError::SchemaTooNew { found: 99, .. })
        ));
    }
}
