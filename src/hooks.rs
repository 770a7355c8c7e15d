//! Leptos integration: install a farm into context and read stores from components.

use std::sync::{Arc, Mutex};

use leptos::prelude::*;

use crate::entity::Entity;
use crate::farm::{DataFarm, DataFarmConfig};
use crate::query::ListQuery;
use crate::store::{DetailView, EntityStore, ListView, ListWatch, StoreCore};

mod list_controller;
mod trail;
#[cfg(feature = "router")]
mod url_binding;

pub use list_controller::{use_list_controller, ListController, Selection};
pub use trail::{use_audit, use_lookup, use_team_audit, use_versions, UseTrail};

/// Builds a farm from `config` and provides it to the current component and its children.
/// In the browser it also refetches observed stale queries when the window regains focus or
/// the network comes back, and collects unobserved data every minute.
///
/// ```no_run
/// use data_farm::prelude::*;
/// use leptos::prelude::*;
///
/// #[component]
/// fn App() -> impl IntoView {
///     provide_data_farm(DataFarmConfig::new("").builtin_kinds());
///     view! { <Devices/> }
/// }
///
/// #[component]
/// fn Devices() -> impl IntoView {
///     let devices = use_list::<Device>(ListQuery::new().team("team_1"));
///     view! { <p>{move || format!("{} devices", devices.view.get().total)}</p> }
/// }
/// ```
pub fn provide_data_farm(config: DataFarmConfig) -> DataFarm {
    let farm = config.build();
    provide_farm(farm.clone());
    farm
}

/// Provides a farm built beforehand to the components below, as [`provide_data_farm`] does
/// with one it builds: for a farm filled before the first render (from a server render's
/// snapshot, `DataFarm::hydrate`).
pub fn provide_farm(farm: DataFarm) {
    #[cfg(target_arch = "wasm32")]
    browser::watch(&farm);
    provide_context(farm);
}

/// The farm provided by an ancestor.
///
/// # Panics
/// When no ancestor called [`provide_data_farm`]: a wiring mistake, not a runtime condition.
pub fn use_data_farm() -> DataFarm {
    use_context::<DataFarm>()
        .expect("data-farm: call provide_data_farm(...) in an ancestor component first")
}

/// The store of kind `E` from the provided farm.
///
/// # Panics
/// When `E` was not registered in the farm's config (a wiring mistake).
pub fn use_store<E: Entity>() -> EntityStore<E> {
    use_data_farm().store::<E>().unwrap_or_else(|| {
        panic!(
            "data-farm: kind `{}` is not registered; add .register::<…>()",
            E::KIND
        )
    })
}

/// A list kept current for as long as the calling component lives. A `Copy` handle: move it
/// into as many closures as need it.
pub struct UseList<E: Entity> {
    /// The store (for row signals and actions).
    pub store: EntityStore<E>,
    /// The list's view: ids, total, load state.
    pub view: Signal<ListView>,
}

impl<E: Entity> Clone for UseList<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: Entity> Copy for UseList<E> {}

/// Observes the list `query` (which may change over time) while the component lives.
pub fn use_list<E: Entity>(query: impl Into<Signal<ListQuery>>) -> UseList<E> {
    let store = use_store::<E>();
    let view = watch_list(&store.core(), query.into());
    UseList { store, view }
}

/// The view of the list `query` selects, observed in `core` for as long as the calling
/// component lives, following `query` as it changes (of any kind: compiled once).
fn watch_list(core: &StoreCore, query: Signal<ListQuery>) -> Signal<ListView> {
    let initial = query.get_untracked();
    let watch = ListWatch::new(core, initial.clone());
    let view = RwSignal::new(core.list_view(&initial));
    let core = core.clone();
    keep_following(query, initial, watch, move |next| {
        let watch = ListWatch::new(&core, next.clone());
        view.set(core.list_view(next));
        watch
    });
    // A memo, not a derived signal: it keeps one copy of the view per change that every
    // reader borrows (`with`), where a derived signal cloned the page's ids for each read.
    Memo::new(move |_| view.get().get()).into()
}

