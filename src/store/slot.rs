//! Where the cores behind [`EntityStore`](super::EntityStore) handles live, so that a handle is
//! a `Copy` key (the Leptos way) rather than a shared pointer every closure must clone.
//!
//! A core is put in once and removed by whoever owns it: the farm that built it (when the
//! farm's last clone is dropped), or the reactive owner a store made on its own was made
//! under. A handle that outlives its core finds nothing here; the typed face then answers as
//! an empty store whose requests fail (see `EntityStore::core`).
//!
//! One table for the process, not Leptos's arena: a server renders each request under an
//! owner of its own and reads stores from a blocking thread outside it, where a per-request
//! arena (Leptos's `sandboxed-arenas`) would not be found.

use std::sync::{Mutex, MutexGuard};

use super::StoreCore;

/// A store's place in the table. A slot reused by another store has another generation, so
/// an old key never reaches the new store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    index: u32,
    generation: u32,
}

struct Entry {
    generation: u32,
    core: Option<StoreCore>,
}

struct Table {
    entries: Vec<Entry>,
    free: Vec<u32>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    entries: Vec::new(),
    free: Vec::new(),
});

fn table() -> MutexGuard<'static, Table> {
    TABLE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Puts `core` in the table.
pub(crate) fn insert(core: StoreCore) -> Key {
    let mut table = table();
    if let Some(index) = table.free.pop() {
        if let Some(entry) = table.entries.get_mut(index as usize) {
            entry.core = Some(core);
            return Key {
                index,
                generation: entry.generation,
            };
        }
    }
    let index = u32::try_from(table.entries.len()).unwrap_or(u32::MAX);
    table.entries.push(Entry {
        generation: 0,
        core: Some(core),
    });
    Key {
        index,
        generation: 0,
    }
}

/// The core of `key`, while it is in the table.
pub(crate) fn get(key: Key) -> Option<StoreCore> {
    let table = table();
    table
        .entries
        .get(key.index as usize)
        .filter(|entry| entry.generation == key.generation)
        .and_then(|entry| entry.core.clone())
}

/// Takes the core of `key` out (nothing when it is out already).
pub(crate) fn remove(key: Key) {
    let removed = {
        let mut table = table();
        let removed = table
            .entries
            .get_mut(key.index as usize)
            .filter(|entry| entry.generation == key.generation && entry.core.is_some())
            .and_then(|entry| {
                entry.generation = entry.generation.wrapping_add(1);
                entry.core.take()
            });
        if removed.is_some() {
            table.free.push(key.index);
        }
        removed
    };
    // Dropped outside the lock: a core's last reference drops its signals.
    drop(removed);
}

/// Keeps a core in the table while it lives (a farm holds one per store it built).
pub(crate) struct Owned(pub Key);

impl Drop for Owned {
    fn drop(&mut self) {
        remove(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reaches_its_core_until_removed_and_never_a_later_one_in_its_slot() {
        let first = super::super::tests::core();
        let key = insert(first);
        assert!(get(key).is_some());
        remove(key);
        assert!(get(key).is_none());
        remove(key);
        let reused = insert(super::super::tests::core());
        assert!(
            get(key).is_none(),
            "an old key does not reach the slot's next core"
        );
        assert!(get(reused).is_some());
        drop(Owned(reused));
        assert!(get(reused).is_none());
    }
}
