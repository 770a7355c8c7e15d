//! Realtime events: one event or a frame's batch, applied through the merge rule.

use super::effects::Effects;
use super::state::State;
use crate::change::Origin;
use crate::entity::StatusFields;
use data_farm_protocol::ChangeOp;

use super::{accepts, reads_any, Applied, StoreCore};

impl StoreCore {
    /// Applies a realtime event of this kind through the merge rule: `created`/`updated` carry
    /// the whole entity, `status` only status fields, `deleted` nothing.
    pub fn apply_event(
        &self,
        op: ChangeOp,
        id: &str,
        version: u64,
        data: Option<&serde_json::value::RawValue>,
    ) -> Applied {
        self.apply_events(&[(op, id, version, data)])
            .pop()
            .unwrap_or(Applied::Stale)
    }

    /// Applies several realtime events at once: one lock, and each list view and row signal is
    /// published once however many of the events touched it (a frame's worth of events costs
    /// one reactive update).
    pub fn apply_events(
        &self,
        events: &[(ChangeOp, &str, u64, Option<&serde_json::value::RawValue>)],
    ) -> Vec<Applied> {
        let mut effects = self.effects();
        #[cfg(feature = "devtools")]
        let mut echoes: Vec<(String, String)> = Vec::new();
        let outcomes = {
            let mut st = self.lock();
            let outcomes = events
                .iter()
                .map(|(op, id, version, data)| {
                    // For the devtools timeline: an event for a version this store already
                    // holds (the echo of one's own change), or one older than it.
                    #[cfg(feature = "devtools")]
                    let held = super::inspect::tracing().then(|| {
                        st.rows
                            .get(*id)
                            .and_then(|r| r.confirmed.as_ref().map(|e| e.record_version()))
                    });
                    let applied = self.apply_one(&mut st, *op, id, *version, *data, &mut effects);
                    #[cfg(feature = "devtools")]
                    match held {
                        Some(Some(v)) if v == *version => {
                            echoes.push((
                                id.to_string(),
                                format!("realtime echo of v{v} (already held)"),
                            ));
                        }
                        Some(_) if applied == Applied::Stale => {
                            echoes.push((
                                id.to_string(),
                                format!("realtime {} v{version} ignored (not newer)", op.as_str()),
                            ));
                        }
                        _ => {}
                    }
                    applied
                })
                .collect();
            effects.collect_lists(&mut st);
            outcomes
        };
        effects.flush(self);
        #[cfg(feature = "devtools")]
        for (id, step) in echoes {
            super::inspect::trace(self.kind(), &id, || step);
        }
        outcomes
    }

    pub(super) fn apply_one(
        &self,
        st: &mut State,
        op: ChangeOp,
        id: &str,
        version: u64,
        data: Option<&serde_json::value::RawValue>,
        effects: &mut Effects,
    ) -> Applied {
        match op {
            ChangeOp::Created | ChangeOp::Updated => {
                match data.and_then(|raw| self.inner.ops.decode(raw.get()).ok()) {
                    Some(entity) if entity.record_id() == id => {
                        if self.merge_confirmed(st, entity, Some((op, Origin::Remote)), effects) {
                            Applied::Applied
                        } else {
                            Applied::Stale
                        }
                    }
                    _ => Applied::Malformed,
                }
            }
            ChangeOp::Deleted => {
                if self.remove_confirmed(st, id, Some(version), effects, Some(Origin::Remote)) {
                    Applied::Applied
                } else {
                    Applied::Stale
                }
            }
            ChangeOp::Status => {
                let tombstone = st.tombstones.get(id).map(|(v, _)| *v);
                let held = st.rows.get(id).and_then(|row| row.confirmed.clone());
                let fields = data.map(|raw| StatusFields::new(raw.get()));
                match (held, fields) {
                    (_, None) => Applied::Malformed,
                    (Some(entity), Some(fields)) => {
                        if !accepts(Some(entity.record_version()), tombstone, version) {
                            Applied::Stale
                        } else if entity.record_version() + 1 < version {
                            // Only the status fields, over a copy missing a change between:
                            // patched, it would be a state the server never had (found by the
                            // convergence property test). The entity is fetched instead.
                            effects.refetch_details.push(id.to_owned());
                            Applied::Refetching
                        } else if let Some(next) = entity.with_status_fields(&fields, version) {
                            self.merge_confirmed(st, next, Some((op, Origin::Remote)), effects);
                            Applied::Applied
                        } else {
                            effects.refetch_details.push(id.to_owned());
                            Applied::Refetching
                        }
                    }
                    (None, Some(_)) if tombstone.is_some_and(|t| version <= t) => Applied::Stale,
                    (None, Some(fields)) => {
                        // Never fetched: no row shows it. Only a list that filters, searches or
                        // sorts by a field this event changes can gain, lose or move it, and
                        // only such a list is refetched (when observed); the rest stay fresh.
                        let names = fields.names();
                        let mut reached = false;
                        for (query, entry) in st.lists.iter_mut() {
                            if reads_any(query, names.as_deref()) {
                                entry.meta.invalidated = true;
                                reached = true;
                            }
                        }
                        if reached {
                            effects.refetch_observed = true;
                            Applied::Refetching
                        } else {
                            Applied::Unseen
                        }
                    }
                }
            }
        }
    }
}
