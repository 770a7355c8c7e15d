//! [`TopicSet`]: a few names, kept sorted.

use data_farm_protocol::StrMap;

/// A sorted set of a few names (a user's teams, the topics awaiting their `subscribed`): the
/// names of a [`StrMap`] without values. A subscriber holds a handful of topics, and a
/// `BTreeSet`'s code is several kilobytes of a wasm download for no gain at that size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TopicSet(StrMap<()>);

impl TopicSet {
    /// The names of `items`, each once.
    pub fn of(items: impl IntoIterator<Item = String>) -> Self {
        TopicSet(items.into_iter().map(|item| (item, ())).collect())
    }

    /// Adds `name`; `false` if it was there already.
    pub fn insert(&mut self, name: String) -> bool {
        self.0.insert(name, ()).is_none()
    }

    /// Removes `name`; `false` if it was not there.
    pub fn remove(&mut self, name: &str) -> bool {
        self.0.remove(name).is_some()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.keys()
    }
}

#[cfg(test)]
mod tests {
    use super::TopicSet;

    #[test]
    fn holds_each_name_once_in_order() {
        let mut set = TopicSet::of(["b".to_owned(), "a".to_owned(), "b".to_owned()]);
        assert_eq!(set.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(!set.insert("a".to_owned()), "already there");
        assert!(set.insert("c".to_owned()));
        assert!(set.contains("c") && !set.contains("d"));
        assert!(set.remove("a"));
        assert!(!set.remove("a"), "already gone");
        assert_eq!(set.iter().collect::<Vec<_>>(), ["b", "c"]);
        set.clear();
        assert!(set.is_empty());
    }
}
