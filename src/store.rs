//! Entity stores: one per kind, the single source of truth for its entities.
//!
//! A store holds one record per entity id (with a signal per record, so an update re-renders
//! only what reads that record), list queries (ordered ids of one page, the total, a load
//! state) and detail queries. Every write goes through one merge rule ([`accepts`]): fetches,
//! mutation responses and realtime events apply only when their version is not older than the
//! record, and deletes leave tombstones. Optimistic changes are overlays over the confirmed
//! record, so a failed mutation rolls back exactly, keeping whatever arrived meanwhile.

mod effects;
mod erased;
mod membership;
mod merge;
mod observer;
pub(crate) mod port;
mod state;
mod view;

#[cfg(feature = "persist")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(feature = "persist")]
use std::sync::{OnceLock, Weak};

use data_farm_protocol::{ChangeOp, ListResponse};
use leptos::prelude::*;

use crate::api::{ApiError, EntityApi};
use crate::cache::{CachePolicy, Environment};
use crate::change::{Change, ChangeBus, InvalidationRule, Origin};
use crate::entity::Entity;
use crate::query::ListQuery;

use effects::Effects;
#[cfg(feature = "persist")]
pub(crate) use effects::StoredPage;
pub use erased::AnyStore;
pub use membership::{place, Page, Placement, Prior};
pub use merge::accepts;
pub use observer::{EntityObserver, ListObserver};
use port::{OutboxOp, PersistSink};
use state::{DetailEntry, ListEntry, Overlay, Row, State};
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

struct Inner<E: Entity> {
    api: Arc<dyn EntityApi<E>>,
    env: Arc<dyn Environment>,
    policy: CachePolicy,
    bus: ChangeBus,
    state: Mutex<State<E>>,
    /// The persistence layer, when the farm has one.
    #[cfg(feature = "persist")]
    persist: OnceLock<Weak<dyn PersistSink>>,
    /// Whether this kind's records are persisted now.
    #[cfg(feature = "persist")]
    persisting: AtomicBool,
}

/// The store of one entity kind. Cheap to clone; clones share everything.
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
    inner: Arc<Inner<E>>,
}

