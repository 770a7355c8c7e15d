//! The typed face of a store: [`EntityStore<E>`] puts entities of kind `E` into the core and
//! takes them out again. Everything here is a short conversion; the work is the core's.

use std::marker::PhantomData;
use std::sync::Arc;

use data_farm_protocol::{ChangeOp, ListResponse, Position};
use leptos::prelude::*;

use super::kind::{erase_page, Typed};
use super::ops::Ops;
use super::record::{rec, typed, RowSignal};
use super::released::released;
use super::slot;
use super::state::Row;
use super::{Applied, DetailView, EntityObserver, ListObserver, ListView, StoreCore};
use crate::api::{ApiError, EntityApi};
use crate::cache::{CachePolicy, Environment};
use crate::change::ChangeBus;
use crate::entity::Entity;
use crate::query::ListQuery;

mod lifetime;
mod mutations;

/// The store of one entity kind: a `Copy` handle (move it into as many closures as you like),
/// every copy the same store.
///
/// The store itself lives as long as its [`DataFarm`](crate::farm::DataFarm) (or, for one
/// made with [`EntityStore::new`], as long as the reactive owner it was made under). A handle
/// kept past that answers as an empty store: it holds nothing, and its requests fail with
/// [`ApiError::NotFound`].
///
/// ```
/// use std::sync::Arc;
/// use data_farm::api::{ApiClient, HttpEntityApi};
/// use data_farm::cache::{BrowserEnvironment, CachePolicy};
/// use data_farm::change::ChangeBus;
/// use data_farm::protocol::Device;
/// use data_farm::query::ListQuery;
/// use data_farm::store::EntityStore;
///
/// let store: EntityStore<Device> = EntityStore::new(
///     Arc::new(HttpEntityApi::new(ApiClient::new(""))),
///     Arc::new(BrowserEnvironment),
///     CachePolicy::default(),
///     ChangeBus::default(),
/// );
/// // Before any fetch a list is idle and empty; observing it starts the fetch.
/// let view = store.list_view(&ListQuery::new().team("team_1"));
/// # use leptos::prelude::GetUntracked;
/// assert!(view.get_untracked().ids.is_empty());
/// ```
pub struct EntityStore<E: Entity> {
    key: slot::Key,
    kind: PhantomData<fn() -> E>,
}

impl<E: Entity> Clone for EntityStore<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: Entity> Copy for EntityStore<E> {}

impl<E: Entity> std::fmt::Debug for EntityStore<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityStore")
            .field("kind", &E::KIND)
            .field("key", &self.key)
            .finish()
    }
}

/// A store's handle without its kind, for a type that cannot bound the kind (a column's
/// function pointer); [`EntityStore::of_untyped`] makes it typed again.
#[cfg(feature = "components")]
#[derive(Clone, Copy)]
pub(crate) struct UntypedStore(slot::Key);

/// The entities of `records` (all of kind `E`: the core of an `EntityStore<E>` holds no other).
fn all<E: Entity>(records: Vec<super::Rec>) -> Vec<E> {
    records.iter().filter_map(typed::<E>).collect()
}

/// A record the core answered with, as `E`.
fn one<E: Entity>(record: super::Rec) -> Result<E, ApiError> {
    typed::<E>(&record)
        .ok_or_else(|| ApiError::Decode(format!("an answer that is not a {}", E::KIND)))
}

impl<E: Entity> EntityStore<E> {
    /// A store fetching through `api`, timed by `env`, announcing on `bus`.
    ///
    /// A store made this way lives as long as the reactive owner it is made under (for the
    /// whole program when there is none); a farm's stores live as long as the farm.
    pub fn new(
        api: Arc<dyn EntityApi<E>>,
        env: Arc<dyn Environment>,
        policy: CachePolicy,
        bus: ChangeBus,
    ) -> Self {
        let store = Self::inserted(Ops::Dyn(Box::new(Typed { api })), env, policy, bus);
        let key = store.key;
        if Owner::current().is_some() {
            on_cleanup(move || slot::remove(key));
        }
        store
    }

    /// A store kept while the returned [`slot::Owned`] lives (by the farm that builds it),
    /// fetching through `ops` (see [`super::ops::over_api`] and [`super::ops::on_routes`]).
    pub(crate) fn owned(
        ops: Ops,
        env: Arc<dyn Environment>,
        policy: CachePolicy,
        bus: ChangeBus,
    ) -> (Self, slot::Owned) {
        let store = Self::inserted(ops, env, policy, bus);
        (store, slot::Owned(store.key))
    }

    /// A new store's core put in the slot table, owned by nobody yet.
    fn inserted(ops: Ops, env: Arc<dyn Environment>, policy: CachePolicy, bus: ChangeBus) -> Self {
        EntityStore {
            key: slot::insert(StoreCore::new(ops, env, policy, bus)),
            kind: PhantomData,
        }
    }

    /// This store without its kind.
    #[cfg(feature = "components")]
    pub(crate) fn untyped(self) -> UntypedStore {
        UntypedStore(self.key)
    }

