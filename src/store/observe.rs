//! Observing lists and details: who watches what, so fetches start and GC spares them.

use super::state::{DetailEntry, ListEntry, Row};
use crate::query::ListQuery;

use super::StoreCore;

/// The shortest time between two automatic refetches of one list.
pub const REFETCH_EVERY_MS: f64 = 1_000.0;

impl StoreCore {
    /// Counts one more observer of `query` (until `unobserve_list`), and fetches it when
    /// absent or stale.
    pub(crate) fn observe_list(&self, query: &ListQuery) {
        let stale = {
            let mut st = self.lock();
            let entry = st.lists.entry(query.clone()).or_insert_with(ListEntry::new);
            entry.meta.observe();
            self.inner
                .policy
                .is_stale(entry.meta.fetched_at, entry.meta.invalidated, self.now())
        };
        if stale {
            self.spawn_list_fetch(query.clone());
        }
    }

    pub(crate) fn unobserve_list(&self, query: &ListQuery) {
        let now = self.now();
        if let Some(entry) = self.lock().lists.get_mut(query) {
            entry.meta.unobserve(now);
        }
    }

    /// Counts one more observer of detail `id` (until `unobserve_entity`), and fetches it when
    /// absent or stale; an empty `id` observes nothing.
    pub(crate) fn observe_entity(&self, id: &str) {
        let stale = !id.is_empty() && {
            let mut st = self.lock();
            st.rows.entry(id.to_owned()).or_insert_with(Row::new);
            let entry = st
                .details
                .entry(id.to_owned())
                .or_insert_with(DetailEntry::new);
            entry.meta.observe();
            self.inner
                .policy
                .is_stale(entry.meta.fetched_at, entry.meta.invalidated, self.now())
        };
        if stale {
            self.spawn_detail_fetch(id.to_owned());
        }
    }

    pub(crate) fn unobserve_entity(&self, id: &str) {
        let now = self.now();
        if let Some(entry) = self.lock().details.get_mut(id) {
            entry.meta.unobserve(now);
        }
    }

    /// Refetches `query` in the background, at most once per [`REFETCH_EVERY_MS`]: a refetch
    /// asked for sooner after the last one started waits for its turn, and while one waits
    /// further asks join it (it fetches the latest state when it runs). Whatever the event
    /// rate, an observed list costs the server at most one request a second.
    pub(super) fn spawn_list_fetch(&self, query: ListQuery) {
        let wait = {
            let mut st = self.lock();
            let now = self.now();
            match st.lists.get_mut(&query) {
                Some(entry) if entry.meta.refetch_waiting => return,
                Some(entry) => {
                    let wait = entry
                        .meta
                        .started_at
                        .map_or(0.0, |at| at + REFETCH_EVERY_MS - now)
                        .max(0.0);
                    entry.meta.refetch_waiting = wait > 0.0;
                    wait
                }
                None => 0.0,
            }
        };
        let store = self.clone();
        self.inner.env.spawn(Box::pin(async move {
            if wait > 0.0 {
                store.inner.env.sleep(wait).await;
                if let Some(entry) = store.lock().lists.get_mut(&query) {
                    entry.meta.refetch_waiting = false;
                }
            }
            // Fresh by now (its page was put in meanwhile: a server render's answer installed
            // while hydrating, another tab's): nothing to fetch.
            if !store.list_is_stale(&query) {
                return;
            }
            let _ = store.fetch_list(&query).await;
        }));
    }

    /// Whether list `query` is absent, invalidated or older than the stale time.
    fn list_is_stale(&self, query: &ListQuery) -> bool {
        let now = self.now();
        self.lock().lists.get(query).is_none_or(|entry| {
            self.inner
                .policy
                .is_stale(entry.meta.fetched_at, entry.meta.invalidated, now)
        })
    }

    pub(super) fn spawn_detail_fetch(&self, id: String) {
        let store = self.clone();
        self.inner.env.spawn(Box::pin(async move {
            let _ = store.fetch_one(&id).await;
        }));
    }
}
