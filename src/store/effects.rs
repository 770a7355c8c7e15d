//! Work decided under the store's lock and done after it is released: signal writes (which may
//! wake reactive code that reads the store), change announcements and refetches.

use leptos::prelude::*;

use super::state::{DetailEntry, ListEntry, State};
use super::view::{DetailView, ListView, LoadState};
use super::EntityStore;
use crate::change::Change;
use crate::entity::Entity;
use crate::query::ListQuery;

pub struct Effects<E: Entity> {
    /// Row signal updates, by row id.
    pub rows: Vec<(String, ArcRwSignal<Option<E>>, Option<E>)>,
    lists: Vec<(ArcRwSignal<ListView>, ListView)>,
    details: Vec<(ArcRwSignal<DetailView>, DetailView)>,
    pub dirty_lists: Vec<ListQuery>,
    pub refetch_lists: Vec<ListQuery>,
    pub refetch_details: Vec<String>,
    pub refetch_observed: bool,
    pub changes: Vec<Change>,
}

impl<E: Entity> Default for Effects<E> {
    fn default() -> Self {
        Effects {
            rows: Vec::new(),
            lists: Vec::new(),
            details: Vec::new(),
            dirty_lists: Vec::new(),
            refetch_lists: Vec::new(),
            refetch_details: Vec::new(),
            refetch_observed: false,
            changes: Vec::new(),
        }
    }
}

/// The view a list entry shows now.
pub fn list_view(entry: &ListEntry) -> ListView {
    let state = match (
        &entry.meta.error,
        entry.meta.in_flight,
        entry.meta.fetched_at,
    ) {
        (_, true, Some(_)) => LoadState::Refreshing,
        (_, true, None) => LoadState::Loading,
        (Some(err), false, _) => LoadState::Error(err.clone()),
        (None, false, Some(_)) => LoadState::Ready,
        (None, false, None) => LoadState::Idle,
    };
    ListView {
        ids: entry.page.ids.clone(),
        total: entry.page.total,
        state,
        fetched_at: entry.meta.fetched_at,
        stale: entry.meta.invalidated,
    }
}

impl<E: Entity> Effects<E> {
    /// Queues the view of a list entry.
    pub fn list(&mut self, entry: &ListEntry) {
        self.lists.push((entry.signal.clone(), list_view(entry)));
    }

    /// Queues a detail view.
    pub fn detail(&mut self, entry: &DetailEntry, view: DetailView) {
        self.details.push((entry.signal.clone(), view));
    }

    /// Queues the views of every list marked dirty.
    pub fn collect_lists(&mut self, st: &mut State<E>) {
        let mut dirty = std::mem::take(&mut self.dirty_lists);
        dirty.sort_by_key(|q| q.to_query_string());
        dirty.dedup();
        for query in dirty {
            if let Some(entry) = st.lists.get(&query) {
                self.lists.push((entry.signal.clone(), list_view(entry)));
            }
        }
    }

    /// Does it all, outside the lock. When a batch touched a row or list several times, only
    /// its last value is published.
    pub fn flush(self, store: &EntityStore<E>) {
        let mut published = std::collections::HashSet::new();
        for (id, signal, value) in self.rows.into_iter().rev() {
            if published.insert(id) {
                signal.set(value);
            }
        }
        for (signal, value) in self.lists {
            if signal.with_untracked(|current| *current != value) {
                signal.set(value);
            }
        }
        for (signal, value) in self.details {
            signal.set(value);
        }
        for change in &self.changes {
            store.inner.bus.emit(change);
        }
        let mut refetch = self.refetch_lists;
        refetch.dedup();
        for query in refetch {
            store.spawn_list_fetch(query);
        }
        for id in self.refetch_details {
            store.spawn_detail_fetch(id);
        }
        if self.refetch_observed {
            store.revalidate_observed();
        }
    }
}
