//! Observers: a query counts as watched while one lives (so it fetches, refetches and escapes
//! GC). The watch itself is kind-less; the typed observers add the kind's signals.

use std::marker::PhantomData;

use leptos::prelude::*;

use super::view::{DetailView, ListView};
use super::{EntityStore, StoreCore};
use crate::entity::Entity;
use crate::query::ListQuery;

/// A list query observed while this lives, of any kind.
pub(crate) struct ListWatch {
    core: StoreCore,
    query: ListQuery,
}

impl ListWatch {
    /// Observes `query` in `core` (fetching it when absent or stale) until dropped.
    pub(crate) fn new(core: &StoreCore, query: ListQuery) -> Self {
        core.observe_list(&query);
        ListWatch {
            core: core.clone(),
            query,
        }
    }
}

impl Drop for ListWatch {
    fn drop(&mut self) {
        self.core.unobserve_list(&self.query);
    }
}

/// A detail query observed while this lives, of any kind.
struct DetailWatch {
    core: StoreCore,
    id: String,
}

impl Drop for DetailWatch {
    fn drop(&mut self) {
        self.core.unobserve_entity(&self.id);
    }
}

/// Keeps a list query observed while it lives (see [`EntityStore::observe_list`]).
pub struct ListObserver<E: Entity> {
    watch: ListWatch,
    view: ArcReadSignal<ListView>,
    kind: PhantomData<fn() -> E>,
}

impl<E: Entity> ListObserver<E> {
    pub(super) fn new(core: &StoreCore, query: ListQuery) -> Self {
        let watch = ListWatch::new(core, query);
        let view = core.list_view(&watch.query);
        ListObserver {
            watch,
            view,
            kind: PhantomData,
        }
    }

    /// The list's view signal.
    pub fn view(&self) -> ArcReadSignal<ListView> {
        self.view.clone()
    }

    /// The observed query.
    pub fn query(&self) -> &ListQuery {
        &self.watch.query
    }
}

/// Keeps one entity's detail query observed while it lives (see [`EntityStore::observe_entity`]).
pub struct EntityObserver<E: Entity> {
    _watch: DetailWatch,
    entity: ArcReadSignal<Option<E>>,
    view: ArcReadSignal<DetailView>,
}

impl<E: Entity> EntityObserver<E> {
    pub(super) fn new(store: &EntityStore<E>, id: String) -> Self {
        let core = store.core();
        core.observe_entity(&id);
        let entity = store.get(&id);
        let view = core.detail_view(&id);
        EntityObserver {
            _watch: DetailWatch { core, id },
            entity,
            view,
        }
    }

    /// The entity's signal.
    pub fn entity(&self) -> ArcReadSignal<Option<E>> {
        self.entity.clone()
    }

    /// The detail query's state.
    pub fn view(&self) -> ArcReadSignal<DetailView> {
        self.view.clone()
    }
}
