//! Entity stores: one per kind, the single source of truth for its entities.
//!
//! A store holds one record per entity id (with a signal per record, so an update re-renders
//! only what reads that record), list queries (ordered ids of one page, the total, a load
//! state) and detail queries. Every write goes through one merge rule ([`accepts`]): fetches,
//! mutation responses and realtime events apply only when their version is not older than the
//! record, and deletes leave tombstones. Optimistic changes are overlays over the confirmed
//! record, so a failed mutation rolls back exactly, keeping whatever arrived meanwhile.

mod confirm;
mod drafts;
mod effects;
mod erased;
mod events;
mod fetch;
#[cfg(any(feature = "tabs", feature = "ssr"))]
mod fresh;
mod http_kind;
#[cfg(feature = "devtools")]
mod inspect;
mod invalidate;
mod kind;
mod lookup;
mod membership;
mod merge;
mod mutation;
mod observe;
mod observer;
mod ops;
#[cfg(feature = "persist")]
mod outbox;
#[cfg(feature = "persist")]
mod persisted;
pub(crate) mod port;
mod record;
mod released;
#[cfg(feature = "tabs")]
mod share;
pub(crate) mod slot;
#[cfg(feature = "devtools")]
mod source;
mod state;
mod typed;
mod view;
#[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
mod watch;

#[cfg(feature = "persist")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(feature = "persist")]
use std::sync::{OnceLock, Weak};

use leptos::prelude::*;

use crate::api::ApiError;
use crate::cache::{CachePolicy, Environment};
use crate::change::ChangeBus;
use crate::entity::Entity;
use crate::query::ListQuery;

use effects::Effects;
#[cfg(feature = "persist")]
pub(crate) use effects::StoredPage;
pub use erased::AnyStore;
#[cfg(feature = "devtools")]
pub use inspect::{
    set_tracer, QueryAction, QuerySnapshot, QueryState, RecordSnapshot, StoreSnapshot, Trace,
};
pub use membership::{place, Page, Placement, Prior};
pub use merge::accepts;
pub(crate) use observer::ListWatch;
pub use observer::{EntityObserver, ListObserver};
pub(crate) use ops::{on_routes, over_api, Ops};
#[cfg(feature = "persist")]
pub(crate) use persisted::PersistedStore;
use port::PersistSink;
use record::Rec;
#[cfg(feature = "devtools")]
pub use source::Source;
use state::{DetailEntry, ListEntry, State};
pub use typed::EntityStore;
#[cfg(feature = "components")]
pub(crate) use typed::UntypedStore;
pub use view::{DetailView, ListView, LoadState};

/// A confirmed change to an entity of kind `E`, for after-mutation hooks.
#[derive(Debug, Clone, PartialEq)]
pub enum EntityEvent<E> {
    /// It was created (by this client or anyone).
    Created(E),
    /// It changed (including status-only changes).
    Updated(E),
    /// It was deleted; its id.
    Deleted(String),
}

/// How a realtime event fared in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// It changed the record (or confirmed a deletion).
    Applied,
    /// It was older than what the store holds (or a duplicate of a deletion): ignored.
    Stale,
    /// Its data did not decode as this kind: ignored, nothing lost.
    Malformed,
    /// It could not be applied locally (e.g. a status change of an entity never fetched, where
    /// a list filters by status): what may show it is being refetched.
    Refetching,
    /// It concerns an entity the store does not hold, and it changes no field any cached list
    /// filters, searches or sorts by (a status change on lists sorted by name): nothing can
    /// show it, so nothing is refetched.
    Unseen,
}

struct Inner {
    /// The kind's API and serde.
    ops: Arc<Ops>,
    env: Arc<dyn Environment>,
    policy: CachePolicy,
    bus: ChangeBus,
    state: Mutex<State>,
    /// The persistence layer, when the farm has one.
    #[cfg(feature = "persist")]
    persist: OnceLock<Weak<dyn PersistSink>>,
    /// Whether this kind's records are persisted now.
    #[cfg(feature = "persist")]
    persisting: AtomicBool,
    /// Who may already hold a fresh answer (the leader tab), asked before the server.
    #[cfg(feature = "tabs")]
    peer: Mutex<Option<Arc<dyn port::PeerCache>>>,
    /// Where the drafts answered beside a list go (set by the farm when it has drafts).
    drafts: std::sync::OnceLock<port::DraftsPort>,
    /// Who hears of every changed row (a table's one subscription).
    #[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
    row_watchers: Arc<crate::change::Listeners<[String]>>,
}

/// The store of one kind without its type: records, tombstones, overlays, list placement,
/// invalidation and GC, compiled once for every kind. [`EntityStore`] is its typed face; the
/// farm holds it as it is, `DataFarm::store_of_kind` hands it out as an [`AnyStore`] and
/// persistence holds it as a `PersistedStore`. Cheap to clone.
#[derive(Clone)]
pub(crate) struct StoreCore {
    inner: Arc<Inner>,
}

/// Whether `query` reads any of the fields named (every field, for `None`: fields that are
/// not an object cannot be told apart).
fn reads_any(query: &ListQuery, names: Option<&[String]>) -> bool {
    match names {
        Some(names) => names.iter().any(|field| query.reads_field(field)),
        None => true,
    }
}

