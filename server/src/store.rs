//! State and the event log, in one database: SQLite embedded (the default), or PostgreSQL shared
//! by several nodes (see [`sql`]).
//!
//! Every mutation runs in [`Db::write`]: the entity change and the events it causes are written
//! in one transaction (so an event exists exactly when its change does), and the events are
//! handed to the [`Fanout`] after the commit while the write lock is still held, so live
//! subscribers receive each topic's events in `seq` order.

mod counters;
mod events;
mod schema;
pub(crate) mod sql;

pub mod history;

pub mod applications;
pub mod devices;
pub mod drafts;
pub mod idempotency;
pub mod instances;
pub mod list_query;
pub mod members;
pub mod operations;
pub mod reports;
pub mod rows;
pub mod teams;
pub mod users;
pub mod validate;
pub mod work_rows;

use std::sync::{Arc, Mutex, MutexGuard};

use data_farm_protocol::{ChangeOp, Topic};
use serde::Serialize;

use crate::config::DatabaseLocation;
use crate::error::ApiError;
use crate::fanout::{Fanout, StoredEvent};
use crate::realtime::Controls;

pub use counters::new_id as counters_new_id;
pub use events::Replay;
pub use sql::{Conn, DbError, Dialect};

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The schema on disk is newer than this server knows.
    #[error("schema version {found} is newer than this server ({known}); use a newer server or a new database file")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A blocking task failed.
    #[error("database task failed: {0}")]
    Task(String),
}

/// The read side of the event log: what a subscriber that resumes needs.
///
/// Appending is part of the state transaction (see [`Db::write`]); a deployment on a stream
/// engine keeps that transactional outbox and relays it, and implements this trait over the
/// engine's history.
pub trait EventLog: Send + Sync + 'static {
    /// The current `seq` of `topic` (0 when nothing was ever published on it).
    fn head(&self, topic: &str) -> Result<u64, StoreError>;
    /// Every kept event of `topic` after `since`, or [`Replay::TooOld`] when some are no longer kept.
    fn replay(&self, topic: &str, since: u64) -> Result<Replay, StoreError>;
    /// The current `seq` of each of `topics`, in their order.
    fn heads(&self, topics: &[String]) -> Result<Vec<u64>, StoreError> {
        topics.iter().map(|topic| self.head(topic)).collect()
    }
}

/// The PostgreSQL advisory lock whose holder runs the work runner (below 2³², so its `classid`
/// in `pg_locks` is 0 and its `objid` the key).
const WORK_LOCK: i64 = 0x6466_0001;

/// The database: one connection, serialized behind a lock.
pub struct Db {
    conn: Mutex<Conn>,
    fanout: Arc<dyn Fanout>,
    controls: Arc<Controls>,
    event_window: u64,
}

/// The write half given to a mutation: the open transaction plus the events and revocations it causes.
pub struct Writer<'c> {
    tx: &'c Conn,
    /// The user the write runs for (`None`: the server's own work), recorded in history.
    actor: Option<String>,
    event_window: u64,
    events: Vec<Arc<StoredEvent>>,
    revocations: Vec<(String, Topic)>,
}

/// A point of a write that can be gone back to (see [`Writer::start_trial`]).
#[must_use = "a trial is undone or kept"]
pub struct Trial {
    events: usize,
    revocations: usize,
}