impl<E: Entity> Clone for EntityStore<E> {
    fn clone(&self) -> Self {
        EntityStore {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// `value` as a JSON value, through its JSON text: the text (de)serializers of every body type
/// exist anyway (requests, events), so no second, `Value`-based set is compiled per type.
fn json_value(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Whether `query` reads any of the fields a status event carries (every field, when the
/// fields are not an object and so cannot be told apart).
fn reads_any(query: &ListQuery, fields: &serde_json::Value) -> bool {
    match fields.as_object() {
        Some(fields) => fields.keys().any(|field| query.reads_field(field)),
        None => true,
    }
}

/// A temporary id, unique across kinds and page loads (an offline create keeps it until the
/// server assigns the real one, possibly after a reload).
fn temp_id(kind: &str, now: f64, mutation: u64) -> String {
    format!("tmp-{kind}-{}-{mutation}", now as u64)
}

impl<E: Entity> EntityStore<E> {
    /// A store fetching through `api`, timed by `env`, announcing on `bus`.
    pub fn new(
        api: Arc<dyn EntityApi<E>>,
        env: Arc<dyn Environment>,
        policy: CachePolicy,
        bus: ChangeBus,
    ) -> Self {
        EntityStore {
            inner: Arc::new(Inner {
                api,
                env,
                policy,
                bus,
                state: Mutex::new(State::default()),
                #[cfg(feature = "persist")]
                persist: OnceLock::new(),
                #[cfg(feature = "persist")]
                persisting: AtomicBool::new(false),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<E>> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now(&self) -> f64 {
        self.inner.env.now()
    }

    /// A batch of effects; it records changes for persistence when this kind is persisted.
    fn effects(&self) -> Effects<E> {
        #[cfg(feature = "persist")]
        let recording = self.inner.persisting.load(Ordering::Relaxed);
        // Without the feature nothing records: the recording code is dead and compiled out.
        #[cfg(not(feature = "persist"))]
        let recording = false;
        Effects::recording(recording)
    }

    #[cfg(feature = "persist")]
    pub(crate) fn attach_persistence(&self, sink: Weak<dyn PersistSink>) {
        let _ = self.inner.persist.set(sink);
    }

    #[cfg(feature = "persist")]
    pub(crate) fn set_persisting(&self, on: bool) {
        self.inner.persisting.store(on, Ordering::Relaxed);
    }

    /// The persistence layer, while the farm that has one lives (never without `persist`).
    pub(crate) fn sink(&self) -> Option<Arc<dyn PersistSink>> {
        #[cfg(feature = "persist")]
        {
            self.inner.persist.get()?.upgrade()
        }
        #[cfg(not(feature = "persist"))]
        {
            None
        }
    }

    /// The cache policy in force.
    pub fn policy(&self) -> &CachePolicy {
        &self.inner.policy
    }

    // ----- getters ---------------------------------------------------------------------------

    /// The signal of one entity (`None` while unknown, deleted or never fetched). Reading it
    /// does not fetch; see [`EntityStore::observe_entity`].
    pub fn get(&self, id: &str) -> ArcReadSignal<Option<E>> {
        let mut st = self.lock();
        let row = st.rows.entry(id.to_owned()).or_insert_with(Row::new);
        row.handed_out = true;
        row.signal.read_only()
    }

    /// The current value of one entity, untracked.
    pub fn peek(&self, id: &str) -> Option<E> {
        self.lock().rows.get(id).and_then(|row| row.visible.clone())
    }

    /// The signal of a list query's view (created idle when new). Reading it does not fetch;
    /// see [`EntityStore::observe_list`].
    pub fn list_view(&self, query: &ListQuery) -> ArcReadSignal<ListView> {
        let mut st = self.lock();
        st.lists
            .entry(query.clone())
            .or_insert_with(ListEntry::new)
            .signal
            .read_only()
    }

    /// The entities of a list view, in order, untracked (a convenience for tests and tools).
    pub fn peek_list(&self, query: &ListQuery) -> Vec<E> {
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

    /// The signal of a detail query's state.
    pub fn detail_view(&self, id: &str) -> ArcReadSignal<DetailView> {
        let mut st = self.lock();
        st.details
            .entry(id.to_owned())
            .or_insert_with(DetailEntry::new)
            .signal
            .read_only()
    }

    // ----- observing ---------------------------------------------------------------------------

    /// Keeps a list query alive and current while the returned observer lives: fetches it now
    /// when absent or stale, refetches it on invalidation, focus and reconnect, and lets it be
    /// collected `gc_ms` after the last observer is dropped.
    pub fn observe_list(&self, query: ListQuery) -> ListObserver<E> {
        let stale = {
            let mut st = self.lock();
            let entry = st.lists.entry(query.clone()).or_insert_with(ListEntry::new);
            entry.meta.observe();
            self.inner
                .policy
                .is_stale(entry.meta.fetched_at, entry.meta.invalidated, self.now())
        };
        if stale {
            self.spawn_list_fetch(query.clone());
        }
        ListObserver::new(self.clone(), query)
    }

    pub(crate) fn unobserve_list(&self, query: &ListQuery) {
        let now = self.now();
        if let Some(entry) = self.lock().lists.get_mut(query) {
            entry.meta.unobserve(now);
        }
    }

    /// Keeps one entity's detail query alive and current while the observer lives. An empty
    /// `id` (not known yet, e.g. a reference still loading) observes nothing and fetches nothing.
    pub fn observe_entity(&self, id: &str) -> EntityObserver<E> {
        let stale = !id.is_empty() && {
            let mut st = self.lock();
            st.rows.entry(id.to_owned()).or_insert_with(Row::new);
            let entry = st
                .details
                .entry(id.to_owned())
                .or_insert_with(DetailEntry::new);
            entry.meta.observe();
            self.inner
                .policy
                .is_stale(entry.meta.fetched_at, entry.meta.invalidated, self.now())
        };
        if stale {
            self.spawn_detail_fetch(id.to_owned());
        }
        EntityObserver::new(self.clone(), id.to_owned())
    }

    pub(crate) fn unobserve_entity(&self, id: &str) {
        let now = self.now();
        if let Some(entry) = self.lock().details.get_mut(id) {
            entry.meta.unobserve(now);
        }
    }

    fn spawn_list_fetch(&self, query: ListQuery) {
        let store = self.clone();
        self.inner.env.spawn(Box::pin(async move {
            let _ = store.fetch_list(&query).await;
        }));
    }

    fn spawn_detail_fetch(&self, id: String) {
        let store = self.clone();
        self.inner.env.spawn(Box::pin(async move {
            let _ = store.fetch_one(&id).await;
        }));
    }

    // ----- fetching ----------------------------------------------------------------------------

    async fn with_retry<T, F>(&self, mut call: F) -> Result<T, ApiError>
    where
        F: FnMut() -> futures_util::future::LocalBoxFuture<'static, Result<T, ApiError>>,
    {
        let mut attempt = 0;
        loop {
            match call().await {
                Err(err) if err.is_transient() && attempt < self.inner.policy.retries => {
                    self.inner
                        .env
                        .sleep(self.inner.policy.retry_delay(attempt))
                        .await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Fetches one page now (sharing a fetch already in flight for the same query). Cached data
    /// stays visible meanwhile, with the view `Refreshing`.
    pub async fn fetch_list(&self, query: &ListQuery) -> Result<(), ApiError> {
        let mut starting = self.effects();
        let wait = {
            let mut st = self.lock();
            let entry = st.lists.entry(query.clone()).or_insert_with(ListEntry::new);
            let wait = entry.meta.join_or_start();
            if wait.is_none() {
                entry.meta.touched.clear();
                // Loading or Refreshing; published once the lock is released.
                starting.list(entry);
            }
            wait
        };
        starting.flush(self);
        if let Some(rx) = wait {
            let _ = rx.await;
            return self
                .lock()
                .lists
                .get(query)
                .and_then(|e| e.meta.error.clone())
                .map_or(Ok(()), Err);
        }
        let api = Arc::clone(&self.inner.api);
        let result = self.with_retry(|| api.get_many(query)).await;
        let mut effects = self.effects();
        let outcome = {
            let mut st = self.lock();
            let now = self.now();
            let outcome = match result {
                Ok(page) => {
                    self.install_page(&mut st, query, page, now, &mut effects);
                    Ok(())
                }
                Err(err) => {
                    if let Some(entry) = st.lists.get_mut(query) {
                        entry.meta.error = Some(err.clone());
                    }
                    Err(err)
                }
            };
            if let Some(entry) = st.lists.get_mut(query) {
                entry.meta.finish();
                effects.list(entry);
            }
            outcome
        };
        effects.flush(self);
        outcome
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
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let now = self.now();
            st.lists.entry(query.clone()).or_insert_with(ListEntry::new);
            self.install_page(&mut st, query, page, now, &mut effects);
            if let Some(entry) = st.lists.get_mut(query) {
                effects.list(entry);
            }
        }
        effects.flush(self);
    }

    /// Installs a fetched (or given) page: merges its records, sets the list's ids and total,
    /// then re-places whatever changed while a fetch was in flight.
    fn install_page(
        &self,
        st: &mut State<E>,
        query: &ListQuery,
        page: ListResponse<E>,
        now: f64,
        effects: &mut Effects<E>,
    ) {
        let mut fetched = Vec::with_capacity(page.items.len());
        for item in page.items {
            fetched.push((item.id().to_owned(), item.version()));
            self.merge_confirmed(st, item, None, effects);
        }
        let touched = st
            .lists
            .get_mut(query)
            .map(|e| std::mem::take(&mut e.meta.touched))
            .unwrap_or_default();
        if let Some(entry) = st.lists.get_mut(query) {
            entry.page = Page {
                ids: fetched.iter().map(|(id, _)| id.clone()).collect(),
                total: page.total,
            };
            entry.meta.fetched_at = Some(now);
            entry.meta.invalidated = false;
            entry.meta.error = None;
        }
        // What changed while the fetch was in flight (newer than the fetched copy, or deleted
        // since) is placed again, so the snapshot cannot undo it.
        self.replace_touched(st, query, &fetched, touched);
        if let Some(entry) = st.lists.get(query) {
            effects.persist_page(query, entry);
        }
    }

    /// Re-places, after a fetched page is installed, every id whose record moved on while the
    /// fetch was in flight: fetched copies older than the record (or deleted since), and ids
    /// that changed meanwhile but are not on the fetched page.
    fn replace_touched(
        &self,
        st: &mut State<E>,
        query: &ListQuery,
        fetched: &[(String, u64)],
        touched: Vec<String>,
    ) {
        let mut candidates: Vec<String> = fetched
            .iter()
            .filter(|(id, version)| {
                st.rows
                    .get(id)
                    .and_then(|row| row.visible.as_ref())
                    .is_none_or(|e| e.version() != *version)
            })
            .map(|(id, _)| id.clone())
            .collect();
        candidates.extend(
            touched
                .into_iter()
                .filter(|id| !fetched.iter().any(|(f, _)| f == id)),
        );
        candidates.dedup();
        for id in candidates {
            let in_page = fetched.iter().any(|(f, _)| *f == id);
            let State { rows, lists, .. } = st;
            let Some(entry) = lists.get_mut(query) else {
                continue;
            };
            let current = rows.get(&id).and_then(|row| row.visible.as_ref());
            let lookup = |other: &str| rows.get(other).and_then(|row| row.visible.as_ref());
            let complete = query.page == 1 && entry.page.ids.len() as u64 == entry.page.total;
            // On the page it was counted in the total (a listed id counts as "was there"); off a
            // complete page it was not; off a partial page nobody knows.
            let prior = if !in_page && complete {
                Prior::Known(None)
            } else {
                Prior::Unknown
            };
            let placement = place(query, &mut entry.page, &id, prior, current, &lookup);
            if placement.stale {
                entry.meta.invalidated = true;
            }
        }
    }

    /// Fetches one entity now (sharing a fetch in flight for the same id).
    pub async fn fetch_one(&self, id: &str) -> Result<Option<E>, ApiError> {
        let mut starting = self.effects();
        let wait = {
            let mut st = self.lock();
            st.rows.entry(id.to_owned()).or_insert_with(Row::new);
            let entry = st
                .details
                .entry(id.to_owned())
                .or_insert_with(DetailEntry::new);
            let wait = entry.meta.join_or_start();
            if wait.is_none() {
                let state = if entry.meta.fetched_at.is_some() {
                    LoadState::Refreshing
                } else {
                    LoadState::Loading
                };
                let view = DetailView {
                    state,
                    fetched_at: entry.meta.fetched_at,
                    deleted: false,
                };
                starting.detail(entry, view);
            }
            wait
        };
        starting.flush(self);
        if let Some(rx) = wait {
            let _ = rx.await;
            // Bind first: the guard of a `match` scrutinee would live through the arms.
            let error = self
                .lock()
                .details
                .get(id)
                .and_then(|e| e.meta.error.clone());
            return match error {
                Some(err) => Err(err),
                None => Ok(self.peek(id)),
            };
        }
        let api = Arc::clone(&self.inner.api);
        let result = self.with_retry(|| api.get_one(id)).await;
        let mut effects = self.effects();
        let outcome = {
            let mut st = self.lock();
            let now = self.now();
            let outcome = match result {
                Ok(entity) => {
                    self.merge_confirmed(&mut st, entity, None, &mut effects);
                    Ok(st.rows.get(id).and_then(|row| row.visible.clone()))
                }
                Err(ApiError::NotFound { .. }) => {
                    // Gone (or never visible to us): everywhere it shows, it goes.
                    self.remove_confirmed(&mut st, id, None, &mut effects, None);
                    Ok(None)
                }
                Err(err) => Err(err),
            };
            if let Some(entry) = st.details.get_mut(id) {
                entry.meta.fetched_at = Some(now);
                entry.meta.invalidated = false;
                entry.meta.error = outcome.as_ref().err().cloned();
                entry.meta.finish();
                let deleted = matches!(outcome, Ok(None));
                let state = match &outcome {
                    Ok(_) => LoadState::Ready,
                    Err(err) => LoadState::Error(err.clone()),
                };
                effects.detail(
                    entry,
                    DetailView {
                        state,
                        fetched_at: Some(now),
                        deleted,
                    },
                );
            }
            outcome
        };
        effects.flush(self);
        outcome
    }

    // ----- the merge path --------------------------------------------------------------------

    /// Applies a confirmed server state through the merge rule, then re-places the entity in
    /// every cached list. `op` is the change to announce, if any. `created` means the entity is
    /// known to be new (a create response or a `created` event).
    fn merge_confirmed(
        &self,
        st: &mut State<E>,
        entity: E,
        op: Option<(ChangeOp, Origin)>,
        effects: &mut Effects<E>,
    ) -> bool {
        let id = entity.id().to_owned();
        let tombstone = st.tombstones.get(&id).map(|(version, _)| *version);
        let row = st.rows.entry(id.clone()).or_insert_with(Row::new);
        let current = row.confirmed.as_ref().map(Entity::version);
        if !accepts(current, tombstone, entity.version()) {
            return false;
        }
        let created = matches!(op, Some((ChangeOp::Created, _)));
        let prior_known = row.known || created;
        let team = entity.team_id().map(str::to_owned);
        // The same version again (an event and the answer to one's own request, a refetch) is
        // merged, but it is not news: announced once only.
        let news = row.confirmed.as_ref() != Some(&entity);
        if news {
            effects.persist_record(&id, Some(&entity));
        }
        row.confirmed = Some(entity);
        row.known = true;
        self.refresh_row(st, &id, prior_known, effects);
        if let Some((op, origin)) = op.filter(|_| news) {
            effects.changes.push(Change {
                kind: E::KIND,
                op,
                id,
                team_id: team,
                origin,
            });
        }
        true
    }

    /// Records a confirmed deletion (with its version, when known) and removes the entity from
    /// every list.
    fn remove_confirmed(
        &self,
        st: &mut State<E>,
        id: &str,
        version: Option<u64>,
        effects: &mut Effects<E>,
        origin: Option<Origin>,
    ) -> bool {
        let tombstone = st.tombstones.get(id).map(|(v, _)| *v);
        let row = st.rows.entry(id.to_owned()).or_insert_with(Row::new);
        let held = row.confirmed.as_ref().map(Entity::version);
        let deleted_at = version.or(held.map(|v| v + 1)).unwrap_or(0);
        if tombstone.is_some_and(|t| t >= deleted_at) && row.confirmed.is_none() {
            return false;
        }
        if held.is_some_and(|h| version.is_some_and(|v| v < h)) {
            return false;
        }
        let team = row
            .confirmed
            .as_ref()
            .and_then(|e| e.team_id().map(str::to_owned));
        let prior_known = row.known;
        row.confirmed = None;
        row.known = true;
        effects.persist_record(id, None);
        st.tombstones
            .insert(id.to_owned(), (deleted_at, self.now()));
        self.refresh_row(st, id, prior_known, effects);
        if let Some(entry) = st.details.get_mut(id) {
            let view = DetailView {
                deleted: true,
                state: LoadState::Ready,
                fetched_at: entry.meta.fetched_at,
            };
            effects.detail(entry, view);
        }
        if let Some(origin) = origin {
            effects.changes.push(Change {
                kind: E::KIND,
                op: ChangeOp::Deleted,
                id: id.to_owned(),
                team_id: team,
                origin,
            });
        }
        true
    }

    /// Recomputes a row's visible value; when it changed, updates its signal and re-places it in
    /// every list (lists fetching right now remember it, see `fetch_list`).
    fn refresh_row(
        &self,
        st: &mut State<E>,
        id: &str,
        prior_known: bool,
        effects: &mut Effects<E>,
    ) {
        let State { rows, lists, .. } = st;
        let Some(row) = rows.get_mut(id) else { return };
        let next = row.compute_visible();
        if next == row.visible {
            return;
        }
        let before = std::mem::replace(&mut row.visible, next.clone());
        effects
            .rows
            .push((id.to_owned(), row.signal.clone(), next.clone()));
        let rows = &*rows;
        let lookup = |other: &str| rows.get(other).and_then(|r| r.visible.as_ref());
        for (query, entry) in lists.iter_mut() {
            if entry.meta.in_flight {
                entry.meta.touched.push(id.to_owned());
            }
            if entry.meta.fetched_at.is_none() {
                continue;
            }
            let prior = if prior_known {
                Prior::Known(before.as_ref())
            } else {
                Prior::Unknown
            };
            let placement = place(query, &mut entry.page, id, prior, next.as_ref(), &lookup);
            if placement.changed {
                effects.dirty_lists.push(query.clone());
            }
            if placement.stale && !entry.meta.invalidated {
                entry.meta.invalidated = true;
                effects.dirty_lists.push(query.clone());
                if entry.meta.observers > 0 {
                    effects.refetch_lists.push(query.clone());
                }
            }
        }
    }

    // ----- mutations -------------------------------------------------------------------------

    fn add_overlay(&self, id: &str, overlay: Overlay<E>) -> u64 {
        let mut effects = self.effects();
        let mutation = {
            let mut st = self.lock();
            st.next_mutation += 1;
            let mutation = st.next_mutation;
            let created = matches!(overlay, Overlay::Create(_));
            let row = st.rows.entry(id.to_owned()).or_insert_with(Row::new);
            row.overlays.push((mutation, overlay));
            let prior_known = row.known || created;
            self.refresh_row(&mut st, id, prior_known, &mut effects);
            effects.collect_lists(&mut st);
            mutation
        };
        effects.flush(self);
        mutation
    }

    fn settle<T>(
        &self,
        id: &str,
        mutation: u64,
        confirm: impl FnOnce(&Self, &mut State<E>, &mut Effects<E>) -> T,
    ) -> T {
        let mut effects = self.effects();
        let value = {
            let mut st = self.lock();
            let prior_known = st.rows.get(id).is_some_and(|row| row.known);
            if let Some(row) = st.rows.get_mut(id) {
                row.overlays.retain(|(m, _)| *m != mutation);
            }
            self.refresh_row(
                &mut st,
                id,
                prior_known || id.starts_with("tmp-"),
                &mut effects,
            );
            let value = confirm(self, &mut st, &mut effects);
            if id.starts_with("tmp-") {
                st.rows.remove(id);
            }
            effects.collect_lists(&mut st);
            value
        };
        effects.flush(self);
        value
    }

    /// Hands an optimistic change (store mutation `mutation`) to the offline outbox when the
    /// persistence layer says it must go there now (offline, or behind queued changes it must
    /// not overtake); true when it did.
    fn queue(
        &self,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
        if_match: Option<u64>,
        mutation: Option<u64>,
    ) -> bool {
        let Some(sink) = self.sink() else {
            return false;
        };
        let queued = sink.must_queue(E::KIND, id, body);
        if queued {
            sink.enqueue(E::KIND, op, id, body.clone(), if_match, mutation);
        }
        queued
    }

    /// After a request failed for want of a network: the server is marked unreachable and the
    /// change goes to the outbox (see [`EntityStore::queue`]); true when it did.
    fn queue_after_failure<T>(
        &self,
        result: &Result<T, ApiError>,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
        if_match: Option<u64>,
        mutation: Option<u64>,
    ) -> bool {
        if !matches!(result, Err(ApiError::Network(_))) {
            return false;
        }
        if let Some(sink) = self.sink() {
            sink.unreachable();
        }
        self.queue(op, id, body, if_match, mutation)
    }

    /// Creates an entity. When the kind can draft one ([`Entity::draft`]), it shows at once in
    /// every list it belongs to under a temporary id, replaced by the real entity when the
    /// server confirms, or removed if it refuses.
    ///
    /// With persistence on and the server out of reach, a draftable create is kept in the
    /// offline outbox and this returns the draft (with its temporary id); it is sent when the
    /// connection returns.
    pub async fn create(&self, body: E::Create) -> Result<E, ApiError> {
        let provisional = {
            let mut st = self.lock();
            st.next_mutation += 1;
            temp_id(E::KIND, self.now(), st.next_mutation)
        };
        let draft = E::draft(&body, &provisional);
        let mutation = draft
            .clone()
            .map(|draft| self.add_overlay(&provisional, Overlay::Create(draft)));
        let json = json_value(&body);
        if let Some(draft) = draft
            .as_ref()
            .filter(|_| self.queue(OutboxOp::Create, &provisional, &json, None, mutation))
        {
            return Ok(draft.clone());
        }
        let result = self.inner.api.create(&body).await;
        if let Some(draft) = draft.filter(|_| {
            self.queue_after_failure(
                &result,
                OutboxOp::Create,
                &provisional,
                &json,
                None,
                mutation,
            )
        }) {
            return Ok(draft);
        }
        self.confirm_create(&provisional, mutation, &result);
        result
    }

    /// Settles a create: the draft gives way to the confirmed entity (or goes, on failure).
    fn confirm_create(
        &self,
        provisional: &str,
        mutation: Option<u64>,
        result: &Result<E, ApiError>,
    ) {
        let confirm = |store: &Self, st: &mut State<E>, effects: &mut Effects<E>| {
            if let Ok(entity) = result {
                store.merge_confirmed(
                    st,
                    entity.clone(),
                    Some((ChangeOp::Created, Origin::Local)),
                    effects,
                );
            }
        };
        match mutation {
            Some(mutation) => self.settle(provisional, mutation, confirm),
            None => {
                let mut effects = self.effects();
                {
                    let mut st = self.lock();
                    confirm(self, &mut st, &mut effects);
                    effects.collect_lists(&mut st);
                }
                effects.flush(self);
            }
        }
    }

    /// Updates an entity optimistically; `if_match` sends the version the change was based on
    /// (a 409 then carries the current entity, which the store takes in). On failure the
    /// optimistic change is rolled back exactly.
    ///
    /// With persistence on and the server out of reach, the change stays applied, goes to the
    /// offline outbox, and this returns the entity as it now shows.
    pub async fn update(
        &self,
        id: &str,
        patch: E::Patch,
        if_match: Option<u64>,
    ) -> Result<E, ApiError> {
        let mutation = self.add_overlay(id, Overlay::Patch(patch.clone()));
        let json = json_value(&patch);
        let queued = |store: &Self| {
            store.peek(id).ok_or_else(|| ApiError::NotFound {
                message: format!("{} {id} is not known here", E::KIND),
            })
        };
        if self.queue(OutboxOp::Update, id, &json, if_match, Some(mutation)) {
            return queued(self);
        }
        let result = self.inner.api.update(id, &patch, if_match).await;
        if self.queue_after_failure(
            &result,
            OutboxOp::Update,
            id,
            &json,
            if_match,
            Some(mutation),
        ) {
            return queued(self);
        }
        self.confirm_update(id, mutation, &result);
        result
    }

    fn confirm_update(&self, id: &str, mutation: u64, result: &Result<E, ApiError>) {
        self.settle(id, mutation, |store, st, effects| match result {
            Ok(entity) => {
                store.merge_confirmed(
                    st,
                    entity.clone(),
                    Some((ChangeOp::Updated, Origin::Local)),
                    effects,
                );
            }
            Err(err) => {
                if let Some(current) = conflict_current::<E>(err) {
                    store.merge_confirmed(st, current, None, effects);
                }
            }
        });
    }

    /// Deletes an entity optimistically (it disappears from every list at once and comes back
    /// exactly if the server refuses). With persistence on and the server out of reach, the
    /// deletion goes to the offline outbox and the entity stays hidden.
    pub async fn delete(&self, id: &str, if_match: Option<u64>) -> Result<(), ApiError> {
        let mutation = self.add_overlay(id, Overlay::Delete);
        let json = serde_json::Value::Null;
        if self.queue(OutboxOp::Delete, id, &json, if_match, Some(mutation)) {
            return Ok(());
        }
        let result = self.inner.api.delete(id, if_match).await;
        if self.queue_after_failure(
            &result,
            OutboxOp::Delete,
            id,
            &json,
            if_match,
            Some(mutation),
        ) {
            return Ok(());
        }
        self.confirm_delete(id, mutation, &result);
        result
    }

    fn confirm_delete(&self, id: &str, mutation: u64, result: &Result<(), ApiError>) {
        self.settle(id, mutation, |store, st, effects| match result {
            Ok(()) | Err(ApiError::NotFound { .. }) => {
                store.remove_confirmed(st, id, None, effects, Some(Origin::Local));
            }
            Err(err) => {
                if let Some(current) = conflict_current::<E>(err) {
                    store.merge_confirmed(st, current, None, effects);
                }
            }
        });
    }

    // ----- the offline outbox and hydration ----------------------------------------------------

    #[cfg(feature = "persist")]
    /// Sends one outbox item. On success its optimistic change gives way to the confirmed
    /// entity (returned for creates and updates); on a conflict the server's version is taken
    /// in as confirmed while the user's change stays on top; otherwise nothing changes.
    pub(crate) async fn replay(
        &self,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
        base_version: Option<u64>,
        mutation: Option<u64>,
    ) -> Result<Option<E>, ApiError> {
        let decode =
            |err: serde_json::Error| ApiError::Decode(format!("queued {} body: {err}", E::KIND));
        match op {
            OutboxOp::Create => {
                let create: E::Create = serde_json::from_str(&body.to_string()).map_err(decode)?;
                let result = self.inner.api.create(&create).await;
                if result.is_ok() {
                    self.confirm_create(id, mutation, &result);
                }
                result.map(Some)
            }
            OutboxOp::Update => {
                let patch: E::Patch = serde_json::from_str(&body.to_string()).map_err(decode)?;
                let result = self.inner.api.update(id, &patch, base_version).await;
                self.settle_replayed(id, mutation, &result);
                result.map(Some)
            }
            OutboxOp::Delete => {
                let result = self.inner.api.delete(id, base_version).await;
                match (&result, mutation) {
                    (Ok(()) | Err(ApiError::NotFound { .. }), Some(mutation)) => {
                        self.confirm_delete(id, mutation, &result);
                        Ok(None)
                    }
                    (Ok(()) | Err(ApiError::NotFound { .. }), None) => Ok(None),
                    (Err(err), _) => {
                        self.take_conflict_current(err);
                        Err(err.clone())
                    }
                }
            }
        }
    }

    #[cfg(feature = "persist")]
    /// After a replayed update: success settles it; a conflict only takes the server's version
    /// in (the user's change stays shown until they resolve it).
    fn settle_replayed(&self, id: &str, mutation: Option<u64>, result: &Result<E, ApiError>) {
        match (result, mutation) {
            (Ok(_), Some(mutation)) => self.confirm_update(id, mutation, result),
            (Ok(entity), None) => self.take_confirmed(entity.clone(), Some(ChangeOp::Updated)),
            (Err(err), _) => self.take_conflict_current(err),
        }
    }

    #[cfg(feature = "persist")]
    fn take_conflict_current(&self, err: &ApiError) {
        if let Some(current) = conflict_current::<E>(err) {
            self.take_confirmed(current, None);
        }
    }

    #[cfg(feature = "persist")]
    fn take_confirmed(&self, entity: E, op: Option<ChangeOp>) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            self.merge_confirmed(
                &mut st,
                entity,
                op.map(|op| (op, Origin::Local)),
                &mut effects,
            );
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    #[cfg(feature = "persist")]
    /// Drops an optimistic change for good (the user took the server's version, or discarded
    /// a queued change).
    pub(crate) fn release(&self, id: &str, mutation: u64) {
        self.settle(id, mutation, |_, _, _| ());
    }

    #[cfg(feature = "persist")]
    /// Shows a queued change again after a reload: the optimistic overlay an outbox item
    /// stands for. `None` when the body cannot be read as this kind, or a create cannot be
    /// drafted.
    pub(crate) fn restore_overlay(
        &self,
        op: OutboxOp,
        id: &str,
        body: &serde_json::Value,
    ) -> Option<u64> {
        let overlay = match op {
            OutboxOp::Create => {
                let create: E::Create = serde_json::from_str(&body.to_string()).ok()?;
                Overlay::Create(E::draft(&create, id)?)
            }
            OutboxOp::Update => Overlay::Patch(serde_json::from_str(&body.to_string()).ok()?),
            OutboxOp::Delete => Overlay::Delete,
        };
        Some(self.add_overlay(id, overlay))
    }

    #[cfg(feature = "persist")]
    /// Points pending changes that mention a temporary id at the server's id (an offline
    /// create of another entity they refer to was just confirmed).
    pub(crate) fn rewrite_reference(&self, tmp: &str, real: &str) {
        fn rewritten<T: serde::Serialize + serde::de::DeserializeOwned>(
            value: &T,
            tmp: &str,
            real: &str,
        ) -> Option<T> {
            let mut json: serde_json::Value =
                serde_json::from_str(&serde_json::to_string(value).ok()?).ok()?;
            port::rewrite_strings(&mut json, tmp, real)
                .then(|| serde_json::from_str(&json.to_string()).ok())
                .flatten()
        }
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let ids: Vec<String> = st
                .rows
                .iter()
                .filter(|(_, row)| !row.overlays.is_empty())
                .map(|(id, _)| id.clone())
                .collect();
            for id in ids {
                let Some(row) = st.rows.get_mut(&id) else {
                    continue;
                };
                for (_, overlay) in row.overlays.iter_mut() {
                    match overlay {
                        Overlay::Patch(patch) => {
                            if let Some(next) = rewritten(patch, tmp, real) {
                                *patch = next;
                            }
                        }
                        Overlay::Create(draft) => {
                            if let Some(next) = rewritten(draft, tmp, real) {
                                *draft = next;
                            }
                        }
                        Overlay::Delete => {}
                    }
                }
                let known = row.known;
                self.refresh_row(&mut st, &id, known || id.starts_with("tmp-"), &mut effects);
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    #[cfg(feature = "persist")]
    /// Fills the store from persisted data: records as confirmed (without announcing or
    /// persisting them again) and list pages marked stale, so observed lists show them at once
    /// and refetch. Lists already fetched in this page keep what they have.
    pub(crate) fn hydrate(&self, records: Vec<E>, pages: Vec<(ListQuery, Page)>) {
        let mut effects = Effects::recording(false);
        {
            let mut st = self.lock();
            let now = self.now();
            for record in records {
                self.merge_confirmed(&mut st, record, None, &mut effects);
            }
            for (query, mut page) in pages {
                let State { rows, lists, .. } = &mut *st;
                let entry = lists.entry(query).or_insert_with(ListEntry::new);
                if entry.meta.fetched_at.is_some() || entry.meta.in_flight {
                    continue;
                }
                let before = page.ids.len();
                page.ids
                    .retain(|id| rows.get(id).is_some_and(|row| row.visible.is_some()));
                page.total = page.total.saturating_sub((before - page.ids.len()) as u64);
                entry.page = page;
                entry.meta.fetched_at = Some(now);
                entry.meta.invalidated = true;
                effects.list(entry);
            }
        }
        effects.flush(self);
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
        self.apply_events(&[(op, id, version, data)])
            .pop()
            .unwrap_or(Applied::Stale)
    }

    /// Applies several realtime events at once: one lock, and each list view and row signal is
    /// published once however many of the events touched it (a frame's worth of events costs
    /// one reactive update).
    pub fn apply_events(
        &self,
        events: &[(ChangeOp, &str, u64, Option<&serde_json::value::RawValue>)],
    ) -> Vec<Applied> {
        let mut effects = self.effects();
        let outcomes = {
            let mut st = self.lock();
            let outcomes = events
                .iter()
                .map(|(op, id, version, data)| {
                    self.apply_one(&mut st, *op, id, *version, *data, &mut effects)
                })
                .collect();
            effects.collect_lists(&mut st);
            outcomes
        };
        effects.flush(self);
        outcomes
    }

    fn apply_one(
        &self,
        st: &mut State<E>,
        op: ChangeOp,
        id: &str,
        version: u64,
        data: Option<&serde_json::value::RawValue>,
        effects: &mut Effects<E>,
    ) -> Applied {
        match op {
            ChangeOp::Created | ChangeOp::Updated => {
                match data.and_then(|raw| serde_json::from_str::<E>(raw.get()).ok()) {
                    Some(entity) if entity.id() == id => {
                        if self.merge_confirmed(st, entity, Some((op, Origin::Remote)), effects) {
                            Applied::Applied
                        } else {
                            Applied::Stale
                        }
                    }
                    _ => Applied::Malformed,
                }
            }
            ChangeOp::Deleted => {
                if self.remove_confirmed(st, id, Some(version), effects, Some(Origin::Remote)) {
                    Applied::Applied
                } else {
                    Applied::Stale
                }
            }
            ChangeOp::Status => {
                let tombstone = st.tombstones.get(id).map(|(v, _)| *v);
                let held = st.rows.get(id).and_then(|row| row.confirmed.clone());
                let fields =
                    data.and_then(|raw| serde_json::from_str::<serde_json::Value>(raw.get()).ok());
                match (held, fields) {
                    (_, None) => Applied::Malformed,
                    (Some(entity), Some(fields)) => {
                        if !accepts(Some(entity.version()), tombstone, version) {
                            Applied::Stale
                        } else if let Some(next) = entity.with_status(&fields, version) {
                            self.merge_confirmed(st, next, Some((op, Origin::Remote)), effects);
                            Applied::Applied
                        } else {
                            effects.refetch_details.push(id.to_owned());
                            Applied::Refetching
                        }
                    }
                    (None, Some(_)) if tombstone.is_some_and(|t| version <= t) => Applied::Stale,
                    (None, Some(fields)) => {
                        // Never fetched: no row shows it. Only a list that filters, searches or
                        // sorts by a field this event changes can gain, lose or move it, and
                        // only such a list is refetched (when observed); the rest stay fresh.
                        let mut reached = false;
                        for (query, entry) in st.lists.iter_mut() {
                            if reads_any(query, &fields) {
                                entry.meta.invalidated = true;
                                reached = true;
                            }
                        }
                        if reached {
                            effects.refetch_observed = true;
                            Applied::Refetching
                        } else {
                            Applied::Unseen
                        }
                    }
                }
            }
        }
    }

    // ----- invalidation, focus, gc, purge -----------------------------------------------------

    /// Marks stale every list and detail that `rule` covers for `change`; observed ones refetch now.
    pub fn invalidate_for(&self, rule: &InvalidationRule, change: &Change) {
        self.invalidate_where(
            |query| rule.covers_list(change, query),
            |team| rule.covers_detail(change, team),
        );
    }

    /// Marks every query stale; observed ones refetch now.
    pub fn invalidate_all(&self) {
        self.invalidate_where(|_| true, |_| true);
    }

    fn invalidate_where(
        &self,
        lists: impl Fn(&ListQuery) -> bool,
        details: impl Fn(Option<&str>) -> bool,
    ) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let State {
                rows,
                lists: entries,
                details: detail_entries,
                ..
            } = &mut *st;
            for (query, entry) in entries.iter_mut().filter(|(q, _)| lists(q)) {
                entry.meta.invalidated = true;
                effects.dirty_lists.push(query.clone());
                if entry.meta.observers > 0 {
                    effects.refetch_lists.push(query.clone());
                }
            }
            for (id, entry) in detail_entries.iter_mut() {
                let team = rows
                    .get(id)
                    .and_then(|r| r.visible.as_ref())
                    .and_then(|e| e.team_id().map(str::to_owned));
                if details(team.as_deref()) {
                    entry.meta.invalidated = true;
                    if entry.meta.observers > 0 {
                        effects.refetch_details.push(id.clone());
                    }
                }
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    /// Refetches every observed query that is stale now (on window focus and reconnect).
    pub fn revalidate_observed(&self) {
        let now = self.now();
        let (lists, details) = {
            let st = self.lock();
            let policy = &self.inner.policy;
            let lists: Vec<ListQuery> = st
                .lists
                .iter()
                .filter(|(_, e)| e.meta.observed_and_stale(policy, now))
                .map(|(q, _)| q.clone())
                .collect();
            let details: Vec<String> = st
                .details
                .iter()
                .filter(|(_, e)| e.meta.observed_and_stale(policy, now))
                .map(|(id, _)| id.clone())
                .collect();
            (lists, details)
        };
        for query in lists {
            self.spawn_list_fetch(query);
        }
        for id in details {
            self.spawn_detail_fetch(id);
        }
    }

    /// Drops queries unobserved for longer than the gc time, rows no remaining query shows, and
    /// tombstones older than the gc time.
    pub fn collect_garbage(&self) {
        let now = self.now();
        let policy = self.inner.policy.clone();
        let mut st = self.lock();
        st.lists.retain(|_, e| {
            e.meta.in_flight
                || !policy.is_collectable(e.meta.observers, e.meta.unobserved_since, now)
        });
        st.details.retain(|_, e| {
            e.meta.in_flight
                || !policy.is_collectable(e.meta.observers, e.meta.unobserved_since, now)
        });
        st.tombstones.retain(|_, (_, at)| now - *at < policy.gc_ms);
        let State {
            rows,
            lists,
            details,
            ..
        } = &mut *st;
        // A row whose signal was handed out stays: a view may still read it, and it must keep
        // receiving updates.
        rows.retain(|id, row| {
            row.handed_out
                || !row.overlays.is_empty()
                || details.contains_key(id)
                || lists.values().any(|e| e.page.ids.iter().any(|x| x == id))
        });
    }

    /// Forgets every entity of `team_id` and every list filtered to it (after access was revoked).
    pub fn purge_team(&self, team_id: &str) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let ids: Vec<String> = st
                .rows
                .iter()
                .filter(|(_, row)| {
                    row.visible
                        .as_ref()
                        .or(row.confirmed.as_ref())
                        .and_then(|e| e.team_id())
                        == Some(team_id)
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in ids {
                if let Some(row) = st.rows.get_mut(&id) {
                    row.confirmed = None;
                    row.overlays.clear();
                    row.known = true;
                }
                self.refresh_row(&mut st, &id, true, &mut effects);
            }
            st.lists
                .retain(|query, _| query.team.as_deref() != Some(team_id));
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
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
        let store = self.clone();
        self.inner.bus.subscribe(move |change| {
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

    /// Forgets everything (on sign-out): every record becomes absent, every list empty and idle.
    /// Signals already handed out stay connected and show the emptiness.
    pub fn clear(&self) {
        let mut effects = self.effects();
        {
            let mut st = self.lock();
            let ids: Vec<String> = st.rows.keys().cloned().collect();
            for id in &ids {
                if let Some(row) = st.rows.get_mut(id) {
                    row.confirmed = None;
                    row.overlays.clear();
                    row.known = false;
                }
                self.refresh_row(&mut st, id, false, &mut effects);
            }
            st.tombstones.clear();
            for (query, entry) in st.lists.iter_mut() {
                entry.page = Page::default();
                entry.meta.fetched_at = None;
                entry.meta.error = None;
                entry.meta.invalidated = false;
                effects.dirty_lists.push(query.clone());
            }
            for entry in st.details.values_mut() {
                entry.meta.fetched_at = None;
                effects.detail(entry, DetailView::default());
            }
            effects.collect_lists(&mut st);
        }
        effects.flush(self);
    }

    /// Counts of what the store holds: (rows, lists, details, tombstones). For tests and dashboards.
    pub fn stats(&self) -> (usize, usize, usize, usize) {
        let st = self.lock();
        (
            st.rows.len(),
            st.lists.len(),
            st.details.len(),
            st.tombstones.len(),
        )
    }
}

/// The current entity a 409 `conflict` carries, decoded as `E`.
///
/// ```
/// use data_farm::api::ApiError;
/// use data_farm::store::conflict_current;
/// use data_farm::protocol::Team;
/// let err = ApiError::Conflict {
///     message: "changed".into(),
///     current: Some(serde_json::json!({"id":"team_1","version":4,"updated_at":"","name":"Acme"})),
/// };
/// assert_eq!(conflict_current::<Team>(&err).unwrap().version, 4);
/// ```
pub fn conflict_current<E: Entity>(err: &ApiError) -> Option<E> {
    match err {
        ApiError::Conflict {
            current: Some(current),
            ..
        } => serde_json::from_str(&current.to_string()).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
