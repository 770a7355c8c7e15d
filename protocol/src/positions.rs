//! [`Positions`]: where a client stands in each topic it follows.

use std::fmt;

use litemap::LiteMap;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The last `seq` seen (or to resume from) in each topic, by topic name: the `since` of a
/// subscription and the answer of `GET /positions`. On the wire it is a JSON object of topic
/// names to numbers, `{"team:t1": 12, "user:u1": 3}`.
///
/// A client follows a handful of topics, so the map is a sorted vector (`litemap`): a lookup
/// is a binary search, and its code is a fraction of a `BTreeMap`'s in a wasm download.
///
/// ```
/// use data_farm_protocol::Positions;
///
/// let mut positions: Positions = [("team:t1".to_owned(), 12)].into_iter().collect();
/// positions.insert("user:u1".to_owned(), 3);
/// assert_eq!(positions.get("team:t1"), Some(12));
/// assert_eq!(serde_json::to_string(&positions).unwrap(), r#"{"team:t1":12,"user:u1":3}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Positions(LiteMap<String, u64>);

impl Positions {
    /// No topic.
    pub fn new() -> Self {
        Positions::default()
    }

    /// The position in `topic`, if known.
    pub fn get(&self, topic: &str) -> Option<u64> {
        self.0.get(topic).copied()
    }

    /// Whether `topic` has a position.
    pub fn contains_key(&self, topic: &str) -> bool {
        self.0.contains_key(topic)
    }

    /// Sets the position in `topic`, returning the one it had.
    pub fn insert(&mut self, topic: String, seq: u64) -> Option<u64> {
        self.0.insert(topic, seq)
    }

    /// Forgets `topic`, returning its position.
    pub fn remove(&mut self, topic: &str) -> Option<u64> {
        self.0.remove(topic)
    }

    /// The topics and their positions, in topic order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.0.iter().map(|(topic, seq)| (topic.as_str(), *seq))
    }

    /// The topics, in order.
    pub fn topics(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.keys().map(String::as_str)
    }

    /// How many topics have a position.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no topic has a position.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, u64)> for Positions {
    /// Later pairs of a topic win over earlier ones.
    fn from_iter<I: IntoIterator<Item = (String, u64)>>(pairs: I) -> Self {
        let mut positions = Positions::new();
        positions.extend(pairs);
        positions
    }
}

impl<const N: usize> From<[(String, u64); N]> for Positions {
    fn from(pairs: [(String, u64); N]) -> Self {
        pairs.into_iter().collect()
    }
}

impl Extend<(String, u64)> for Positions {
    fn extend<I: IntoIterator<Item = (String, u64)>>(&mut self, pairs: I) {
        for (topic, seq) in pairs {
            self.0.insert(topic, seq);
        }
    }
}

// By hand rather than litemap's `serde` feature, which writes an empty map as `[]`: the wire
// contract is an object, whatever it holds.
impl Serialize for Positions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter())
    }
}

impl<'de> Deserialize<'de> for Positions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Positions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of topic names to positions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Positions, A::Error> {
                let mut positions = Positions::new();
                while let Some((topic, seq)) = map.next_entry::<String, u64>()? {
                    positions.insert(topic, seq);
                }
                Ok(positions)
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_topics_in_order_and_the_last_position_of_each() {
        let positions: Positions = [
            ("b".to_owned(), 1),
            ("a".to_owned(), 2),
            ("b".to_owned(), 5),
        ]
        .into_iter()
        .collect();
        assert_eq!(positions.iter().collect::<Vec<_>>(), [("a", 2), ("b", 5)]);
        assert_eq!(positions.topics().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(positions.len(), 2);
        assert_eq!(
            Positions::from([("a".to_owned(), 2), ("b".to_owned(), 5)]),
            positions
        );
    }

    #[test]
    fn insert_and_remove_answer_the_previous_position() {
        let mut positions = Positions::new();
        assert_eq!(positions.insert("t".to_owned(), 1), None);
        assert_eq!(positions.insert("t".to_owned(), 4), Some(1));
        assert!(positions.contains_key("t"));
        assert_eq!(positions.remove("t"), Some(4));
        assert_eq!(positions.remove("t"), None);
        assert!(positions.is_empty());
    }

    #[test]
    fn is_a_json_object_on_the_wire() {
        let positions: Positions =
            serde_json::from_str(r#"{"user:u1": 3, "team:t1": 12}"#).expect("an object");
        assert_eq!(positions.get("team:t1"), Some(12));
        assert_eq!(positions.get("user:u1"), Some(3));
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
    }
}