impl Writer<'_> {
    /// The transaction, for queries and statements.
    pub fn conn(&self) -> &Conn {
        self.tx
    }

    /// Appends one lifecycle event to `topic`; it reaches subscribers after the commit.
    pub fn publish<D: Serialize + ?Sized>(
        &mut self,
        topic: &Topic,
        kind: &str,
        op: ChangeOp,
        id: &str,
        version: u64,
        data: Option<&D>,
    ) -> Result<u64, ApiError> {
        let data = match data {
            Some(data) => Some(serde_json::value::to_raw_value(data).map_err(ApiError::internal)?),
            None => None,
        };
        let event = events::append(
            self.tx,
            topic,
            kind,
            op,
            id,
            version,
            data,
            self.event_window,
        )?;
        let seq = event.seq;
        history::record(
            self.tx,
            &history::Change {
                topic,
                kind,
                op,
                id,
                version,
                seq,
                actor: self.actor.as_deref(),
            },
        )?;
        self.events.push(Arc::new(event));
        Ok(seq)
    }

    /// Starts a trial: what follows can be undone with [`Writer::undo_trial`] (statements,
    /// events, revocations), or kept with [`Writer::keep_trial`]. Trials nest.
    pub fn start_trial(&mut self) -> Result<Trial, ApiError> {
        self.tx.execute_batch("SAVEPOINT trial")?;
        Ok(Trial {
            events: self.events.len(),
            revocations: self.revocations.len(),
        })
    }

    /// Undoes everything since `trial` started.
    pub fn undo_trial(&mut self, trial: Trial) -> Result<(), ApiError> {
        self.tx
            .execute_batch("ROLLBACK TO SAVEPOINT trial; RELEASE SAVEPOINT trial")?;
        self.events.truncate(trial.events);
        self.revocations.truncate(trial.revocations);
        Ok(())
    }

    /// Keeps everything since `trial` started (part of the write again).
    pub fn keep_trial(&mut self, trial: Trial) -> Result<(), ApiError> {
        let _ = trial;
        self.tx.execute_batch("RELEASE SAVEPOINT trial")?;
        Ok(())
    }

    /// From now on, history records `actor` as who made the changes; returns who it was.
    pub fn act_as(&mut self, actor: Option<String>) -> Option<String> {
        std::mem::replace(&mut self.actor, actor)
    }

    /// After the commit, tells `user_id`'s realtime connections they lost `topic`.
    pub fn revoke(&mut self, user_id: &str, topic: Topic) {
        self.revocations.push((user_id.to_owned(), topic));
    }
}

impl Db {
    /// Opens (creating when missing) and migrates the database.
    pub fn open(
        location: &DatabaseLocation,
        fanout: Arc<dyn Fanout>,
        controls: Arc<Controls>,
        event_window: u64,
    ) -> Result<(Self, bool), StoreError> {
        let mut conn = match location {
            DatabaseLocation::File(path) => {
                Conn::sqlite(rusqlite::Connection::open(path).map_err(DbError::from)?)
            }
            DatabaseLocation::Memory => {
                Conn::sqlite(rusqlite::Connection::open_in_memory().map_err(DbError::from)?)
            }
            DatabaseLocation::Postgres(url) => Conn::postgres(url)?,
        };
        let created = schema::migrate(&mut conn)?;
        let db = Db {
            conn: Mutex::new(conn),
            fanout,
            controls,
            event_window: event_window.max(1),
        };
        Ok((db, created))
    }

