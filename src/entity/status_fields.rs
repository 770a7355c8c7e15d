//! The fields a realtime `status` event carries.

use std::fmt;

use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

/// The fields a `status` event changes (`{"status":"running"}`), as the server sent them:
/// what [`Entity::with_status`](super::Entity::with_status) applies to a held entity.
///
/// Kept as JSON text and decoded once, straight into the type the kind's status has, rather
/// than through a generic JSON tree (which a browser bundle would otherwise link for this
/// alone).
///
/// ```
/// use data_farm::entity::StatusFields;
///
/// #[derive(serde::Deserialize)]
/// struct Status { status: String }
///
/// let fields = StatusFields::new(r#"{"status":"running","reason":"deploy"}"#);
/// assert_eq!(fields.decode::<Status>().unwrap().status, "running");
/// assert_eq!(fields.names(), Some(vec!["status".to_owned(), "reason".to_owned()]));
/// assert_eq!(StatusFields::new("[1]").names(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFields<'a> {
    json: &'a str,
}

impl<'a> StatusFields<'a> {
    /// The fields in `json`, a JSON object's text (`{"status":"running"}`).
    pub fn new(json: &'a str) -> Self {
        StatusFields { json }
    }

    /// The fields read as a `T` (unknown fields are skipped unless `T` denies them); `None`
    /// when they do not fit `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.json).ok()
    }

    /// The names of the fields, in the order sent; `None` when the text is not a JSON object.
    pub fn names(&self) -> Option<Vec<String>> {
        serde_json::from_str::<Names>(self.json)
            .ok()
            .map(|names| names.0)
    }

    /// The JSON text.
    pub fn json(&self) -> &'a str {
        self.json
    }
}

/// The keys of a JSON object, its values skipped unread.
struct Names(Vec<String>);

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> Visitor<'de> for Keys {
            type Value = Names;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Names, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    names.push(name);
                }
                Ok(Names(names))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_skip_nested_values_and_keep_escaped_keys() {
        let fields = StatusFields::new(r#"{"status":{"a":[1,{"b":2}]},"re\"ason":null}"#);
        assert_eq!(
            fields.names(),
            Some(vec!["status".to_owned(), "re\"ason".to_owned()])
        );
        assert_eq!(StatusFields::new("{}").names(), Some(vec![]));
    }

    #[test]
    fn what_is_not_an_object_has_no_names() {
        for text in ["null", "\"status\"", "7", "[\"status\"]", "{oops"] {
            assert_eq!(StatusFields::new(text).names(), None, "{text}");
        }
    }

    #[test]
    fn fields_that_do_not_fit_decode_to_none() {
        #[derive(Debug, Deserialize)]
        struct Status {
            #[allow(dead_code)]
            status: String,
        }
        assert!(StatusFields::new(r#"{"status":3}"#)
            .decode::<Status>()
            .is_none());
        assert!(StatusFields::new(r#"{"other":"x"}"#)
            .decode::<Status>()
            .is_none());
    }
}