    /// The store of `store`, as a store of `E` (a store of another kind holds no `E`: its
    /// typed getters find nothing).
    #[cfg(feature = "components")]
    pub(crate) fn of_untyped(store: UntypedStore) -> Self {
        EntityStore {
            key: store.0,
            kind: PhantomData,
        }
    }

    /// The store's kind-less core; once the store is gone, an empty one whose requests fail.
    pub(crate) fn core(&self) -> StoreCore {
        slot::get(self.key).unwrap_or_else(|| released(E::KIND))
    }

    /// The cache policy in force.
    pub fn policy(&self) -> CachePolicy {
        self.core().inner.policy.clone()
    }

    // ----- getters ---------------------------------------------------------------------------

    /// The signal of one entity (`None` while unknown, deleted or never fetched). Reading it
    /// does not fetch; see [`EntityStore::observe_entity`].
    pub fn get(&self, id: &str) -> ArcReadSignal<Option<E>> {
        let core = self.core();
        let mut st = core.lock();
        let row = st.rows.entry(id.to_owned()).or_insert_with(Row::new);
        row.handed_out = true;
        if let Some(signal) = row
            .signal
            .as_ref()
            .and_then(|s| s.as_any().downcast_ref::<ArcRwSignal<Option<E>>>())
        {
            return signal.read_only();
        }
        let signal = ArcRwSignal::new(row.visible.as_ref().and_then(typed::<E>));
        row.signal = Some(Arc::new(signal.clone()) as Arc<dyn RowSignal>);
        signal.read_only()
    }

    /// `read` of the current value of one entity, untracked and without cloning it.
    pub(crate) fn peek_with<T>(&self, id: &str, read: impl FnOnce(&E) -> T) -> Option<T> {
        let record = self.core().peek(id)?;
        record.as_any().downcast_ref::<E>().map(read)
    }

    /// The current value of one entity, untracked.
    pub fn peek(&self, id: &str) -> Option<E> {
        self.peek_with(id, E::clone)
    }

    /// The signal of a list query's view (created idle when new). Reading it does not fetch;
    /// see [`EntityStore::observe_list`].
    pub fn list_view(&self, query: &ListQuery) -> ArcReadSignal<ListView> {
        self.core().list_view(query)
    }

    /// The entities of a list view, in order, untracked (a convenience for tests and tools).
    pub fn peek_list(&self, query: &ListQuery) -> Vec<E> {
        all(self.core().peek_list(query))
    }

    /// The signal of a detail query's state.
    pub fn detail_view(&self, id: &str) -> ArcReadSignal<DetailView> {
        self.core().detail_view(id)
    }

    // ----- fetching --------------------------------------------------------------------------

    /// Fetches one page now (sharing a fetch already in flight for the same query). Cached data
    /// stays visible meanwhile, with the view `Refreshing`.
    pub async fn fetch_list(&self, query: &ListQuery) -> Result<(), ApiError> {
        self.core().fetch_list(query).await
    }

    /// Caches `page` as the answer to `query`, as if it had just been fetched: for lists obtained
    /// elsewhere (rendered by a server, read from local storage, built by a test or benchmark).
    /// Records merge through the version rule like fetched ones; observers see the list at once.
    ///
    /// ```
    /// use data_farm::prelude::*;
    /// use data_farm::protocol::ListResponse;
    ///
    /// let farm = DataFarm::new(DataFarmConfig::new("").register::<Team>());
    /// let teams = farm.store::<Team>().unwrap();
    /// let page: ListResponse<Team> = serde_json::from_str(r#"{"items":[{"id":"t1","version":1,
    ///     "updated_at":"2026-01-01T00:00:00Z","name":"Acme","description":""}],"total":1}"#).unwrap();
    /// teams.put_list(&ListQuery::new(), page);
    /// assert_eq!(teams.peek_list(&ListQuery::new())[0].name, "Acme");
    /// ```
    pub fn put_list(&self, query: &ListQuery, page: ListResponse<E>) {
        self.core().put_list(query, erase_page(page));
    }

    /// Fetches one entity now (sharing a fetch in flight for the same id).
    pub async fn fetch_one(&self, id: &str) -> Result<Option<E>, ApiError> {
        let found = self.core().fetch_one(id).await?;
        Ok(found.as_ref().and_then(typed::<E>))
    }

    /// Caches `entity` as the answer to its detail query, as if it had just been fetched (the
    /// detail counterpart of [`EntityStore::put_list`]): it merges through the version rule,
    /// and an observed detail of it is fresh, so it does not fetch within the stale time.
    ///
    /// ```
    /// use data_farm::prelude::*;
    ///
    /// let farm = DataFarm::new(DataFarmConfig::new("").register::<Team>());
    /// let teams = farm.store::<Team>().unwrap();
    /// let acme: Team = serde_json::from_str(r#"{"id":"t1","version":1,
    ///     "updated_at":"2026-01-01T00:00:00Z","name":"Acme","description":""}"#).unwrap();
    /// teams.put_one(acme);
    /// # use leptos::prelude::GetUntracked;
    /// assert_eq!(teams.detail_view("t1").get_untracked().state, LoadState::Ready);
    /// assert_eq!(teams.peek("t1").unwrap().name, "Acme");
    /// ```
    pub fn put_one(&self, entity: E) {
        self.core().put_one(rec(entity));
    }