    fn lock(&self) -> MutexGuard<'_, Conn> {
        // A panic inside a closure rolls its transaction back; the connection stays usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs a read on a blocking thread, on one snapshot (see [`Db::snapshot`]).
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Conn) -> Result<T, ApiError> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || db.snapshot(f))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs `f`'s statements on one snapshot. On PostgreSQL that is a read-only repeatable-read
    /// transaction (other nodes write meanwhile); on SQLite the lock already gives one.
    fn snapshot<T, E: From<DbError>>(&self, f: impl FnOnce(&Conn) -> Result<T, E>) -> Result<T, E> {
        let conn = self.lock();
        if conn.dialect() == Dialect::Sqlite {
            return f(&conn);
        }
        conn.begin_read()?;
        let value = f(&conn);
        match value {
            Ok(_) => conn.commit()?,
            Err(_) => conn.rollback(),
        }
        value
    }

    /// The name that every node sharing this database shares and no other database has:
    /// created at random by the first node that asks. A cluster keeps its broker subjects apart
    /// from other clusters' with it.
    pub fn cluster_id(&self) -> Result<String, ApiError> {
        let proposed = {
            use rand::RngCore;
            format!("{:016x}", rand::rng().next_u64())
        };
        let conn = self.lock();
        conn.execute(
            "INSERT INTO settings(name, value) VALUES ('cluster_id', ?1) ON CONFLICT DO NOTHING",
            [proposed],
        )?;
        Ok(conn.query_row(
            "SELECT value FROM settings WHERE name = 'cluster_id'",
            (),
            |row| row.get(0),
        )?)
    }

    /// Whether this node runs the work runner. Always on SQLite (one process owns the file).
    /// On PostgreSQL, the one node holding the work lock does: taken here when free, released
    /// with the connection of a node that dies (or loses its connection), so another takes over.
    pub async fn leads_work(self: &Arc<Self>) -> Result<bool, ApiError> {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || -> Result<bool, ApiError> {
            let conn = db.lock();
            if conn.dialect() == Dialect::Sqlite {
                return Ok(true);
            }
            let held: i64 = conn.query_row(
                "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'
                   AND pid = pg_backend_pid() AND CAST(classid AS BIGINT) = 0
                   AND CAST(objid AS BIGINT) = ?1 AND objsubid = 1",
                [WORK_LOCK],
                |row| row.get(0),
            )?;
            if held > 0 {
                return Ok(true);
            }
            Ok(
                conn.query_row("SELECT pg_try_advisory_lock(?1)", [WORK_LOCK], |row| {
                    row.get(0)
                })?,
            )
        })
        .await
        .map_err(ApiError::internal)?
    }

    /// Runs the server's own mutation (no user: history records none) on a blocking thread;
    /// see [`Db::write_blocking`].
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Writer<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let db = Arc::clone(self);
        tokio::task::spawn_blocking(move || db.write_for(None, f))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs a mutation made by `user_id` (history records them) on a blocking thread.
    pub async fn write_as<T, F>(self: &Arc<Self>, user_id: &str, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Writer<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let db = Arc::clone(self);
        let actor = Some(user_id.to_owned());
        tokio::task::spawn_blocking(move || db.write_for(actor, f))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs `f` in a transaction; commits when it returns `Ok`, then publishes its events and
    /// revocations, in that order, before releasing the lock.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Writer<'_>) -> Result<T, ApiError>,
    {
        self.write_for(None, f)
    }

    fn write_for<T, F>(&self, actor: Option<String>, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Writer<'_>) -> Result<T, ApiError>,
    {
        let conn = self.lock();
        conn.begin()?;
        // Rolls back unless committed below, also when `f` panics.
        let open = OpenTransaction {
            conn: &conn,
            done: false,
        };
        let mut writer = Writer {
            tx: &conn,
            actor,
            event_window: self.event_window,
            events: Vec::new(),
            revocations: Vec::new(),
        };
        let value = f(&mut writer)?;
        let Writer {
            events,
            revocations,
            ..
        } = writer;
        open.commit()?;
        for event in events {
            self.fanout.publish(event);
        }
        for (user_id, topic) in revocations {
            self.controls.revoke(&user_id, &topic);
        }
        Ok(value)
    }
}

/// A transaction that rolls back when dropped uncommitted.
struct OpenTransaction<'c> {
    conn: &'c Conn,
    done: bool,
}

impl OpenTransaction<'_> {
    fn commit(mut self) -> Result<(), DbError> {
        self.done = true;
        self.conn.commit()
    }
}

impl Drop for OpenTransaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.conn.rollback();
        }
    }
}

impl EventLog for Db {
    fn head(&self, topic: &str) -> Result<u64, StoreError> {
        Ok(events::head(&self.lock(), topic)?)
    }

    fn heads(&self, topics: &[String]) -> Result<Vec<u64>, StoreError> {
        Ok(events::heads(&self.lock(), topics)?)
    }

    fn replay(&self, topic: &str, since: u64) -> Result<Replay, StoreError> {
        // The head and the events from one snapshot.
        self.snapshot(|conn| events::replay(conn, topic, since).map_err(StoreError::from))
    }
}
