//! Hooks over reads by id: a record looked up in a batch, and the live version history and
//! audit trail of an entity.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use data_farm_protocol::{AuditEntry, ListResponse, VersionEntry};
use futures_util::future::LocalBoxFuture;
use leptos::prelude::*;

use super::use_store;
use crate::api::ApiError;
use crate::entity::Entity;
use crate::farm::DataFarm;
use crate::store::{LoadState, StoreCore};

/// Entity `id` (which may change over time), fetched when the store lacks it, batched with
/// every other id looked up in the same turn (see
/// [`EntityStore::lookup`](crate::store::EntityStore::lookup)): a column of names costs one
/// request, not one per row.
///
/// ```no_run
/// use data_farm::prelude::*;
/// use data_farm::hooks::use_lookup;
/// use leptos::prelude::*;
///
/// #[component]
/// fn OwnerName(application_id: String) -> impl IntoView {
///     let app = use_lookup::<Application>(application_id);
///     move || app.get().map(|a| a.name).unwrap_or_default()
/// }
/// ```
pub fn use_lookup<E: Entity>(id: impl Into<Signal<String>>) -> Signal<Option<E>> {
    let store = use_store::<E>();
    let id: Signal<String> = id.into();
    Signal::derive(move || {
        let id = id.get();
        if id.is_empty() {
            return None;
        }
        store.lookup(&id).get()
    })
}

/// A page of a read-only trail (versions or audit) of one entity that stays live: it is
/// fetched again whenever the entity changes in the store (an edit here, an event from
/// elsewhere), so a new version shows without a reload.
pub struct UseTrail<T: Send + Sync + 'static> {
    /// The entries of the page, newest first (empty while loading).
    pub entries: Signal<Vec<T>>,
    /// How many entries the trail holds over all pages.
    pub total: Signal<u64>,
    /// `Loading` before the first answer, `Refreshing` while fetching again, `Ready`, or the
    /// last error.
    pub state: Signal<LoadState>,
}

/// The version of entity `id` in its store (`None` while unknown or deleted).
type VersionOf = Box<dyn Fn(&str) -> Option<u64>>;

/// What a trail needs of its entity's kind, without the type: the store (the trail's reads
/// are retried like the store's own) and the entity's version there, read so that the trail
/// follows it.
struct TrailKind {
    store: StoreCore,
    version: VersionOf,
}

/// Fetches a page of a trail: (farm, id, page, per page).
type FetchPage<T> = Arc<
    dyn Fn(&DataFarm, &str, u32, u32) -> LocalBoxFuture<'static, Result<ListResponse<T>, ApiError>>
        + Send
        + Sync,
>;

/// The [`TrailKind`] of kind `E`, from the provided farm.
fn trail_kind<E: Entity>() -> TrailKind {
    let store = use_store::<E>();
    TrailKind {
        store: store.core(),
        version: Box::new(move |id| store.lookup(id).with(|e| e.as_ref().map(|e| e.version()))),
    }
}

