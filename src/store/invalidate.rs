//! Invalidation, focus refetches, garbage collection, purging a team, clearing.

use super::state::State;
use crate::change::{Change, InvalidationRule};
use crate::query::ListQuery;

use super::{DetailView, Page, StoreCore};

impl StoreCore {
    /// Marks stale every list and detail that `rule` covers for `change`; observed ones refetch now.
    pub fn invalidate_for(&self, rule: &InvalidationRule, change: &Change) {
        self.invalidate_where(
            |query| rule.covers_list(change, query),
            |team| rule.covers_detail(change, team),
        );
    }

    /// Marks every query stale; observed ones refetch now.
    pub fn invalidate_all(&self) {
        self.invalidate_where(|_| true, |_| true);
    }

    pub(super) fn invalidate_where(
        &self,
        lists: impl Fn(&ListQuery) -> bool,
        details: impl Fn(Option<&str>) -> bool,
    ) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let State {
                rows,
                lists: entries,
                details: detail_entries,
                ..
            } = &mut *st;
            for (query, entry) in entries.iter_mut().filter(|(q, _)| lists(q)) {
                effects.invalidate_list(query, &mut entry.meta);
                effects.dirty_lists.push(query.clone());
            }
            for (id, entry) in detail_entries.iter_mut() {
                let team = rows
                    .get(id)
                    .and_then(|r| r.visible.as_ref())
                    .and_then(|e| e.record_team().map(str::to_owned));
                if details(team.as_deref()) {
                    entry.meta.invalidated = true;
                    if entry.meta.observers > 0 {
                        effects.refetch_details.push(id.clone());
                    }
                }
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    /// Refetches every observed query that is stale now (on window focus and reconnect).
    pub fn revalidate_observed(&self) {
        let now = self.now();
        let (lists, details) = {
            let st = self.lock();
            let policy = &self.inner.policy;
            let lists: Vec<ListQuery> = st
                .lists
                .iter()
                .filter(|(_, e)| e.meta.observed_and_stale(policy, now))
                .map(|(q, _)| q.clone())
                .collect();
            let details: Vec<String> = st
                .details
                .iter()
                .filter(|(_, e)| e.meta.observed_and_stale(policy, now))
                .map(|(id, _)| id.clone())
                .collect();
            (lists, details)
        };
        for query in lists {
            self.spawn_list_fetch(query);
        }
        for id in details {
            self.spawn_detail_fetch(id);
        }
    }

    /// Drops queries unobserved for longer than the gc time, rows no remaining query shows, and
    /// tombstones older than the gc time.
    pub fn collect_garbage(&self) {
        let now = self.now();
        let policy = self.inner.policy.clone();
        let mut st = self.lock();
        st.lists.retain(|_, e| {
            e.meta.in_flight
                || !policy.is_collectable(e.meta.observers, e.meta.unobserved_since, now)
        });
        st.details.retain(|_, e| {
            e.meta.in_flight
                || !policy.is_collectable(e.meta.observers, e.meta.unobserved_since, now)
        });
        st.tombstones.retain(|_, (_, at)| now - *at < policy.gc_ms);
        let State {
            rows,
            lists,
            details,
            ..
        } = &mut *st;
        // A row whose signal was handed out stays: a view may still read it, and it must keep
        // receiving updates.
        rows.retain(|id, row| {
            row.handed_out
                || !row.overlays.is_empty()
                || details.contains_key(id)
                || lists.values().any(|e| e.page.ids.iter().any(|x| x == id))
        });
    }

    /// Forgets every entity of `team_id` and every list filtered to it (after access was revoked).
    pub fn purge_team(&self, team_id: &str) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let ids: Vec<String> = st
                .rows
                .iter()
                .filter(|(_, row)| {
                    row.visible
                        .as_ref()
                        .or(row.confirmed.as_ref())
                        .and_then(|e| e.record_team())
                        == Some(team_id)
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in ids {
                if let Some(row) = st.rows.get_mut(&id) {
                    row.confirmed = None;
                    row.overlays.clear();
                    row.known = true;
                }
                self.refresh_row(&mut st, &id, true, &mut effects);
            }
            st.lists
                .retain(|query, _| query.team.as_deref() != Some(team_id));
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    /// Forgets everything (on sign-out): every record becomes absent, every list empty and idle.
    /// Signals already handed out stay connected and show the emptiness.
    pub fn clear(&self) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let ids: Vec<String> = st.rows.keys().cloned().collect();
            for id in &ids {
                if let Some(row) = st.rows.get_mut(id) {
                    row.confirmed = None;
                    row.overlays.clear();
                    row.known = false;
                }
                self.refresh_row(&mut st, id, false, &mut effects);
            }
            st.tombstones.clear();
            for (query, entry) in st.lists.iter_mut() {
                entry.page = Page::default();
                entry.meta.fetched_at = None;
                entry.meta.error = None;
                entry.meta.invalidated = false;
                effects.dirty_lists.push(query.clone());
            }
            for entry in st.details.values_mut() {
                entry.meta.fetched_at = None;
                effects.detail(entry, DetailView::default());
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    /// Counts of what the store holds: (rows, lists, details, tombstones). For tests and dashboards.
    pub fn stats(&self) -> (usize, usize, usize, usize) {
        let st = self.lock();
        (
            st.rows.len(),
            st.lists.len(),
            st.details.len(),
            st.tombstones.len(),
        )
    }
}
