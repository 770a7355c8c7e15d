//! Drafts across stores: the drafts a kind's lists answer (`drafts=include|only`) go into the
//! `Draft` store, an index finds the open draft of an entity (and the open drafted creates of
//! a kind), and a draft's change refetches the `drafts=only` lists of its kind. Wired by
//! [`DataFarmConfig::drafts`](super::DataFarmConfig::drafts) (`builtin_kinds` calls it): an
//! app without drafts links none of it, nor a store for drafts.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Weak};

use data_farm_protocol::{ChangeOp, Draft};
use leptos::prelude::{ArcRwSignal, Get, Update, With};

use super::FarmInner;
use crate::change::Subscription;
use crate::entity::Entity;
use crate::store::port::DraftsSeen;
use crate::store::{EntityStore, StoreCore};

/// The open drafts the client knows of, by what they change.
#[derive(Debug, Default, Clone, PartialEq)]
struct Open {
    /// (kind, entity id) -> draft id.
    by_entity: HashMap<(String, String), String>,
    /// Drafted creates: draft id -> (kind, team).
    creates: BTreeMap<String, (String, String)>,
}

impl Open {
    /// Records `draft` as it is now; false when nothing changed.
    fn note(&mut self, draft: &Draft) -> bool {
        if !draft.status.is_open() {
            return self.forget(&draft.id);
        }
        match &draft.entity_id {
            Some(entity) => {
                let key = (draft.kind.clone(), entity.clone());
                if self.by_entity.get(&key) == Some(&draft.id) {
                    return false;
                }
                self.forget(&draft.id);
                self.by_entity.insert(key, draft.id.clone());
            }
            None => {
                let place = (draft.kind.clone(), draft.team_id.clone());
                if self.creates.get(&draft.id) == Some(&place) {
                    return false;
                }
                self.forget(&draft.id);
                self.creates.insert(draft.id.clone(), place);
            }
        }
        true
    }

    fn forget(&mut self, draft_id: &str) -> bool {
        let before = self.by_entity.len() + self.creates.len();
        self.by_entity.retain(|_, id| id != draft_id);
        self.creates.remove(draft_id);
        before != self.by_entity.len() + self.creates.len()
    }
}

/// What the farm asks of its drafts. A trait object, so that a farm built without
/// [`DataFarmConfig::drafts`](super::DataFarmConfig::drafts) links neither their code nor
/// their drop.
pub(super) trait DraftIndex: Send + Sync {
    /// The open draft of entity `id` of `kind` (tracked).
    fn draft_of(&self, kind: &str, id: &str) -> Option<Draft>;
    /// The open drafted creates of `kind` in `team` (every team for `None`), newest first
    /// (tracked).
    fn drafted_creates(&self, kind: &str, team: Option<&str>) -> Vec<Draft>;
}

/// Wires drafts into the farm (`None` when the `Draft` kind is not registered): what
/// [`DataFarmConfig::drafts`](super::DataFarmConfig::drafts) names.
pub(super) fn wire(inner: &Arc<FarmInner>) -> Option<Box<dyn DraftIndex>> {
    Drafts::wire(inner).map(|drafts| Box::new(drafts) as Box<dyn DraftIndex>)
}

/// The farm's drafts: their store and the index of the open ones.
struct Drafts {
    store: EntityStore<Draft>,
    open: ArcRwSignal<Open>,
    _subscription: Subscription,
}

impl Drafts {
    /// Wires drafts into the farm (`None` when the `Draft` kind is not registered).
    fn wire(inner: &Arc<FarmInner>) -> Option<Drafts> {
        let store = *inner
            .by_type
            .get(&std::any::TypeId::of::<Draft>())?
            .downcast_ref::<EntityStore<Draft>>()?;
        let open = ArcRwSignal::new(Open::default());
        for (kind, other) in &inner.by_kind {
            if *kind == Draft::KIND {
                continue;
            }
            let open = open.clone();
            other.set_drafts_port(Arc::new(move |seen: DraftsSeen| {
                let drafts = seen.drafts.decode();
                open.maybe_update(|open| seen_on_page(open, seen.kind, &seen.listed, &drafts));
                store.merge_records(drafts);
            }));
        }
        let weak: Weak<FarmInner> = Arc::downgrade(inner);
        let events_open = open.clone();
        let subscription = inner.bus.subscribe(move |change| {
            if change.kind != Draft::KIND {
                return;
            }
            let Some(inner) = weak.upgrade() else { return };
            let draft = match change.op {
                ChangeOp::Deleted => None,
                _ => store.peek(&change.id),
            };
            match &draft {
                Some(draft) => events_open.maybe_update(|open| open.note(draft)),
                None => events_open.maybe_update(|open| open.forget(&change.id)),
            }
            // Which entities have a draft changed: only the server can say which of them a
            // `drafts=only` list now holds.
            let targets: Vec<&StoreCore> = match &draft {
                Some(draft) => inner.by_kind.get(draft.kind.as_str()).into_iter().collect(),
                None => inner.by_kind.values().collect(),
            };
            let team = draft.as_ref().map(|d| d.team_id.as_str());
            for target in targets {
                target.invalidate_drafts_only(team);
            }
        });
        Some(Drafts {
            store,
            open,
            _subscription: subscription,
        })
    }
}

