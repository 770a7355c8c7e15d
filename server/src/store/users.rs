//! Users and their sessions. Passwords are stored as argon2 hashes; session tokens as SHA-256
//! digests, so a copy of the database lets no one sign in.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::OnceLock;

use super::sql::{params, Conn, DbResult, OptionalExtension, Row};
use argon2::Argon2;
use data_farm_protocol::User;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::counters;
use crate::error::ApiError;
use crate::time_fmt;

/// Reads `id, username, display_name`.
pub fn user_from_row(row: &Row<'_>) -> DbResult<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        role: None,
    })
}

/// An argon2id hash of `password` in PHC string form.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(ApiError::internal)
}

/// Creates a user; returns it.
pub fn create(
    conn: &Conn,
    username: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<User, ApiError> {
    let id = counters::new_id(conn, "user")?;
    conn.execute(
        "INSERT INTO users(id, username, display_name, password_hash) VALUES (?1, ?2, ?3, ?4)",
        [&id, username, display_name, password_hash],
    )?;
    Ok(User {
        id,
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role: None,
    })
}

/// The user `username` and their password hash, if they exist. Verify with [`verify_password`]
/// outside the database lock: hashing is deliberately slow.
pub fn credentials(conn: &Conn, username: &str) -> Result<Option<(User, String)>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, username, display_name, password_hash FROM users WHERE username = ?1",
        )?
        .query_row([username], |row| {
            Ok((user_from_row(row)?, row.get::<String>(3)?))
        })
        .optional()?)
}

/// Whether `password` matches `hash`. With no hash (unknown user) a decoy is checked, so
/// response times do not reveal which usernames exist.
pub fn verify_password(hash: Option<&str>, password: &str) -> bool {
    static DECOY: OnceLock<String> = OnceLock::new();
    let hash =
        hash.unwrap_or_else(|| DECOY.get_or_init(|| hash_password("decoy").unwrap_or_default()));
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Starts a session for `user_id`; returns the token to put in the cookie.
pub fn create_session(conn: &Conn, user_id: &str, ttl_secs: i64) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    conn.execute(
        "INSERT INTO sessions(token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
        params![digest(&token), user_id, time_fmt::unix_now() + ttl_secs],
    )?;
    conn.execute(
        "DELETE FROM sessions WHERE expires_at < ?1",
        [time_fmt::unix_now()],
    )?;
    Ok(token)
}

/// The user of a live session, with the session's id (the token digest).
pub fn session_user(conn: &Conn, token: &str) -> Result<Option<(User, String)>, ApiError> {
    let session_id = digest(token);
    let user = conn
        .prepare_cached(
            "SELECT u.id, u.username, u.display_name FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = ?1 AND s.expires_at >= ?2",
        )?
        .query_row(params![session_id, time_fmt::unix_now()], user_from_row)
        .optional()?;
    Ok(user.map(|user| (user, session_id)))
}

/// Whether the session (by its id, the token digest) is still live.
pub fn session_alive(conn: &Conn, session_id: &str) -> Result<bool, ApiError> {
    Ok(conn.exists(
        "SELECT 1 FROM sessions WHERE token_hash = ?1 AND expires_at >= ?2",
        params![session_id, time_fmt::unix_now()],
    )?)
}

/// Ends a session.
pub fn delete_session(conn: &Conn, session_id: &str) -> Result<(), ApiError> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [session_id])?;
    Ok(())
}

/// The user with `username`.
pub fn by_username(conn: &Conn, username: &str) -> Result<Option<User>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT id, username, display_name FROM users WHERE username = ?1")?
        .query_row([username], user_from_row)
        .optional()?)
}