    // ----- realtime --------------------------------------------------------------------------

    /// Applies a realtime event of this kind through the merge rule: `created`/`updated` carry
    /// the whole entity, `status` only status fields, `deleted` nothing.
    pub fn apply_event(
        &self,
        op: ChangeOp,
        id: &str,
        version: u64,
        data: Option<&serde_json::value::RawValue>,
    ) -> Applied {
        self.core().apply_event(op, id, version, data)
    }

    /// Applies several realtime events at once: one lock, and each list view and row signal is
    /// published once however many of the events touched it (a frame's worth of events costs
    /// one reactive update).
    pub fn apply_events(
        &self,
        events: &[(ChangeOp, &str, u64, Option<&serde_json::value::RawValue>)],
    ) -> Vec<Applied> {
        self.core().apply_events(events)
    }

    // ----- observing -------------------------------------------------------------------------

    /// Keeps a list query alive and current while the returned observer lives: fetches it now
    /// when absent or stale, refetches it on invalidation, focus and reconnect, and lets it be
    /// collected `gc_ms` after the last observer is dropped.
    pub fn observe_list(&self, query: ListQuery) -> ListObserver<E> {
        ListObserver::new(&self.core(), query)
    }

    /// Keeps one entity's detail query alive and current while the observer lives. An empty
    /// `id` (not known yet, e.g. a reference still loading) observes nothing and fetches nothing.
    pub fn observe_entity(&self, id: &str) -> EntityObserver<E> {
        EntityObserver::new(self, id.to_owned())
    }

    // ----- reads by id -----------------------------------------------------------------------

    /// The signal of entity `id`, fetched when the store lacks it: every id asked for in the
    /// same turn (a table's rows rendering, say) is fetched in one request (`GET
    /// /{kinds}?ids=…`, 100 ids each), and each id is asked for once. Once held, the record
    /// stays current like any other (events, refetches).
    ///
    /// ```no_run
    /// # use data_farm::prelude::*;
    /// use leptos::prelude::*;
    /// # fn owner(store: EntityStore<Application>) {
    /// let app = store.lookup("app_7");
    /// let name = move || app.get().map(|a| a.name).unwrap_or_default();
    /// # }
    /// ```
    pub fn lookup(&self, id: &str) -> ArcReadSignal<Option<E>> {
        let signal = self.get(id);
        self.core().want(id);
        signal
    }

    /// Fetches the entities `ids` in as few requests as the API allows and merges them like
    /// any fetched record. Ids the answer lacks (absent, or not visible) change nothing; on an
    /// error, [`EntityStore::lookup`] may ask for those ids again.
    pub async fn fetch_many(&self, ids: &[String]) -> Result<(), ApiError> {
        self.core().fetch_many(ids).await
    }

    /// Where entity `id` stands in the list `query` selects, at its page size: `Some` with the
    /// page to show (`query.page(position.page as u32)`) and its index there, `None` when the
    /// list does not hold it.
    ///
    /// ```no_run
    /// # use data_farm::prelude::*;
    /// # async fn jump(store: EntityStore<Device>, query: ListQuery) -> Result<(), ApiError> {
    /// if let Some(position) = store.find_position(&query, "dev_42").await? {
    ///     let page = query.clone().page(position.page as u32);
    ///     # let _ = page;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn find_position(
        &self,
        query: &ListQuery,
        id: &str,
    ) -> Result<Option<Position>, ApiError> {
        self.core().find_position(query, id).await
    }

    // ----- for the rest of the library -------------------------------------------------------

    /// Merges records obtained beside another answer (a list's drafts) as fetched now.
    pub(crate) fn merge_records(&self, records: Vec<E>) {
        self.core()
            .merge_records(records.into_iter().map(rec).collect());
    }

    /// The cached answer to `query` as the server gave it, when fresh and free of optimistic
    /// changes (see the core's `fresh_page`).
    #[cfg(any(
        all(feature = "ssr", not(target_arch = "wasm32")),
        all(test, feature = "tabs")
    ))]
    pub(crate) fn fresh_page(&self, query: &ListQuery) -> Option<ListResponse<E>> {
        let (items, total) = self.core().fresh_page(query)?;
        Some(ListResponse::new(all(items), total))
    }

    /// Asks `peer` before the server from now on (`None`: the server only).
    #[cfg(all(test, feature = "tabs"))]
    pub(crate) fn set_peer(&self, peer: Option<Arc<dyn super::port::PeerCache>>) {
        self.core().set_peer(peer);
    }

    /// A copy of everything this store holds, for the devtools panel.
    #[cfg(feature = "devtools")]
    pub fn inspect(&self) -> super::StoreSnapshot {
        self.core().inspect()
    }

    /// Does `action` to the query whose [`QuerySnapshot::key`](super::QuerySnapshot::key) is
    /// `key`; false when there is no such query. A refetch runs in the background.
    #[cfg(feature = "devtools")]
    pub fn query_action(&self, key: &str, action: super::QueryAction) -> bool {
        self.core().query_action(key, action)
    }
}