impl DraftIndex for Drafts {
    fn draft_of(&self, kind: &str, id: &str) -> Option<Draft> {
        let key = (kind.to_owned(), id.to_owned());
        let draft_id = self.open.with(|open| open.by_entity.get(&key).cloned())?;
        self.store
            .get(&draft_id)
            .get()
            .filter(|d| d.status.is_open())
    }

    fn drafted_creates(&self, kind: &str, team: Option<&str>) -> Vec<Draft> {
        let ids: Vec<String> = self.open.with(|open| {
            open.creates
                .iter()
                .filter(|(_, (k, t))| k == kind && team.is_none_or(|team| team == t))
                .map(|(id, _)| id.clone())
                .collect()
        });
        let mut drafts: Vec<Draft> = ids
            .iter()
            .filter_map(|id| self.store.get(id).get())
            .filter(|d| d.status.is_open())
            .collect();
        crate::sort::sort_by(&mut drafts, |a, b| {
            b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id))
        });
        drafts
    }
}

/// A page's drafts: each listed entity's draft is the one answered, or none; answered creates
/// are open. False when nothing changed.
fn seen_on_page(open: &mut Open, kind: &str, listed: &[String], drafts: &[Draft]) -> bool {
    let mut changed = false;
    for id in listed {
        let answered = drafts
            .iter()
            .any(|d| d.entity_id.as_deref() == Some(id.as_str()));
        if !answered {
            changed |= open
                .by_entity
                .remove(&(kind.to_owned(), id.clone()))
                .is_some();
        }
    }
    for draft in drafts {
        changed |= open.note(draft);
    }
    changed
}

/// A draft of team `t1` for the tests: of `kind`'s entity `entity` (a create for `None`), at
/// `version`, proposing the name "proposed".
#[cfg(test)]
pub(super) fn draft_for_tests(
    id: &str,
    kind: &str,
    entity: Option<&str>,
    status: data_farm_protocol::DraftStatus,
    version: u64,
) -> Draft {
    use data_farm_protocol::DraftOperation;
    Draft {
        id: id.into(),
        version,
        updated_at: format!("2026-12-01T00:00:0{version}Z"),
        team_id: "t1".into(),
        kind: kind.into(),
        entity_id: entity.map(str::to_owned),
        operation: if entity.is_some() {
            DraftOperation::Update
        } else {
            DraftOperation::Create
        },
        status,
        body: serde_json::json!({"name": "proposed"}),
        base_version: entity.map(|_| 1),
        author_id: "u1".into(),
        name: "proposed".into(),
        comments: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::DraftStatus;

    use super::*;

    fn draft(id: &str, entity: Option<&str>, status: DraftStatus) -> Draft {
        draft_for_tests(id, "device", entity, status, 1)
    }

    #[test]
    fn a_page_replaces_what_it_lists_and_keeps_the_rest() {
        let mut open = Open::default();
        assert!(open.note(&draft("draft_1", Some("d1"), DraftStatus::Draft)));
        assert!(open.note(&draft("draft_2", Some("d9"), DraftStatus::UnderReview)));
        let listed = ["d1".to_owned(), "d2".to_owned()];
        let drafts = [
            draft("draft_3", Some("d2"), DraftStatus::Draft),
            draft("draft_4", None, DraftStatus::Draft),
        ];
        assert!(seen_on_page(&mut open, "device", &listed, &drafts));
        let key = |id: &str| ("device".to_owned(), id.to_owned());
        assert_eq!(open.by_entity.get(&key("d1")), None, "d1's draft ended");
        assert_eq!(open.by_entity[&key("d2")], "draft_3");
        assert_eq!(
            open.by_entity[&key("d9")],
            "draft_2",
            "not on the page: kept"
        );
        assert!(open.creates.contains_key("draft_4"));
        assert!(
            !seen_on_page(&mut open, "device", &listed, &drafts),
            "the same page changes nothing"
        );
    }

    #[test]
    fn an_ended_draft_leaves_the_index() {
        let mut open = Open::default();
        open.note(&draft("draft_1", Some("d1"), DraftStatus::UnderReview));
        open.note(&draft("draft_2", None, DraftStatus::Draft));
        assert!(open.note(&draft("draft_1", Some("d1"), DraftStatus::Effective)));
        assert!(open.note(&draft("draft_2", None, DraftStatus::Cancelled)));
        assert_eq!(open, Open::default());
    }
}