/// Keeps `first` (made for `initial`, the value `source` has now) and, whenever `source` takes
/// another value, what `remake` makes for it instead, until the calling component's cleanup
/// drops it. Followed by a `RenderEffect<()>`, the type of the table's effects too, so that no
/// effect code is compiled for a follower alone (an `Effect` of its own was 2.2 KB of wasm);
/// its first run is at once, and finds `initial`.
fn keep_following<T, X>(
    source: Signal<T>,
    initial: T,
    first: X,
    mut remake: impl FnMut(&T) -> X + 'static,
) where
    T: Clone + PartialEq + Send + Sync + 'static,
    X: Send + 'static,
{
    let holder = Arc::new(Mutex::new(Some(first)));
    let effect = {
        let (holder, mut shown) = (Arc::clone(&holder), initial);
        RenderEffect::new(move |_: Option<()>| {
            let next = source.get();
            if next != shown {
                let made = remake(&next);
                *holder.lock().unwrap_or_else(|p| p.into_inner()) = Some(made);
                shown = next;
            }
        })
    };
    on_cleanup(move || {
        drop(effect);
        holder.lock().unwrap_or_else(|p| p.into_inner()).take();
    });
}

/// One entity kept current for as long as the calling component lives. A `Copy` handle.
pub struct UseEntity<E: Entity> {
    /// The store.
    pub store: EntityStore<E>,
    /// The entity (`None` while loading, when deleted or not visible).
    pub entity: Signal<Option<E>>,
    /// The detail query's state.
    pub view: Signal<DetailView>,
}

impl<E: Entity> Clone for UseEntity<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: Entity> Copy for UseEntity<E> {}

/// Observes entity `id` (which may change over time) while the component lives.
pub fn use_entity<E: Entity>(id: impl Into<Signal<String>>) -> UseEntity<E> {
    let store = use_store::<E>();
    let id: Signal<String> = id.into();
    let initial = id.get_untracked();
    let observer = store.observe_entity(&initial);
    let entity = RwSignal::new(observer.entity());
    let view = RwSignal::new(observer.view());
    keep_following(id, initial, observer, move |next| {
        let observer = store.observe_entity(next);
        entity.set(observer.entity());
        view.set(observer.view());
        observer
    });
    UseEntity {
        store,
        entity: Signal::derive(move || entity.get().get()),
        view: Signal::derive(move || view.get().get()),
    }
}

/// The open draft of entity `id` of kind `E` (see
/// [`DataFarm::draft_of`](crate::farm::DataFarm::draft_of)), following it live: for a badge on
/// a row or a banner on a detail page. Known once a list asked with drafts has answered it, or
/// realtime has announced it.
pub fn use_draft_of<E: Entity>(
    id: impl Into<Signal<String>>,
) -> Signal<Option<data_farm_protocol::Draft>> {
    let farm = use_data_farm();
    let id: Signal<String> = id.into();
    Signal::derive(move || id.with(|id| farm.draft_of(E::KIND, id)))
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use leptos::prelude::*;

    use crate::farm::DataFarm;

    /// Focus, reconnect and visibility refetches; periodic collection.
    pub fn watch(farm: &DataFarm) {
        let on_focus = farm.clone();
        let focus =
            window_event_listener(leptos::ev::focus, move |_| on_focus.revalidate_observed());
        let on_online = farm.clone();
        let online =
            window_event_listener(leptos::ev::online, move |_| on_online.revalidate_observed());
        let collector = farm.clone();
        let interval = set_interval_with_handle(
            move || collector.collect_garbage(),
            std::time::Duration::from_secs(60),
        )
        .ok();
        on_cleanup(move || {
            focus.remove();
            online.remove();
            if let Some(interval) = interval {
                interval.clear();
            }
        });
    }
}
