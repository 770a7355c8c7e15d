//! Fetching: lists and details, joined while in flight, retried with backoff, installed through the merge rule.

use super::effects::Effects;
use super::state::{DetailEntry, ListEntry, Row, State};
use crate::api::ApiError;
use crate::query::ListQuery;
use std::sync::Arc;

use super::kind::RecPage;
use super::record::{fields, Rec};
use super::{place, DetailView, LoadState, Page, Prior, StoreCore};

impl StoreCore {
    /// Runs `call` until it succeeds, fails for good, or the policy's retries are spent
    /// (with the policy's jittered backoff between attempts).
    pub(crate) async fn with_retry<T, F>(&self, mut call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> futures_util::future::LocalBoxFuture<'static, Result<T, ApiError>>,
    {
        let mut attempt = 0;
        loop {
            match call().await {
                Err(err) if err.is_transient() && attempt < self.inner.policy.retries => {
                    let unit = f64::from(self.inner.env.random()) / f64::from(u32::MAX);
                    let wait = self.inner.policy.retry_wait(attempt, unit);
                    self.inner.env.sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Fetches one page now (sharing a fetch already in flight for the same query). Cached data
    /// stays visible meanwhile, with the view `Refreshing`.
    pub async fn fetch_list(&self, query: &ListQuery) -> Result<(), ApiError> {
        let mut starting = self.effects();
        let wait = {
            let mut st = self.lock();
            let entry = st.lists.entry(query.clone()).or_insert_with(ListEntry::new);
            let wait = entry.meta.join_or_start();
            if wait.is_none() {
                entry.meta.started_at = Some(self.now());
                entry.meta.touched.clear();
                // Loading or Refreshing; published once the lock is released.
                starting.list(entry);
            }
            wait
        };
        starting.flush(self);
        if let Some(rx) = wait {
            let _ = rx.await;
            return self
                .lock()
                .lists
                .get(query)
                .and_then(|e| e.meta.error.clone())
                .map_or(Ok(()), Err);
        }
        let api = Arc::clone(&self.inner.ops);
        // The leader tab may already hold a fresh page (feature `tabs`): no request then.
        #[cfg(feature = "tabs")]
        let shared = self.page_from_peer(query).await;
        #[cfg(not(feature = "tabs"))]
        let shared = None;
        #[cfg(feature = "devtools")]
        let from_leader: Vec<(String, u64)> = shared
            .iter()
            .flat_map(|page: &RecPage| page.items.iter())
            .map(|e| (e.record_id().to_owned(), e.record_version()))
            .collect();
        let mut result = match shared {
            Some(page) => Ok(page),
            None => self.with_retry(|| api.get_many(query)).await,
        };
        let drafts = match &mut result {
            Ok(page) if query.drafts != crate::query::DraftsMode::Off => {
                Some(super::port::DraftsSeen {
                    kind: self.kind(),
                    listed: page
                        .items
                        .iter()
                        .map(|e| e.record_id().to_owned())
                        .collect(),
                    drafts: std::mem::take(&mut page.drafts),
                })
            }
            _ => None,
        };
        let mut effects = self.effects();
        let outcome = {
            let mut st = self.lock();
            let now = self.now();
            let outcome = match result {
                Ok(page) => {
                    self.install_page(&mut st, query, page, now, &mut effects);
                    Ok(())
                }
                Err(err) => {
                    if let Some(entry) = st.lists.get_mut(query) {
                        entry.meta.error = Some(err.clone());
                    }
                    Err(err)
                }
            };
            if let Some(entry) = st.lists.get_mut(query) {
                entry.meta.finish();
                effects.list(entry);
            }
            // The fetched records moved in other lists too: their views go out with this one
            // (found by the convergence property test: they kept showing the old order).
            effects.collect_lists(&mut st);
            outcome
        };
        effects.flush(self);
        self.publish_drafts(drafts);
        #[cfg(feature = "devtools")]
        for (id, version) in from_leader {
            self.note_source(&id, version, super::source::Source::LeaderCache);
        }
        outcome
    }

    /// Caches `page` as the answer to `query`, as if it had just been fetched.
    pub fn put_list(&self, query: &ListQuery, page: RecPage) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let now = self.now();
            st.lists.entry(query.clone()).or_insert_with(ListEntry::new);
            self.install_page(&mut st, query, page, now, &mut effects);
            if let Some(entry) = st.lists.get_mut(query) {
                effects.list(entry);
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    /// Installs a fetched (or given) page: merges its records, sets the list's ids and total,
    /// then re-places whatever changed while a fetch was in flight.
    pub(super) fn install_page(
        &self,
        st: &mut State,
        query: &ListQuery,
        page: RecPage,
        now: f64,
        effects: &mut Effects,
    ) {
        st.epoch += 1;
        let epoch = st.epoch;
        let mut fetched = Vec::with_capacity(page.items.len());
        for item in page.items {
            fetched.push((item.record_id().to_owned(), item.record_version()));
            self.merge_fetched(st, item, effects);
        }
        let touched = st
            .lists
            .get_mut(query)
            .map(|e| std::mem::take(&mut e.meta.touched))
            .unwrap_or_default();
        if let Some(entry) = st.lists.get_mut(query) {
            entry.page = Page {
                ids: fetched.iter().map(|(id, _)| id.clone()).collect(),
                total: page.total,
            };
            entry.epoch = epoch;
            entry.meta.fetched_at = Some(now);
            entry.meta.invalidated = false;
            entry.meta.error = None;
        }
        // What changed while the fetch was in flight (newer than the fetched copy, or deleted
        // since) is placed again, so the snapshot cannot undo it.
        self.replace_touched(st, query, &fetched, touched, effects);
        self.doubt_other_pages(st, query, &fetched, page.total, effects);
        if let Some(entry) = st.lists.get(query) {
            effects.persist_page(query, entry);
        }
    }

    /// Rows of a fetched page shown with a change of this client still pending (the copy
    /// fetched is the confirmed one, the page is sorted by it): placed again by what they show,
    /// as when the change was made (found by the convergence property test: a complete list
    /// ended out of order). If that leaves the page for the server to settle, it refetches
    /// when the change ends (see `settle`), not at once.
    fn place_pending(&self, st: &mut State, query: &ListQuery, fetched: &[(String, u64)]) -> usize {
        let mut placed = 0;
        for (id, version) in fetched {
            let State { rows, lists, .. } = st;
            let Some(row) = rows.get(id) else { continue };
            let Some(confirmed) = row.confirmed.as_ref() else {
                continue;
            };
            if row.overlays.is_empty() || confirmed.record_version() != *version {
                continue;
            }
            let Some(entry) = lists.get_mut(query) else {
                return placed;
            };
            placed += 1;
            let lookup = |other: &str| rows.get(other).and_then(|r| r.visible.as_ref().map(fields));
            let placement = place(
                query,
                &mut entry.page,
                id,
                Prior::Known(Some(fields(confirmed))),
                row.visible.as_ref().map(fields),
                &lookup,
            );
            if placement.stale {
                entry.meta.after_mutations = true;
            }
        }
        placed
    }

    /// The pages of one list must agree with a snapshot just installed for one of them: the
    /// same total, and none of its rows. One that does not was moved by events that this
    /// snapshot already holds differently (found by the convergence property test: a row kept
    /// on page 2 after page 1's snapshot took it); it is refetched when observed.
    fn doubt_other_pages(
        &self,
        st: &mut State,
        query: &ListQuery,
        fetched: &[(String, u64)],
        total: u64,
        effects: &mut Effects,
    ) {
        for (other, entry) in st.lists.iter_mut() {
            if other.page == query.page
                || other.per_page != query.per_page
                || entry.meta.fetched_at.is_none()
                || entry.meta.invalidated
                || !other.same_list(query)
            {
                continue;
            }
            let overlaps = entry
                .page
                .ids
                .iter()
                .any(|id| fetched.iter().any(|(f, _)| f == id));
            if overlaps || entry.page.total != total {
                effects.invalidate_list(other, &mut entry.meta);
            }
        }
    }

    /// Re-places, after a fetched page is installed, every id whose record moved on while the
    /// fetch was in flight: fetched copies older than the record (or deleted since), and ids
    /// that changed meanwhile but are not on the fetched page.
    pub(super) fn replace_touched(
        &self,
        st: &mut State,
        query: &ListQuery,
        fetched: &[(String, u64)],
        touched: Vec<String>,
        effects: &mut Effects,
    ) {
        let was_complete = st.lists.get(query).is_some_and(|entry| {
            query.page == 1 && entry.page.ids.len() as u64 == entry.page.total
        });
        let pending = self.place_pending(st, query, fetched);
        let mut candidates: Vec<String> = fetched
            .iter()
            .filter(|(id, version)| {
                st.rows
                    .get(id)
                    .and_then(|row| row.visible.as_ref())
                    .is_none_or(|e| e.record_version() != *version)
            })
            .map(|(id, _)| id.clone())
            .collect();
        candidates.extend(
            touched
                .into_iter()
                .filter(|id| !fetched.iter().any(|(f, _)| f == id)),
        );
        candidates.dedup();
        // Rows placed one by one among others still out of place (behind, or shown with a
        // pending change) can land on the wrong side of one another.
        let several = candidates.len() + pending > 1;
        if several && pending > 0 && !was_complete {
            if let Some(entry) = st.lists.get_mut(query) {
                entry.meta.after_mutations = true;
            }
        }
        let candidates_len = candidates.len();
        for id in candidates {
            let in_page = fetched.iter().any(|(f, _)| *f == id);
            let State { rows, lists, .. } = st;
            let Some(entry) = lists.get_mut(query) else {
                continue;
            };
            let current = rows
                .get(&id)
                .and_then(|row| row.visible.as_ref().map(fields));
            let lookup = |other: &str| {
                rows.get(other)
                    .and_then(|row| row.visible.as_ref().map(fields))
            };
            let complete = query.page == 1 && entry.page.ids.len() as u64 == entry.page.total;
            // On the page it was counted in the total (a listed id counts as "was there"); off a
            // complete page it was not; off a partial page nobody knows.
            let prior = if !in_page && complete {
                Prior::Known(None)
            } else {
                Prior::Unknown
            };
            let placement = place(query, &mut entry.page, &id, prior, current, &lookup);
            // Each one is placed among rows of which others may be behind too; on a partial
            // page that can put a row on the wrong side of a neighbour still to be placed
            // (found by the convergence property test): the page fetches again.
            let placement_stale = placement.stale || (candidates_len > 1 && !was_complete);
            if placement_stale && !entry.meta.invalidated {
                // The snapshot is already behind: an observed page fetches again (found by
                // the convergence property test: it stayed wrong until the next focus).
                effects.invalidate_list(query, &mut entry.meta);
            }
        }
        // A complete list holds every row it shows: put them in order by what they are now.
        if several && was_complete {
            let State { rows, lists, .. } = st;
            if let Some(entry) = lists.get_mut(query) {
                let value = |id: &str| rows.get(id).and_then(|row| row.visible.as_ref());
                if entry.page.ids.iter().all(|id| value(id).is_some()) {
                    crate::sort::sort_by(&mut entry.page.ids, |a, b| match (value(a), value(b)) {
                        (Some(a), Some(b)) => query.compare(fields(a), fields(b)),
                        _ => std::cmp::Ordering::Equal,
                    });
                } else if !entry.meta.invalidated {
                    effects.invalidate_list(query, &mut entry.meta);
                }
            }
        }
    }

    /// Merges a record the server just answered: seen now, as new as every snapshot so far
    /// (the one being installed included), then through the version rule.
    pub(super) fn merge_fetched(&self, st: &mut State, entity: Rec, effects: &mut Effects) {
        let epoch = st.epoch;
        st.rows
            .entry(entity.record_id().to_owned())
            .or_insert_with(Row::new)
            .seen_epoch = epoch;
        self.merge_confirmed(st, entity, None, effects);
    }

    /// Fetches one entity now (sharing a fetch in flight for the same id).
    pub async fn fetch_one(&self, id: &str) -> Result<Option<Rec>, ApiError> {
        let mut starting = self.effects();
        let wait = {
            let mut st = self.lock();
            st.rows.entry(id.to_owned()).or_insert_with(Row::new);
            let entry = st
                .details
                .entry(id.to_owned())
                .or_insert_with(DetailEntry::new);
            let wait = entry.meta.join_or_start();
            if wait.is_none() {
                let state = if entry.meta.fetched_at.is_some() {
                    LoadState::Refreshing
                } else {
                    LoadState::Loading
                };
                let view = DetailView {
                    state,
                    fetched_at: entry.meta.fetched_at,
                    deleted: false,
                };
                starting.detail(entry, view);
            }
            wait
        };
        starting.flush(self);
        if let Some(rx) = wait {
            let _ = rx.await;
            // Bind first: the guard of a `match` scrutinee would live through the arms.
            let error = self
                .lock()
                .details
                .get(id)
                .and_then(|e| e.meta.error.clone());
            return match error {
                Some(err) => Err(err),
                None => Ok(self.peek(id)),
            };
        }
        let api = Arc::clone(&self.inner.ops);
        #[cfg(feature = "tabs")]
        let shared = self.record_from_peer(id).await;
        #[cfg(not(feature = "tabs"))]
        let shared = None;
        #[cfg(feature = "devtools")]
        let from_leader = shared.as_ref().map(|e: &Rec| e.record_version());
        let result = match shared {
            Some(entity) => Ok(entity),
            None => self.with_retry(|| api.get_one(id)).await,
        };
        let mut effects = self.effects();
        let outcome = {
            let mut st = self.lock();
            let now = self.now();
            let outcome = match result {
                Ok(entity) => {
                    self.merge_fetched(&mut st, entity, &mut effects);
                    Ok(st.rows.get(id).and_then(|row| row.visible.clone()))
                }
                Err(ApiError::NotFound { .. }) => {
                    // Gone (or never visible to us): everywhere it shows, it goes.
                    self.remove_confirmed(&mut st, id, None, &mut effects, None);
                    Ok(None)
                }
                Err(err) => Err(err),
            };
            if let Some(entry) = st.details.get_mut(id) {
                entry.meta.finish();
                let answer = outcome.as_ref().map(Option::is_none).map_err(Clone::clone);
                answered(entry, now, answer, &mut effects);
            }
            effects.collect_lists(&mut st);
            outcome
        };
        effects.flush(self);
        #[cfg(feature = "devtools")]
        if let Some(version) = from_leader {
            self.note_source(id, version, super::source::Source::LeaderCache);
        }
        outcome
    }

    /// Caches `entity` as the answer to its detail query, as if it had just been fetched.
    pub fn put_one(&self, entity: Rec) {
        let id = entity.record_id().to_owned();
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let now = self.now();
            st.rows.entry(id.clone()).or_insert_with(Row::new);
            self.merge_fetched(&mut st, entity, &mut effects);
            let entry = st.details.entry(id).or_insert_with(DetailEntry::new);
            answered(entry, now, Ok(false), &mut effects);
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }
}

/// A detail query answered at `now` (`Ok(deleted)`, or the error): fresh from then on, and its
/// view says so.
fn answered(
    entry: &mut DetailEntry,
    now: f64,
    answer: Result<bool, ApiError>,
    effects: &mut Effects,
) {
    entry.meta.fetched_at = Some(now);
    entry.meta.invalidated = false;
    entry.meta.error = answer.as_ref().err().cloned();
    let (state, deleted) = match answer {
        Ok(deleted) => (LoadState::Ready, deleted),
        Err(err) => (LoadState::Error(err), false),
    };
    let view = DetailView {
        state,
        fetched_at: Some(now),
        deleted,
    };
    effects.detail(entry, view);
}
