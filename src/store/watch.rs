//! Watching every row of a store at once: one subscription for a view that shows many rows
//! (a table), instead of a signal and an effect per row. Changed ids are collected only while
//! someone watches. Only the browser's tables watch: an app without `components` compiles none
//! of it.

use super::StoreCore;
use crate::change::Subscription;

impl StoreCore {
    /// Calls `watcher` after every batch of changes with the ids whose visible record changed
    /// (created, updated, deleted, an optimistic change made or rolled back; an id may come
    /// more than once), outside the store's lock, until the subscription drops. The records
    /// are read with `peek`.
    pub(crate) fn watch_rows(
        &self,
        watcher: impl Fn(&[String]) + Send + Sync + 'static,
    ) -> Subscription {
        self.inner.row_watchers.subscribe(watcher)
    }
}
