//! The key layout of persisted data. Every key starts with the user it belongs to, so one
//! user's data can be read and deleted by prefix and a second user of the same browser never
//! reads the first one's rows.
//!
//! ```text
//! <user>/r/<kind>/<id>        a record (the entity as the server confirmed it)
//! <user>/l/<kind>/<query>     a list page (ordered ids and the total)
//! <user>/o/<seq>              an outbox item (seq zero-padded, so keys sort in queue order)
//! ~meta/schema                the schema version of everything else
//! ~meta/session               the last signed-in session, for starting offline
//! ```

/// Escapes `/` and `%` so that a part can never reach into another part of a key.
fn escape(part: &str) -> String {
    part.replace('%', "%25").replace('/', "%2F")
}

/// The prefix of everything `user` owns.
pub fn user(user: &str) -> String {
    format!("{}/", escape(user))
}

/// The prefix of a user's records of `kind`.
pub fn records(user_id: &str, kind: &str) -> String {
    format!("{}r/{}/", user(user_id), escape(kind))
}

/// The key of one record.
pub fn record(user_id: &str, kind: &str, id: &str) -> String {
    format!("{}{}", records(user_id, kind), escape(id))
}

/// The prefix of every record of a user, whatever the kind.
pub fn all_records(user_id: &str) -> String {
    format!("{}r/", user(user_id))
}

/// The prefix of every list page of a user, whatever the kind.
pub fn all_lists(user_id: &str) -> String {
    format!("{}l/", user(user_id))
}

/// The (escaped) kind of a key under `prefix` (one of the `all_*` prefixes).
pub fn kind_after<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    key.strip_prefix(prefix)?.split('/').next()
}

/// The prefix of a user's list pages of `kind`.
pub fn lists(user_id: &str, kind: &str) -> String {
    format!("{}l/{}/", user(user_id), escape(kind))
}

/// The key of one list page (`query` as its query string).
pub fn list(user_id: &str, kind: &str, query: &str) -> String {
    format!("{}{}", lists(user_id, kind), escape(query))
}

/// The prefix of a user's outbox.
pub fn outbox(user_id: &str) -> String {
    format!("{}o/", user(user_id))
}

/// Whether `key` is an outbox item of some user: changes the server has not seen, which no
/// migration or recovery may delete.
pub fn is_outbox_item(key: &str) -> bool {
    let mut parts = key.splitn(3, '/');
    let user = parts.next().unwrap_or("");
    !user.starts_with('~') && parts.next() == Some("o") && parts.next().is_some()
}

/// The key of one outbox item.
pub fn outbox_item(user_id: &str, seq: u64) -> String {
    format!("{}{seq:016}", outbox(user_id))
}

/// The schema version entry.
pub const SCHEMA: &str = "~meta/schema";
/// The last session entry.
pub const SESSION: &str = "~meta/session";

/// The part of `key` after `prefix`, unescaped.
pub fn rest(key: &str, prefix: &str) -> Option<String> {
    key.strip_prefix(prefix)
        .map(|rest| rest.replace("%2F", "/").replace("%25", "%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_items_are_told_from_everything_else() {
        assert!(is_outbox_item(&outbox_item("alice", 3)));
        assert!(is_outbox_item(&outbox_item("a/o", 3)));
        assert!(!is_outbox_item(&record("alice", "o", "x")));
        assert!(!is_outbox_item(&list("alice", "team", "")));
        assert!(!is_outbox_item(SCHEMA));
        assert!(!is_outbox_item(SESSION));
    }

    #[test]
    fn a_user_id_cannot_reach_into_another_users_keys() {
        assert_ne!(user("a/r"), user("a"));
        assert!(!record("a/r", "team", "x").starts_with(&user("a")));
        assert_eq!(
            rest(&record("u", "team", "t/1"), &records("u", "team")).as_deref(),
            Some("t/1")
        );
    }

    #[test]
    fn outbox_keys_sort_in_queue_order() {
        assert!(outbox_item("u", 9) < outbox_item("u", 10));
        assert!(outbox_item("u", 10).starts_with(&outbox("u")));
    }
}