/// A live trail. Generic over the entry type only: the kind reaches it through `kind` and
/// `fetch`, so an app with trails of five kinds compiles its effect and request once per
/// entry type (before, once per kind and entry type: about 1.5 KB of wasm each).
fn use_trail<T: Clone + Send + Sync + 'static>(
    id: Signal<String>,
    page: Signal<u32>,
    per_page: u32,
    revision: Signal<u64>,
    kind: TrailKind,
    fetch: FetchPage<T>,
) -> UseTrail<T> {
    let TrailKind { store, version } = kind;
    let farm = super::use_data_farm();
    let entries = RwSignal::new(Vec::<T>::new());
    let total = RwSignal::new(0u64);
    let state = RwSignal::new(LoadState::Loading);
    let generation = Arc::new(AtomicU64::new(0));
    crate::effect::effect(move || {
        let id = id.get();
        let page = page.get().max(1);
        // The entity's version: a new one (or its deletion) fetches the trail again.
        let _version = version(&id);
        // Whatever else the trail follows (a team's: every change in the team).
        let _revision = revision.get();
        if id.is_empty() {
            return;
        }
        let turn = generation.fetch_add(1, Ordering::Relaxed) + 1;
        state.update(|s| {
            if matches!(s, LoadState::Ready | LoadState::Error(_)) && total.get_untracked() > 0 {
                *s = LoadState::Refreshing;
            }
        });
        let (farm, generation, fetch, store) = (
            farm.clone(),
            Arc::clone(&generation),
            Arc::clone(&fetch),
            store.clone(),
        );
        leptos::task::spawn_local(async move {
            // Retried like the store's own reads.
            let result = store.with_retry(|| fetch(&farm, &id, page, per_page)).await;
            // Only the newest request's answer is shown.
            if generation.load(Ordering::Relaxed) != turn {
                return;
            }
            match result {
                Ok(answer) => {
                    total.set(answer.total);
                    entries.set(answer.items);
                    state.set(LoadState::Ready);
                }
                Err(err) => state.set(LoadState::Error(err)),
            }
        });
    });
    UseTrail {
        entries: entries.into(),
        total: total.into(),
        state: state.into(),
    }
}

/// The kept versions of entity `id`, page `page` (1-based) of `per_page`, newest first, live.
pub fn use_versions<E: Entity>(
    id: impl Into<Signal<String>>,
    page: impl Into<Signal<u32>>,
    per_page: u32,
) -> UseTrail<VersionEntry> {
    use_trail(
        id.into(),
        page.into(),
        per_page,
        Signal::stored(0),
        trail_kind::<E>(),
        Arc::new(|farm, id, page, per_page| farm.versions::<E>(id, page, per_page)),
    )
}

/// The audit trail of entity `id` (who changed which fields, when), page `page` (1-based) of
/// `per_page`, newest first, live.
pub fn use_audit<E: Entity>(
    id: impl Into<Signal<String>>,
    page: impl Into<Signal<u32>>,
    per_page: u32,
) -> UseTrail<AuditEntry> {
    use_trail(
        id.into(),
        page.into(),
        per_page,
        Signal::stored(0),
        trail_kind::<E>(),
        Arc::new(|farm, id, page, per_page| farm.audit::<E>(id, page, per_page)),
    )
}

/// The audit trail of the whole team `team` (every change of its entities: who, what, which
/// fields, when), page `page` of `per_page`, newest first, live: a change of any of the
/// team's entities that reaches this client (its own, or realtime's) fetches it again, at most
/// once a second however fast they come. Needs the `Team` kind registered.
pub fn use_team_audit(
    team: impl Into<Signal<String>>,
    page: impl Into<Signal<u32>>,
    per_page: u32,
) -> UseTrail<AuditEntry> {
    let team: Signal<String> = team.into();
    let revision = RwSignal::new(0u64);
    let pending = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let subscription = super::use_data_farm().changes().subscribe(move |change| {
        let ours = team.with_untracked(|t| change.team_id.as_deref() == Some(t.as_str()));
        if ours && !pending.swap(true, Ordering::Relaxed) {
            let pending = Arc::clone(&pending);
            // Coalesced: one refetch for a burst (a status storm would otherwise refetch
            // the trail on every event).
            set_timeout(
                move || {
                    pending.store(false, Ordering::Relaxed);
                    revision.try_update(|r| *r += 1);
                },
                std::time::Duration::from_secs(1),
            );
        }
    });
    on_cleanup(move || drop(subscription));
    use_trail(
        team,
        page.into(),
        per_page,
        revision.into(),
        trail_kind::<data_farm_protocol::Team>(),
        Arc::new(|farm, id, page, per_page| {
            farm.audit::<data_farm_protocol::Team>(id, page, per_page)
        }),
    )
}
