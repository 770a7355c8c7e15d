//! Watching every row of a store at once: one subscription for a view that shows many rows
//! (a table), instead of a signal and an effect per row. Changed ids are collected only while
//! someone watches. Only the browser's tables watch: an app without `components` compiles none
//! of it.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::StoreCore;

type Watcher = Arc<dyn Fn(&[String]) + Send + Sync>;

/// The row watchers of one store.
#[derive(Default)]
pub(super) struct RowWatchers {
    next: AtomicU64,
    /// How many watchers there are, read without the lock on every row change.
    count: AtomicUsize,
    all: Mutex<Vec<(u64, Watcher)>>,
}

impl RowWatchers {
    /// Whether anyone watches (so changed ids are worth collecting).
    pub(super) fn any(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Tells every watcher that the rows `ids` show other values now (an id may come twice).
    pub(super) fn notify(&self, ids: &[String]) {
        // Watchers may read the store or stop watching: call them without the lock.
        let watchers: Vec<Watcher> = self
            .all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, w)| w.clone())
            .collect();
        for watcher in watchers {
            watcher(ids);
        }
    }
}

/// Keeps a row watch alive; dropping it stops the watch.
#[must_use = "dropping the watch ends it at once"]
pub(crate) struct RowWatch {
    id: u64,
    watchers: Weak<RowWatchers>,
}

impl Drop for RowWatch {
    fn drop(&mut self) {
        if let Some(watchers) = self.watchers.upgrade() {
            let mut all = watchers.all.lock().unwrap_or_else(|p| p.into_inner());
            all.retain(|(id, _)| *id != self.id);
            watchers.count.store(all.len(), Ordering::Relaxed);
        }
    }
}

impl StoreCore {
    /// Calls `watcher` after every batch of changes with the ids whose visible record changed
    /// (created, updated, deleted, an optimistic change made or rolled back; an id may come
    /// more than once), outside the store's lock. The records are read with `peek`.
    pub(crate) fn watch_rows(
        &self,
        watcher: impl Fn(&[String]) + Send + Sync + 'static,
    ) -> RowWatch {
        let watchers = &self.inner.row_watchers;
        let id = watchers.next.fetch_add(1, Ordering::Relaxed);
        let mut all = watchers.all.lock().unwrap_or_else(|p| p.into_inner());
        all.push((id, Arc::new(watcher)));
        watchers.count.store(all.len(), Ordering::Relaxed);
        RowWatch {
            id,
            watchers: Arc::downgrade(watchers),
        }
    }
}
