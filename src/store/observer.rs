use leptos::prelude::*;

use super::view::{DetailView, ListView};
use super::EntityStore;
use crate::entity::Entity;
use crate::query::ListQuery;

/// Keeps a list query observed while it lives (see [`EntityStore::observe_list`]).
pub struct ListObserver<E: Entity> {
    store: EntityStore<E>,
    query: ListQuery,
    view: ArcReadSignal<ListView>,
}

impl<E: Entity> ListObserver<E> {
    pub(super) fn new(store: EntityStore<E>, query: ListQuery) -> Self {
        let view = store.list_view(&query);
        ListObserver { store, query, view }
    }

    /// The list's view signal.
    pub fn view(&self) -> ArcReadSignal<ListView> {
        self.view.clone()
    }

    /// The observed query.
    pub fn query(&self) -> &ListQuery {
        &self.query
    }
}

impl<E: Entity> Drop for ListObserver<E> {
    fn drop(&mut self) {
        self.store.unobserve_list(&self.query);
    }
}

/// Keeps one entity's detail query observed while it lives (see [`EntityStore::observe_entity`]).
pub struct EntityObserver<E: Entity> {
    store: EntityStore<E>,
    id: String,
    entity: ArcReadSignal<Option<E>>,
    view: ArcReadSignal<DetailView>,
}

impl<E: Entity> EntityObserver<E> {
    pub(super) fn new(store: EntityStore<E>, id: String) -> Self {
        let entity = store.get(&id);
        let view = store.detail_view(&id);
        EntityObserver {
            store,
            id,
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

impl<E: Entity> Drop for EntityObserver<E> {
    fn drop(&mut self) {
        self.store.unobserve_entity(&self.id);
    }
}
