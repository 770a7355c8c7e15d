//! What a kind of entity must tell the library: its identity, version, owning team, and how
//! its fields read for client-side filtering and sorting.
//!
//! Adding a kind is one type implementing [`Entity`] plus one registration line
//! (`DataFarmConfig::register::<MyKind>()`). The reference backend's kinds (the protocol's
//! `Team`, `Application`, `Instance`, `Device`, `Operation` and `Report`) implement it exactly
//! the same way; an app registers them with `DataFarmConfig::builtin_kinds()` when it uses them.

mod builtin;
mod draft;
mod field;
mod status_fields;
mod work;

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use field::FieldValue;
pub use status_fields::StatusFields;
pub use work::ReadOnly;

/// A kind of server entity held in an [`EntityStore`](crate::store::EntityStore).
///
/// ```
/// use data_farm::entity::{Entity, FieldValue};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// struct Ticket { id: String, version: u64, name: String, team_id: String, updated_at: String }
///
/// #[derive(Debug, Clone, Serialize, Deserialize)]
/// struct NewTicket { name: String, team_id: String }
///
/// #[derive(Debug, Clone, Default, Serialize, Deserialize)]
/// struct TicketPatch { #[serde(skip_serializing_if = "Option::is_none")] name: Option<String> }
///
/// impl Entity for Ticket {
///     const KIND: &'static str = "ticket";
///     const PLURAL: &'static str = "tickets";
///     type Create = NewTicket;
///     type Patch = TicketPatch;
///     fn id(&self) -> &str { &self.id }
///     fn version(&self) -> u64 { self.version }
///     fn name(&self) -> &str { &self.name }
///     fn team_id(&self) -> Option<&str> { Some(&self.team_id) }
///     fn field(&self, field: &str) -> Option<FieldValue<'_>> {
///         match field { "updated_at" => Some(FieldValue::Text(&self.updated_at)), _ => None }
///     }
///     fn patched(&self, patch: &TicketPatch) -> Self {
///         Ticket { name: patch.name.clone().unwrap_or_else(|| self.name.clone()), ..self.clone() }
///     }
/// }
/// ```
pub trait Entity:
    Clone + PartialEq + Debug + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// Singular name, as in events (`"device"`).
    const KIND: &'static str;
    /// Plural name, as in REST paths (`"devices"`).
    const PLURAL: &'static str;
    /// The `POST` body. It is deserializable so that a create queued offline survives a reload.
    type Create: Serialize + DeserializeOwned + Clone + Debug + Send + Sync + 'static;
    /// The `PATCH` body (only the fields to change); deserializable for the same reason.
    type Patch: Serialize + DeserializeOwned + Clone + Debug + Send + Sync + 'static;

    /// Unique id within the kind.
    fn id(&self) -> &str;
    /// Server-assigned version; higher is newer.
    fn version(&self) -> u64;
    /// Display name; lists search it and sort by it by default.
    fn name(&self) -> &str;
    /// The team that owns it (its realtime topic is `team:<id>`), if any.
    fn team_id(&self) -> Option<&str>;

    /// The value of a filterable or sortable field other than `id`, `name` and `team_id`
    /// (those are answered from the methods above). `None` for fields the kind does not have.
    fn field(&self, field: &str) -> Option<FieldValue<'_>>;

    /// The entity with `patch` applied, as the server would apply it (used for optimistic updates).
    fn patched(&self, patch: &Self::Patch) -> Self;

    /// A provisional entity for an optimistic create with a temporary `id`; `None` when the
    /// client cannot build one (the entity then appears when the server confirms it).
    fn draft(_create: &Self::Create, _id: &str) -> Option<Self> {
        None
    }

    /// The entity after a `status` event carrying only the changed status fields, at `version`;
    /// `None` when the kind has no status or the fields are not understood (the store then
    /// refetches the entity).
    ///
    /// ```
    /// # use data_farm::entity::StatusFields;
    /// #[derive(serde::Deserialize)]
    /// struct Status { status: String }
    /// # struct Pump { status: String, version: u64 }
    /// # impl Pump {
    /// fn with_status(&self, fields: &StatusFields<'_>, version: u64) -> Option<Pump> {
    ///     let Status { status } = fields.decode()?;
    ///     Some(Pump { status, version })
    /// }
    /// # }
    /// ```
    fn with_status(&self, _fields: &StatusFields<'_>, _version: u64) -> Option<Self> {
        None
    }

    /// Any field by name, including `id`, `name` and `team_id`.
    fn value_of(&self, field: &str) -> Option<FieldValue<'_>> {
        match field {
            "id" => Some(FieldValue::Text(self.id())),
            "name" => Some(FieldValue::Text(self.name())),
            "team" | "team_id" => self.team_id().map(FieldValue::Text),
            other => self.field(other),
        }
    }
}

/// An entity of any kind as a list sees it: every field by name. Every [`Entity`] is one;
/// [`ListQuery`](crate::query::ListQuery) filters and sorts through it, so its code is compiled
/// once for all kinds rather than once per kind.
///
/// ```
/// use data_farm::entity::{Fields, FieldValue};
/// use data_farm::protocol::Team;
/// let team = Team { id: "t1".into(), version: 1, updated_at: String::new(), name: "Acme".into(), description: String::new() };
/// let fields: &dyn Fields = &team;
/// assert_eq!(fields.field_of("name"), Some(FieldValue::Text("Acme")));
/// ```
pub trait Fields {
    /// The value of `field` (`id`, `name` and `team_id` included), as [`Entity::value_of`].
    fn field_of(&self, field: &str) -> Option<FieldValue<'_>>;
}

impl<E: Entity> Fields for E {
    fn field_of(&self, field: &str) -> Option<FieldValue<'_>> {
        self.value_of(field)
    }
}

/// The text of `field`, when it is text.
pub(crate) fn text_of<'a>(entity: &'a dyn Fields, field: &str) -> Option<&'a str> {
    match entity.field_of(field) {
        Some(FieldValue::Text(text)) => Some(text),
        _ => None,
    }
}
