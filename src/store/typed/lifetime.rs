//! The typed store's invalidation and lifetime: what marks its queries stale, what it
//! forgets and when, and the hook on its confirmed changes.

use data_farm_protocol::ChangeOp;

use super::EntityStore;
use crate::change::{Change, InvalidationRule};
use crate::entity::Entity;
use crate::store::EntityEvent;

impl<E: Entity> EntityStore<E> {
    /// Marks stale every list and detail that `rule` covers for `change`; observed ones refetch now.
    pub fn invalidate_for(&self, rule: &InvalidationRule, change: &Change) {
        self.core().invalidate_for(rule, change);
    }

    /// Marks every query stale; observed ones refetch now.
    pub fn invalidate_all(&self) {
        self.core().invalidate_all();
    }

    /// Marks stale the `drafts=only` lists that may show `team`'s entities (all of them for
    /// `None`); observed ones refetch (coalesced, like every revalidation).
    pub fn invalidate_drafts_only(&self, team: Option<&str>) {
        self.core().invalidate_drafts_only(team);
    }

    /// Refetches every observed query that is stale now (on window focus and reconnect).
    pub fn revalidate_observed(&self) {
        self.core().revalidate_observed();
    }

    /// Drops queries unobserved for longer than the gc time, rows no remaining query shows, and
    /// tombstones older than the gc time.
    pub fn collect_garbage(&self) {
        self.core().collect_garbage();
    }

    /// Forgets every entity of `team_id` and every list filtered to it (after access was revoked).
    pub fn purge_team(&self, team_id: &str) {
        self.core().purge_team(team_id);
    }

    /// Forgets everything (on sign-out): every record becomes absent, every list empty and idle.
    /// Signals already handed out stay connected and show the emptiness.
    pub fn clear(&self) {
        self.core().clear();
    }

    /// Counts of what the store holds: (rows, lists, details, tombstones). For tests and dashboards.
    pub fn stats(&self) -> (usize, usize, usize, usize) {
        self.core().stats()
    }

    /// Calls `hook` after every confirmed change of this kind, local or remote, with the entity
    /// as the store now holds it. Dropping the subscription stops it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use data_farm::farm::DataFarmConfig;
    /// use data_farm::protocol::{ChangeOp, Team};
    /// use data_farm::store::EntityEvent;
    ///
    /// let farm = DataFarmConfig::new("").builtin_kinds().build();
    /// let teams = farm.store::<Team>().unwrap();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let sink = seen.clone();
    /// let _hook = teams.on_change(move |event| sink.lock().unwrap().push(event));
    /// let team = Team { id: "t1".into(), version: 1, updated_at: String::new(), name: "Acme".into(), description: String::new() };
    /// teams.apply_event(ChangeOp::Created, "t1", 1, Some(&serde_json::value::to_raw_value(&team).unwrap()));
    /// assert_eq!(*seen.lock().unwrap(), vec![EntityEvent::Created(team)]);
    /// ```
    pub fn on_change(
        &self,
        hook: impl Fn(EntityEvent<E>) + Send + Sync + 'static,
    ) -> crate::change::Subscription {
        let store = *self;
        self.core().inner.bus.subscribe(move |change| {
            if change.kind != E::KIND {
                return;
            }
            let event = match change.op {
                ChangeOp::Deleted => Some(EntityEvent::Deleted(change.id.clone())),
                ChangeOp::Created => store.peek(&change.id).map(EntityEvent::Created),
                ChangeOp::Updated | ChangeOp::Status => {
                    store.peek(&change.id).map(EntityEvent::Updated)
                }
            };
            if let Some(event) = event {
                hook(event);
            }
        })
    }
}
