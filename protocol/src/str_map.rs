//! [`StrMap`]: a small map keyed by names, and [`Positions`], one of topic positions.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Index;

use litemap::LiteMap;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A map from names to values, kept in name order: a list's filters (field to value), an
/// error's reasons (field to message), the positions of a client's topics. On the wire it is
/// a JSON object.
///
/// Such maps hold a handful of entries, so this is a sorted vector (`litemap`): a lookup is a
/// binary search, and its code is a fraction of a `BTreeMap`'s in a wasm download.
///
/// ```
/// use data_farm_protocol::StrMap;
///
/// let mut filters: StrMap<String> = StrMap::from([("status".to_owned(), "online".to_owned())]);
/// filters.insert("model".to_owned(), "pump".to_owned());
/// assert_eq!(filters.get("status").map(String::as_str), Some("online"));
/// assert_eq!(filters.keys().collect::<Vec<_>>(), ["model", "status"]);
/// assert_eq!(
///     serde_json::to_string(&filters).unwrap(),
///     r#"{"model":"pump","status":"online"}"#
/// );
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StrMap<V>(LiteMap<String, V>);

/// The last `seq` seen (or to resume from) in each topic, by topic name: the `since` of a
/// subscription and the answer of `GET /positions`, `{"team:t1": 12, "user:u1": 3}`.
///
/// ```
/// use data_farm_protocol::Positions;
///
/// let positions: Positions = [("team:t1".to_owned(), 12)].into();
/// assert_eq!(positions.get("team:t1"), Some(&12));
/// assert_eq!(serde_json::to_string(&positions).unwrap(), r#"{"team:t1":12}"#);
/// ```
pub type Positions = StrMap<u64>;

impl<V> StrMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        StrMap(LiteMap::new())
    }

    /// The value of `name`, if any.
    pub fn get(&self, name: &str) -> Option<&V> {
        self.0.get(name)
    }

    /// The value of `name`, to change in place.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut V> {
        self.0.get_mut(name)
    }

    /// Whether `name` has a value.
    pub fn contains_key(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Sets the value of `name`, returning the one it had.
    pub fn insert(&mut self, name: String, value: V) -> Option<V> {
        self.0.insert(name, value)
    }

    /// Removes `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<V> {
        self.0.remove(name)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The names and their values, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> + '_ {
        self.0.iter().map(|(name, value)| (name.as_str(), value))
    }

    /// The names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.keys().map(String::as_str)
    }

    /// How many names have a value.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V> Default for StrMap<V> {
    fn default() -> Self {
        StrMap::new()
    }
}

impl<V: fmt::Debug> fmt::Debug for StrMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V> Index<&str> for StrMap<V> {
    type Output = V;

    /// The value of `name`.
    ///
    /// # Panics
    /// When `name` has none (like `BTreeMap`'s index); [`StrMap::get`] does not panic.
    fn index(&self, name: &str) -> &V {
        match self.get(name) {
            Some(value) => value,
            None => panic!("no entry named {name:?}"),
        }
    }
}

impl<V> FromIterator<(String, V)> for StrMap<V> {
    /// A later entry of a name wins over an earlier one.
    fn from_iter<I: IntoIterator<Item = (String, V)>>(entries: I) -> Self {
        let mut map = StrMap::new();
        map.extend(entries);
        map
    }
}

impl<V, const N: usize> From<[(String, V); N]> for StrMap<V> {
    fn from(entries: [(String, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<V> Extend<(String, V)> for StrMap<V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, entries: I) {
        for (name, value) in entries {
            self.0.insert(name, value);
        }
    }
}

impl<V> IntoIterator for StrMap<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;

    /// The entries, in name order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_tuple_vec().into_iter()
    }
}

// By hand rather than litemap's `serde` feature, which writes an empty map as `[]`: the wire
// contract is an object, whatever it holds.
impl<V: Serialize> Serialize for StrMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for StrMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = StrMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrMap<V>, A::Error> {
                let mut entries = StrMap::new();
                while let Some((name, value)) = map.next_entry::<String, V>()? {
                    entries.insert(name, value);
                }
                Ok(entries)
            }
        }
        deserializer.deserialize_map(Entries(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_names_in_order_and_the_last_value_of_each() {
        let positions: Positions = [
            ("b".to_owned(), 1),
            ("a".to_owned(), 2),
            ("b".to_owned(), 5),
        ]
        .into_iter()
        .collect();
        assert_eq!(positions.iter().collect::<Vec<_>>(), [("a", &2), ("b", &5)]);
        assert_eq!(positions.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(positions.len(), 2);
        assert_eq!(positions["b"], 5);
        assert_eq!(
            Positions::from([("a".to_owned(), 2), ("b".to_owned(), 5)]),
            positions
        );
        assert_eq!(
            positions.clone().into_iter().collect::<Vec<_>>(),
            [("a".to_owned(), 2), ("b".to_owned(), 5)]
        );
        assert_eq!(format!("{positions:?}"), r#"{"a": 2, "b": 5}"#);
    }

    #[test]
    fn insert_and_remove_answer_the_previous_value() {
        let mut map = StrMap::new();
        assert_eq!(map.insert("t".to_owned(), "x"), None);
        assert_eq!(map.insert("t".to_owned(), "y"), Some("x"));
        assert!(map.contains_key("t"));
        if let Some(value) = map.get_mut("t") {
            *value = "w";
        }
        assert_eq!(map.get("t"), Some(&"w"));
        assert_eq!(map.remove("t"), Some("w"));
        assert_eq!(map.remove("t"), None);
        assert!(map.is_empty());
        map.insert("u".to_owned(), "z");
        map.clear();
        assert!(map.is_empty());
    }

    #[test]
    fn is_a_json_object_on_the_wire() {
        let positions: Positions =
            serde_json::from_str(r#"{"user:u1": 3, "team:t1": 12}"#).expect("an object");
        assert_eq!(positions.get("team:t1"), Some(&12));
        assert_eq!(positions.get("user:u1"), Some(&3));
        assert_eq!(
            serde_json::to_string(&positions).expect("serializes"),
            r#"{"team:t1":12,"user:u1":3}"#
        );
        assert_eq!(
            serde_json::to_string(&Positions::new()).expect("serializes"),
            "{}"
        );
        let wrong = serde_json::from_str::<Positions>(r#"{"t": "twelve"}"#);
        assert!(wrong.is_err(), "a position is a number");
        let texts: StrMap<String> = serde_json::from_str(r#"{"name":"is required"}"#).expect("ok");
        assert_eq!(texts["name"], "is required");
    }
}
