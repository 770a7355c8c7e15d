//! Records as the store's core holds them: an entity of any kind behind one object-safe trait,
//! so that merge, placement, invalidation and GC are compiled once for every kind. The typed
//! [`EntityStore`](super::EntityStore) puts entities in and takes clones out; only the few
//! operations here are compiled per kind.

use std::any::Any;
use std::sync::Arc;

use leptos::prelude::{ArcRwSignal, Set};

use crate::entity::{Entity, Fields, StatusFields};

/// An entity of some kind, shared between a row's confirmed and visible state.
pub(crate) type Rec = Arc<dyn Record>;

/// A pending update's body (the kind's `Patch`), without its type.
pub(crate) type AnyPatch = Arc<dyn Any + Send + Sync>;

/// What the core asks of an entity. Every [`Entity`] is one.
pub(crate) trait Record: Fields + Any + Send + Sync {
    fn record_id(&self) -> &str;
    fn record_version(&self) -> u64;
    fn record_name(&self) -> &str;
    fn record_team(&self) -> Option<&str>;
    /// Whether `other` is an entity of the same kind with equal contents.
    fn same_as(&self, other: &dyn Record) -> bool;
    /// The entity as JSON (only where something stores or hands on records: every method of
    /// a trait object is linked, so an app without these features links no serializer).
    #[cfg(any(
        feature = "persist",
        feature = "tabs",
        feature = "ssr",
        feature = "devtools"
    ))]
    fn json(&self) -> Option<String>;
    /// The entity with a pending update applied (`None`: the patch is of another kind).
    fn patched_by(&self, patch: &(dyn Any + Send + Sync)) -> Option<Rec>;
    /// The entity after a status event's fields (see [`Entity::with_status`]).
    fn with_status_fields(&self, fields: &StatusFields<'_>, version: u64) -> Option<Rec>;
    fn as_any(&self) -> &dyn Any;
}

impl<E: Entity> Record for E {
    fn record_id(&self) -> &str {
        self.id()
    }
    fn record_version(&self) -> u64 {
        self.version()
    }
    fn record_name(&self) -> &str {
        self.name()
    }
    fn record_team(&self) -> Option<&str> {
        self.team_id()
    }
    fn same_as(&self, other: &dyn Record) -> bool {
        other.as_any().downcast_ref::<E>() == Some(self)
    }
    #[cfg(any(
        feature = "persist",
        feature = "tabs",
        feature = "ssr",
        feature = "devtools"
    ))]
    fn json(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }
    fn patched_by(&self, patch: &(dyn Any + Send + Sync)) -> Option<Rec> {
        let patch = patch.downcast_ref::<E::Patch>()?;
        Some(Arc::new(self.patched(patch)))
    }
    fn with_status_fields(&self, fields: &StatusFields<'_>, version: u64) -> Option<Rec> {
        self.with_status(fields, version)
            .map(|next| Arc::new(next) as Rec)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `entity` as a record.
pub(crate) fn rec<E: Entity>(entity: E) -> Rec {
    Arc::new(entity)
}

/// A clone of the entity behind `record`, when it is of kind `E`.
pub(crate) fn typed<E: Entity>(record: &Rec) -> Option<E> {
    record.as_any().downcast_ref::<E>().cloned()
}

/// Whether two optional records hold the same entity (the same allocation, or equal contents).
pub(crate) fn same(a: Option<&Rec>, b: Option<&Rec>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.same_as(&**b),
        _ => false,
    }
}

/// The record's fields, for list placement.
pub(crate) fn fields(record: &Rec) -> &dyn Fields {
    &**record
}

/// A row's signal, typed by the kind that handed it out; the core only publishes to it.
pub(crate) trait RowSignal: Send + Sync {
    /// Sets the signal to `value` (converted to the kind's type).
    fn publish(&self, value: Option<&Rec>);
    fn as_any(&self) -> &dyn Any;
}

impl<E: Entity> RowSignal for ArcRwSignal<Option<E>> {
    fn publish(&self, value: Option<&Rec>) {
        self.set(value.and_then(typed::<E>));
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::{Device, PatchDevice, PatchNamed, Team};

    use super::*;
    use crate::store::tests::device;

    #[test]
    fn records_of_different_kinds_are_never_the_same() {
        let team: Rec = rec(Team {
            id: "x".into(),
            version: 1,
            updated_at: String::new(),
            name: "pump".into(),
            description: String::new(),
        });
        let pump: Rec = rec(device("x", "pump", 1));
        assert!(!same(Some(&team), Some(&pump)));
        assert!(same(Some(&pump), Some(&rec(device("x", "pump", 1)))));
        assert!(!same(Some(&pump), None));
        assert!(
            typed::<Device>(&team).is_none(),
            "a team does not read as a device"
        );
    }

    #[test]
    fn a_patch_of_another_kind_changes_nothing_and_panics_nowhere() {
        let pump: Rec = rec(device("d1", "pump", 1));
        let wrong: AnyPatch = Arc::new(PatchNamed {
            name: Some("renamed".into()),
            description: None,
        });
        assert!(pump.patched_by(&*wrong).is_none());
        let right: AnyPatch = Arc::new(PatchDevice {
            name: Some("renamed".into()),
            ..PatchDevice::default()
        });
        let renamed = pump
            .patched_by(&*right)
            .expect("a device's own patch applies");
        assert_eq!(renamed.record_name(), "renamed");
        assert_eq!(
            pump.record_name(),
            "pump",
            "the confirmed record is untouched"
        );
    }
}
