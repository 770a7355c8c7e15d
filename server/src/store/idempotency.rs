//! Idempotency keys: a create sent again with the key of one that already happened answers
//! that first result instead of making a second entity.
//!
//! A client's offline outbox replays a create whose first attempt may have reached the server
//! (the answer was lost, or two tabs replay the same queued item). Each key is remembered per
//! user, with the kind, the request body it came with and the answer, for
//! [`KEEP_SECS`]; rows older than that are purged as new ones are written. The lookup and
//! the insert run in the create's own transaction, so two requests with one key cannot both
//! create.

use super::sql::{params, Conn, OptionalExtension};

use crate::error::ApiError;

/// How long a key is remembered: one day, as the protocol promises.
pub const KEEP_SECS: i64 = 24 * 60 * 60;

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// What a create with a remembered key answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    /// The entity as JSON, exactly as it was first answered.
    pub response: String,
    /// Its version then (for `ETag`).
    pub version: u64,
    /// The draft the create became, when its team's creates of the kind need approval: the
    /// key then stands for that draft (sent again, it answers the draft, not a second one).
    pub draft_id: Option<String>,
}

/// Checks an `Idempotency-Key` header's value: 1 to [`MAX_KEY_LEN`] visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"
        )));
    }
    Ok(())
}

/// The remembered answer for `key`, if this user used it for the same kind and body within
/// [`KEEP_SECS`]; an error if they used it for another request.
pub fn lookup(
    conn: &Conn,
    user_id: &str,
    key: &str,
    kind: &str,
    fingerprint: &str,
    now: i64,
) -> Result<Option<Remembered>, ApiError> {
    let row = conn
        .query_row(
            "SELECT kind, fingerprint, response, version, draft_id FROM idempotency_keys
             WHERE user_id = ?1 AND key = ?2 AND created_at > ?3",
            params![user_id, key, now - KEEP_SECS],
            |row| {
                Ok((
                    row.get::<String>(0)?,
                    row.get::<String>(1)?,
                    row.get::<String>(2)?,
                    row.get::<i64>(3)?,
                    row.get::<Option<String>>(4)?,
                ))
            },
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((found_kind, found_fingerprint, response, version, draft_id))
            if found_kind == kind && found_fingerprint == fingerprint =>
        {
            Ok(Some(Remembered {
                response,
                version: u64::try_from(version).unwrap_or(0),
                draft_id,
            }))
        }
        Some(_) => Err(ApiError::conflict(
            "this Idempotency-Key was already used for a different request",
        )),
    }
}

/// Remembers the answer to `key` and forgets keys older than [`KEEP_SECS`].
pub fn remember(
    conn: &Conn,
    user_id: &str,
    key: &str,
    kind: &str,
    fingerprint: &str,
    answer: &Remembered,
    now: i64,
) -> Result<(), ApiError> {
    conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at <= ?1",
        [now - KEEP_SECS],
    )?;
    conn.execute(
        "INSERT INTO idempotency_keys
         (user_id, key, kind, fingerprint, response, version, created_at, draft_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(user_id, key) DO UPDATE SET kind = excluded.kind,
           fingerprint = excluded.fingerprint, response = excluded.response,
           version = excluded.version, created_at = excluded.created_at,
           draft_id = excluded.draft_id",
        params![
            user_id,
            key,
            kind,
            fingerprint,
            answer.response,
            i64::try_from(answer.version).unwrap_or(i64::MAX),
            now,
            answer.draft_id
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Conn {
        let mut conn = Conn::sqlite(rusqlite::Connection::open_in_memory().unwrap());
        super::super::schema::migrate(&mut conn).unwrap();
        conn
    }

    fn answer() -> Remembered {
        Remembered {
            response: r#"{"id":"app_1"}"#.into(),
            version: 1,
            draft_id: None,
        }
    }

    #[test]
    fn a_key_answers_its_first_result_for_a_day() {
        let conn = db();
        assert_eq!(
            lookup(&conn, "u", "k", "application", "{}", 100).unwrap(),
            None
        );
        remember(&conn, "u", "k", "application", "{}", &answer(), 100).unwrap();
        assert_eq!(
            lookup(&conn, "u", "k", "application", "{}", 100 + KEEP_SECS - 1).unwrap(),
            Some(answer())
        );
        assert_eq!(
            lookup(&conn, "u", "k", "application", "{}", 100 + KEEP_SECS).unwrap(),
            None,
            "forgotten after a day"
        );
    }

    #[test]
    fn keys_belong_to_one_user_and_one_request() {
        let conn = db();
        remember(&conn, "u", "k", "application", "{}", &answer(), 100).unwrap();
        assert_eq!(
            lookup(&conn, "v", "k", "application", "{}", 100).unwrap(),
            None
        );
        let reused = lookup(&conn, "u", "k", "application", r#"{"name":"b"}"#, 100).unwrap_err();
        assert_eq!(reused.status, axum::http::StatusCode::CONFLICT);
        assert!(lookup(&conn, "u", "k", "device", "{}", 100).is_err());
    }

    #[test]
    fn old_keys_are_purged_when_new_ones_are_written() {
        let conn = db();
        remember(&conn, "u", "old", "application", "{}", &answer(), 0).unwrap();
        remember(
            &conn,
            "u",
            "new",
            "application",
            "{}",
            &answer(),
            KEEP_SECS + 1,
        )
        .unwrap();
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM idempotency_keys", (), |r| r.get(0))
            .unwrap();
        assert_eq!(left, 1);
    }

    #[test]
    fn keys_are_checked() {
        assert!(check_key("tmp-application-1700000000000-1-9f3a").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("has space").is_err());
        assert!(check_key(&"x".repeat(MAX_KEY_LEN + 1)).is_err());
    }
}