/// A temporary id, also the create's idempotency key: unique across kinds, page loads and
/// tabs (the clock, this store's counter and a random part), so two tabs never send one key
/// for two creates, and an offline create keeps it until the server assigns the real one,
/// possibly after a reload.
fn temp_id(kind: &str, now: f64, mutation: u64, random: u32) -> String {
    format!("tmp-{kind}-{}-{mutation}-{random:08x}", now as u64)
}

impl StoreCore {
    /// A core fetching through `ops`, timed by `env`, announcing on `bus`.
    fn new(ops: Ops, env: Arc<dyn Environment>, policy: CachePolicy, bus: ChangeBus) -> Self {
        StoreCore {
            inner: Arc::new(Inner {
                ops: Arc::new(ops),
                env,
                policy,
                bus,
                state: Mutex::new(State::default()),
                #[cfg(feature = "persist")]
                persist: OnceLock::new(),
                #[cfg(feature = "persist")]
                persisting: AtomicBool::new(false),
                #[cfg(feature = "tabs")]
                peer: Mutex::new(None),
                drafts: std::sync::OnceLock::new(),
                #[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
                row_watchers: Arc::default(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now(&self) -> f64 {
        self.inner.env.now()
    }

    fn kind(&self) -> &'static str {
        self.inner.ops.kind()
    }

    /// A batch of effects; it records changes for persistence when this kind is persisted.
    fn effects(&self) -> Effects {
        #[cfg(feature = "persist")]
        let recording = self.inner.persisting.load(Ordering::Relaxed);
        // Without the feature nothing records: the recording code is dead and compiled out.
        #[cfg(not(feature = "persist"))]
        let recording = false;
        Effects::recording(recording)
    }

    #[cfg(feature = "persist")]
    fn attach_persistence(&self, sink: Weak<dyn PersistSink>) {
        let _ = self.inner.persist.set(sink);
    }

    #[cfg(feature = "persist")]
    fn set_persisting(&self, on: bool) {
        self.inner.persisting.store(on, Ordering::Relaxed);
    }

    /// The persistence layer, while the farm that has one lives (never without `persist`).
    fn sink(&self) -> Option<Arc<dyn PersistSink>> {
        #[cfg(feature = "persist")]
        {
            self.inner.persist.get()?.upgrade()
        }
        #[cfg(not(feature = "persist"))]
        {
            None
        }
    }

    /// A body's JSON text as the outbox keeps it, a JSON value (`null` when the body had
    /// none). Parsed only when there is an outbox: without one nothing reads it, and an app
    /// without `persist` links no JSON value reader for it. The typed store writes the text, so
    /// no second, `Value`-based serializer is compiled per type.
    fn outbox_body(&self, text: &Result<String, ApiError>) -> serde_json::Value {
        if self.sink().is_none() {
            return serde_json::Value::Null;
        }
        text.as_ref()
            .ok()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    /// The visible record `id`, untracked.
    fn peek(&self, id: &str) -> Option<Rec> {
        self.lock().rows.get(id).and_then(|row| row.visible.clone())
    }

    /// The records of a list view, in order, untracked.
    fn peek_list(&self, query: &ListQuery) -> Vec<Rec> {
        let st = self.lock();
        st.lists
            .get(query)
            .map(|entry| {
                entry
                    .page
                    .ids
                    .iter()
                    .filter_map(|id| st.rows.get(id)?.visible.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The signal of a list query's view (created idle when new).
    pub(crate) fn list_view(&self, query: &ListQuery) -> ArcReadSignal<ListView> {
        let mut st = self.lock();
        st.lists
            .entry(query.clone())
            .or_insert_with(ListEntry::new)
            .signal
            .read_only()
    }

    /// The signal of a detail query's state.
    fn detail_view(&self, id: &str) -> ArcReadSignal<DetailView> {
        let mut st = self.lock();
        st.details
            .entry(id.to_owned())
            .or_insert_with(DetailEntry::new)
            .signal
            .read_only()
    }

    /// The entity a 409 `conflict` carries, read as this kind.
    fn conflict_current(&self, err: &ApiError) -> Option<Rec> {
        match err {
            ApiError::Conflict {
                current: Some(current),
                ..
            } => self.inner.ops.decode(current.get()).ok(),
            _ => None,
        }
    }
}

/// The current entity a 409 `conflict` carries, decoded as `E`.
///
/// ```
/// use data_farm::api::ApiError;
/// use data_farm::store::conflict_current;
/// use data_farm::protocol::{JsonText, Team};
/// let err = ApiError::Conflict {
///     message: "changed".into(),
///     current: JsonText::parse(r#"{"id":"team_1","version":4,"updated_at":"","name":"Acme"}"#.into()).ok(),
/// };
/// assert_eq!(conflict_current::<Team>(&err).unwrap().version, 4);
/// ```
pub fn conflict_current<E: Entity>(err: &ApiError) -> Option<E> {
    match err {
        ApiError::Conflict {
            current: Some(current),
            ..
        } => current.decode().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
