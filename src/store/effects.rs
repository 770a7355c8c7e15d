//! Work decided under the store's lock and done after it is released: signal writes (which may
//! wake reactive code that reads the store), change announcements and refetches.

use leptos::prelude::*;

use std::sync::Arc;

use super::record::{Rec, RowSignal};
use super::state::{DetailEntry, ListEntry, QueryMeta, State};
use super::view::{DetailView, ListView, LoadState};
use super::StoreCore;
use crate::change::Change;
use crate::query::ListQuery;

#[derive(Default)]
pub struct Effects {
    /// Row signal updates, by row id.
    pub rows: Vec<(String, Arc<dyn RowSignal>, Option<Rec>)>,
    /// Rows whose visible record changed, for the store's row watchers (collected only while
    /// someone watches; an id may come more than once).
    #[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
    pub watched: Vec<String>,
    lists: Vec<(ArcRwSignal<ListView>, ListView)>,
    details: Vec<(ArcRwSignal<DetailView>, DetailView)>,
    pub dirty_lists: Vec<ListQuery>,
    pub refetch_lists: Vec<ListQuery>,
    pub refetch_details: Vec<String>,
    pub refetch_observed: bool,
    pub changes: Vec<Change>,
    /// Whether confirmed changes are recorded for persistence.
    pub persist: bool,
    /// Confirmed records changed (JSON, `None` when deleted), for persistence.
    pub persisted: Vec<(String, Option<String>)>,
    /// List pages changed (key, JSON), for persistence.
    pub pages: Vec<(String, String)>,
}

/// The persisted form of a cached list page.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredPage {
    pub query: ListQuery,
    pub ids: Vec<String>,
    pub total: u64,
}

impl StoredPage {
    /// The key and JSON of `query`'s page, for persistence.
    pub fn encode(query: &ListQuery, entry: &ListEntry) -> Option<(String, String)> {
        let key = serde_json::to_string(query).ok()?;
        let value = serde_json::to_string(&StoredPage {
            query: query.clone(),
            ids: entry.page.ids.clone(),
            total: entry.page.total,
        })
        .ok()?;
        Some((key, value))
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

impl Effects {
    /// A batch that records confirmed changes for persistence when `persist` is set.
    pub fn recording(persist: bool) -> Self {
        Effects {
            persist,
            ..Effects::default()
        }
    }

    /// Whether this batch records for persistence: never without the `persist` feature, so
    /// the recording code (JSON encoding of records and pages) is not compiled in then.
    fn records(&self) -> bool {
        cfg!(feature = "persist") && self.persist
    }

    /// Records a confirmed record change for persistence (when this batch records).
    pub fn persist_record(&mut self, id: &str, value: Option<&Rec>) {
        // Without the feature records are never encoded: nothing links their serializers.
        #[cfg(feature = "persist")]
        if self.records() {
            let json = value.and_then(|e| e.json());
            if value.is_none() || json.is_some() {
                self.persisted.push((id.to_owned(), json));
            }
        }
        #[cfg(not(feature = "persist"))]
        let _ = (id, value);
    }

    /// Records a list page for persistence (when this batch records).
    pub fn persist_page(&mut self, query: &ListQuery, entry: &ListEntry) {
        if self.records() && entry.meta.fetched_at.is_some() {
            self.pages.extend(StoredPage::encode(query, entry));
        }
    }
    /// Queues the view of a list entry.
    pub fn list(&mut self, entry: &ListEntry) {
        self.lists.push((entry.signal.clone(), list_view(entry)));
    }

    /// Queues a detail view.
    pub fn detail(&mut self, entry: &DetailEntry, view: DetailView) {
        self.details.push((entry.signal.clone(), view));
    }

    /// Marks list `query` stale; if someone observes it, it fetches again once this batch is
    /// flushed.
    pub fn invalidate_list(&mut self, query: &ListQuery, meta: &mut QueryMeta) {
        meta.invalidated = true;
        if meta.observers > 0 {
            self.refetch_lists.push(query.clone());
        }
    }

    /// Queues the views of every list marked dirty.
    pub fn collect_lists(&mut self, st: &mut State) {
        let dirty = std::mem::take(&mut self.dirty_lists);
        // Each list once, in the order of its query string (one key per list, not two a
        // comparison).
        let keys: Vec<String> = dirty.iter().map(ListQuery::to_query_string).collect();
        let order = crate::sort::order(keys.len(), &mut |a, b| keys[a].cmp(&keys[b]));
        let mut previous: Option<usize> = None;
        for at in order {
            if previous.is_some_and(|p| keys[p] == keys[at] && dirty[p] == dirty[at]) {
                continue;
            }
            previous = Some(at);
            let query = &dirty[at];
            if let Some(entry) = st.lists.get(query) {
                self.lists.push((entry.signal.clone(), list_view(entry)));
                self.persist_page(query, entry);
            }
        }
    }

    /// Does it all, outside the lock. When a batch touched a row or list several times, only
    /// its last value is published.
    pub fn flush(self, store: &StoreCore) {
        let records = self.records();
        let mut published = std::collections::HashSet::new();
        for (id, signal, value) in self.rows.into_iter().rev() {
            if published.insert(id) {
                signal.publish(value.as_ref());
            }
        }
        #[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
        if !self.watched.is_empty() {
            store.inner.row_watchers.emit(&self.watched);
        }
        for (signal, value) in self.lists {
            if signal.with_untracked(|current| *current != value) {
                signal.set(value);
            }
        }
        for (signal, value) in self.details {
            signal.set(value);
        }
        if records && (!self.persisted.is_empty() || !self.pages.is_empty()) {
            if let Some(sink) = store.sink() {
                sink.record(store.kind(), self.persisted, self.pages);
            }
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
