//! The merge path: every confirmed change (fetch, mutation answer, event) goes through here, and lists follow.

use super::effects::Effects;
use super::state::{Row, State};
use crate::change::{Change, Origin};
use data_farm_protocol::ChangeOp;

use super::record::{fields, same, Rec};
use super::{accepts, place, DetailView, LoadState, Prior, StoreCore};

impl StoreCore {
    /// Applies a confirmed server state through the merge rule, then re-places the entity in
    /// every cached list. `op` is the change to announce, if any. `created` means the entity is
    /// known to be new (a create response or a `created` event).
    pub(super) fn merge_confirmed(
        &self,
        st: &mut State,
        entity: Rec,
        op: Option<(ChangeOp, Origin)>,
        effects: &mut Effects,
    ) -> bool {
        let id = entity.record_id().to_owned();
        let tombstone = st.tombstones.get(&id).map(|(version, _)| *version);
        let row = st.rows.entry(id.clone()).or_insert_with(Row::new);
        let current = row.confirmed.as_ref().map(|e| e.record_version());
        if !accepts(current, tombstone, entity.record_version()) {
            return false;
        }
        let created = matches!(op, Some((ChangeOp::Created, _)));
        let prior_known = row.known || created;
        let team = entity.record_team().map(str::to_owned);
        // The same version again (an event and the answer to one's own request, a refetch) is
        // merged, but it is not news: announced once only.
        let news = !same(row.confirmed.as_ref(), Some(&entity));
        if news {
            effects.persist_record(&id, Some(&entity));
        }
        row.confirmed = Some(entity);
        row.known = true;
        #[cfg(feature = "devtools")]
        {
            row.source = (
                super::source::Source::of(op.map(|(_, o)| o)),
                Some(self.now()),
            );
        }
        self.refresh_row(st, &id, prior_known, effects);
        if let Some((op, origin)) = op.filter(|_| news) {
            effects.changes.push(Change {
                kind: self.kind(),
                op,
                id,
                team_id: team,
                origin,
            });
        }
        true
    }

    /// Records a confirmed deletion (with its version, when known) and removes the entity from
    /// every list.
    pub(super) fn remove_confirmed(
        &self,
        st: &mut State,
        id: &str,
        version: Option<u64>,
        effects: &mut Effects,
        origin: Option<Origin>,
    ) -> bool {
        let tombstone = st.tombstones.get(id).map(|(v, _)| *v);
        let row = st.rows.entry(id.to_owned()).or_insert_with(Row::new);
        let held = row.confirmed.as_ref().map(|e| e.record_version());
        let deleted_at = version.or(held.map(|v| v + 1)).unwrap_or(0);
        if tombstone.is_some_and(|t| t >= deleted_at) && row.confirmed.is_none() {
            return false;
        }
        if held.is_some_and(|h| version.is_some_and(|v| v < h)) {
            return false;
        }
        let team = row
            .confirmed
            .as_ref()
            .and_then(|e| e.record_team().map(str::to_owned));
        let prior_known = row.known;
        row.confirmed = None;
        row.known = true;
        #[cfg(feature = "devtools")]
        {
            row.source = (super::source::Source::of(origin), Some(self.now()));
        }
        effects.persist_record(id, None);
        st.tombstones
            .insert(id.to_owned(), (deleted_at, self.now()));
        self.refresh_row(st, id, prior_known, effects);
        if let Some(entry) = st.details.get_mut(id) {
            let view = DetailView {
                deleted: true,
                state: LoadState::Ready,
                fetched_at: entry.meta.fetched_at,
            };
            effects.detail(entry, view);
        }
        if let Some(origin) = origin {
            effects.changes.push(Change {
                kind: self.kind(),
                op: ChangeOp::Deleted,
                id: id.to_owned(),
                team_id: team,
                origin,
            });
        }
        true
    }

    /// Recomputes a row's visible value; when it changed, updates its signal and re-places it in
    /// every list (lists fetching right now remember it, see `fetch_list`).
    pub(super) fn refresh_row(
        &self,
        st: &mut State,
        id: &str,
        prior_known: bool,
        effects: &mut Effects,
    ) {
        let State { rows, lists, .. } = st;
        let Some(row) = rows.get_mut(id) else { return };
        let next = row.compute_visible();
        if same(next.as_ref(), row.visible.as_ref()) {
            return;
        }
        let before = std::mem::replace(&mut row.visible, next.clone());
        let seen_epoch = row.seen_epoch;
        if let Some(signal) = &row.signal {
            effects
                .rows
                .push((id.to_owned(), signal.clone(), next.clone()));
        }
        #[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
        if self.inner.row_watchers.any() {
            effects.watched.push(id.to_owned());
        }
        let rows = &*rows;
        let lookup = |other: &str| rows.get(other).and_then(|r| r.visible.as_ref().map(fields));
        let (before, next) = (before.as_ref().map(fields), next.as_ref().map(fields));
        for (query, entry) in lists.iter_mut() {
            if entry.meta.in_flight {
                entry.meta.touched.push(id.to_owned());
            }
            if entry.meta.fetched_at.is_none() {
                continue;
            }
            let prior = match prior_known {
                // Fetched before this list's snapshot: the snapshot may hold changes of it
                // whose events are still coming (a delete, say), so its place there is doubtful.
                true if seen_epoch < entry.epoch => Prior::Doubtful(before),
                true => Prior::Known(before),
                false => Prior::Unknown,
            };
            let placement = place(query, &mut entry.page, id, prior, next, &lookup);
            if placement.changed {
                effects.dirty_lists.push(query.clone());
            }
            if placement.stale && !entry.meta.invalidated {
                effects.invalidate_list(query, &mut entry.meta);
                effects.dirty_lists.push(query.clone());
            }
        }
    }
}
