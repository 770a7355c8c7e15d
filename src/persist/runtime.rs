//! The persistence runtime: hydration, the write-behind timer, the outbox and its replay.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use leptos::prelude::{ArcReadSignal, ArcRwSignal, Set, Update, WithUntracked};
use serde_json::Value;

use super::config::{KindSettings, PersistConfig};
use super::keys;
use super::metrics::SyncMetrics;
use super::outbox::{mentions, ItemState, Outbox, OutboxItem, Resolution};
use super::status::{Connection, StorageHealth, SyncStatus};
use super::storage::{Storage, StorageError, Write};
use super::write_queue::WriteQueue;
use crate::api::ApiError;
use crate::cache::Environment;
use crate::store::port::{OutboxOp, PersistSink, ReplayItem};
use crate::store::AnyStore;

mod shared;

/// The version of the persisted layout. Data written under another version is dropped and
/// refilled from the server (there is nothing older to migrate from yet; a later version adds
/// its step to `migrate`).
pub const SCHEMA_VERSION: u32 = 1;

/// What a start found in local storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HydrateReport {
    /// Records put in the stores.
    pub records: usize,
    /// List pages put in the stores.
    pub lists: usize,
    /// Outbox items restored.
    pub outbox: usize,
    /// Entries that could not be read, dropped.
    pub corrupt: usize,
}

#[derive(Default)]
struct State {
    storage: Option<Arc<dyn Storage>>,
    user: Option<String>,
    queues: HashMap<&'static str, WriteQueue>,
    armed_until: Option<f64>,
    outbox: Outbox,
    /// Outbox seq -> the store mutation showing it.
    mutations: HashMap<u64, u64>,
    unreachable: bool,
    browser_offline: bool,
    syncing: bool,
    /// Whether this page sends the outbox. Off in a follower tab (see [`crate::tabs`]):
    /// it queues into the shared storage and the leader sends.
    follower: bool,
    /// Seqs of outbox items known to be in storage (written here, or read there).
    stored: HashSet<u64>,
    /// Seqs this page sent and settled: never adopted again from a storage that lags.
    settled: HashSet<u64>,
}

impl State {
    fn offline(&self) -> bool {
        self.unreachable || self.browser_offline
    }
}

struct Inner {
    /// This very state, weakly: how a store's sink call gets back to the runtime.
    me: Weak<Inner>,
    env: Arc<dyn Environment>,
    config: ArcRwSignal<PersistConfig>,
    stores: OnceLock<HashMap<&'static str, Arc<dyn AnyStore>>>,
    state: Mutex<State>,
    metrics: ArcRwSignal<SyncMetrics>,
    status: ArcRwSignal<SyncStatus>,
    outbox: ArcRwSignal<Vec<OutboxItem>>,
    /// The random low bits of this page's outbox seqs ([`Outbox::set_nonce`]).
    nonce: u32,
    /// Told whenever this page changed the outbox in storage (the other tabs look again).
    announce: Mutex<Option<Arc<dyn Fn() + Send + Sync>>>,
}

/// The persistence layer of one farm. Cheap to clone. Get it from
/// [`DataFarm::persistence`](crate::farm::DataFarm::persistence).
///
/// ```
/// use data_farm::prelude::*;
/// use data_farm::persist::{MemoryStorage, PersistConfig};
/// use std::sync::Arc;
///
/// let farm = DataFarm::new(DataFarmConfig::new("").builtin_kinds().persist(PersistConfig::new("demo")));
/// let persistence = farm.persistence().expect("turned on");
/// let report = futures_executor::block_on(async {
///     persistence.attach(Arc::new(MemoryStorage::default())).await;
///     persistence.start("alice").await
/// });
/// assert_eq!(report.records, 0);
/// ```
#[derive(Clone)]
pub struct Persistence {
    inner: Arc<Inner>,
}

fn stored_item(item: &OutboxItem, user: &str) -> Option<Write> {
    let json = serde_json::to_string(item).ok()?;
    Some(Write::Put(keys::outbox_item(user, item.seq), json))
}

impl Persistence {
    pub(crate) fn new(config: PersistConfig, env: Arc<dyn Environment>) -> Self {
        let nonce = env.random();
        Persistence {
            inner: Arc::new_cyclic(|me| Inner {
                me: me.clone(),
                env,
                nonce,
                announce: Mutex::new(None),
                config: ArcRwSignal::new(config),
                stores: OnceLock::new(),
                state: Mutex::new(State {
                    outbox: {
                        let mut outbox = Outbox::default();
                        outbox.set_nonce(nonce);
                        outbox
                    },
                    ..State::default()
                }),
                metrics: ArcRwSignal::new(SyncMetrics::default()),
                status: ArcRwSignal::new(SyncStatus::default()),
                outbox: ArcRwSignal::new(Vec::new()),
            }),
        }
    }

    /// Connects the stores (the farm does this once).
    pub(crate) fn connect(&self, stores: HashMap<&'static str, Arc<dyn AnyStore>>) {
        let sink: Weak<dyn PersistSink> = Arc::downgrade(&self.inner) as Weak<dyn PersistSink>;
        for store in stores.values() {
            store.attach_persistence(sink.clone());
        }
        let _ = self.inner.stores.set(stores);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock()
    }

    fn store(&self, kind: &str) -> Option<Arc<dyn AnyStore>> {
        self.inner.stores.get()?.get(kind).cloned()
    }

    fn stores(&self) -> Vec<Arc<dyn AnyStore>> {
        self.inner
            .stores
            .get()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default()
    }

    // ----- signals -----------------------------------------------------------------------------

    /// The sync metrics, live.
    pub fn metrics(&self) -> ArcReadSignal<SyncMetrics> {
        self.inner.metrics.read_only()
    }

    /// Resets the metrics' counters and timings.
    pub fn reset_metrics(&self) {
        self.inner.metrics.update(SyncMetrics::reset);
    }

    /// Connection, sync and storage health, live.
    pub fn status(&self) -> ArcReadSignal<SyncStatus> {
        self.inner.status.read_only()
    }

    /// The outbox, in queue order, live.
    pub fn outbox(&self) -> ArcReadSignal<Vec<OutboxItem>> {
        self.inner.outbox.read_only()
    }

    /// The configuration in force, live.
    pub fn config(&self) -> ArcReadSignal<PersistConfig> {
        self.inner.config.read_only()
    }

    /// Whether an outbox item for this entity waits (for a "pending" badge).
    pub fn is_pending(&self, kind: &str, id: &str) -> bool {
        use leptos::prelude::With;
        self.inner
            .outbox
            .with(|items| items.iter().any(|i| i.kind == kind && i.id == id))
    }

    /// Changes one kind's settings at run time. Disabling a kind stops writing it and deletes
    /// what was stored of it.
    pub async fn configure(&self, kind: &str, settings: KindSettings) {
        let enabled = settings.enabled;
        self.inner.config.update(|config| {
            config.kinds.insert(kind.to_owned(), settings);
        });
        if let Some(store) = self.store(kind) {
            let started = self.lock().user.is_some();
            store.set_persisting(enabled && started);
        }
        if !enabled {
            let (storage, user) = {
                let mut st = self.lock();
                if let Some(queue) = st.queues.get_mut(kind) {
                    *queue = WriteQueue::default();
                }
                (st.storage.clone(), st.user.clone())
            };
            if let (Some(storage), Some(user)) = (storage, user) {
                let _ = storage.delete_prefix(&keys::records(&user, kind)).await;
                let _ = storage.delete_prefix(&keys::lists(&user, kind)).await;
            }
        }
        self.publish();
    }

    fn settings(&self, kind: &str) -> KindSettings {
        self.inner.settings(kind)
    }

    // ----- start, stop ---------------------------------------------------------------------------

    /// Uses `storage` from now on, checking its schema version first: data of another version
    /// is dropped (and refilled from the server). A storage that fails here is not used: the
    /// layer runs in memory and says so in [`SyncStatus::storage`].
    pub async fn attach(&self, storage: Arc<dyn Storage>) {
        let checked = async {
            let found = storage.read_prefix(keys::SCHEMA).await?;
            let version = found
                .iter()
                .find(|(k, _)| k == keys::SCHEMA)
                .and_then(|(_, v)| v.parse::<u32>().ok());
            if version != Some(SCHEMA_VERSION) {
                migrate(&*storage, version).await?;
            }
            Ok::<_, StorageError>(())
        }
        .await;
        match checked {
            Ok(()) => {
                self.lock().storage = Some(storage);
                self.inner
                    .status
                    .update(|s| s.storage = StorageHealth::Persistent);
            }
            Err(err) => self.degrade(err),
        }
    }

    /// Runs in memory only from now on, saying why.
    pub fn degrade(&self, err: StorageError) {
        {
            let mut st = self.lock();
            st.storage = None;
            st.queues.clear();
        }
        self.inner
            .status
            .update(|s| s.storage = StorageHealth::MemoryOnly(err.to_string()));
    }

    /// Starts persisting for `user`: fills the stores from what was stored for them (records,
    /// list pages, the outbox with its optimistic changes) and from then on records every
    /// change. Call it after sign-in (or when starting offline with a remembered session),
    /// before the first fetch.
    ///
    /// Starting again for the user already started does nothing (their data is in the stores,
    /// their queued changes shown once). Sign-out ([`Persistence::forget_user`]) comes before
    /// starting for another user.
    pub async fn start(&self, user: &str) -> HydrateReport {
        let hydrated = self.inner.status.with_untracked(|s| s.hydrated);
        let storage = {
            let mut st = self.lock();
            if hydrated && st.user.as_deref() == Some(user) {
                return HydrateReport::default();
            }
            st.user = Some(user.to_owned());
            st.storage.clone()
        };
        let mut report = HydrateReport::default();
        let entries = match &storage {
            Some(storage) => match storage.read_prefix(&keys::user(user)).await {
                Ok(entries) => entries,
                Err(err) => {
                    self.degrade(err);
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let mut corrupt = Vec::new();
        let mut records: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut lists: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut items = Vec::new();
        let records_prefix = keys::all_records(user);
        let lists_prefix = keys::all_lists(user);
        let outbox_prefix = keys::outbox(user);
        for (key, value) in entries {
            if let Some(kind) = keys::kind_after(&key, &records_prefix).map(str::to_owned) {
                records.entry(kind).or_default().push((key, value));
            } else if let Some(kind) = keys::kind_after(&key, &lists_prefix).map(str::to_owned) {
                lists.entry(kind).or_default().push((key, value));
            } else if key.starts_with(&outbox_prefix) {
                match serde_json::from_str::<OutboxItem>(&value) {
                    Ok(item) => items.push(item),
                    Err(_) => corrupt.push(key),
                }
            } else {
                corrupt.push(key);
            }
        }
        let mut kinds: Vec<String> = records.keys().chain(lists.keys()).cloned().collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let recs = records.remove(&kind).unwrap_or_default();
            let pages = lists.remove(&kind).unwrap_or_default();
            match self.store(&kind).filter(|_| self.settings(&kind).enabled) {
                Some(store) => {
                    let (loaded, listed, bad) = store.hydrate_json(recs, pages);
                    report.records += loaded;
                    report.lists += listed;
                    corrupt.extend(bad);
                }
                // A kind no longer registered or persisted: its data is of no use.
                None => corrupt.extend(recs.into_iter().chain(pages).map(|(k, _)| k)),
            }
        }
        let stored_seqs: Vec<u64> = items.iter().map(|i| i.seq).collect();
        let mut outbox = Outbox::restore(items);
        outbox.set_nonce(self.inner.nonce);
        let mut mutations = HashMap::new();
        for item in outbox.items() {
            if let Some(store) = self.store(&item.kind) {
                if let Some(mutation) = store.restore_overlay(item.op, &item.id, &item.body) {
                    mutations.insert(item.seq, mutation);
                }
            }
        }
        report.outbox = outbox.len();
        report.corrupt = corrupt.len();
        {
            let mut st = self.lock();
            st.outbox = outbox;
            st.mutations = mutations;
            st.stored = stored_seqs.into_iter().collect();
        }
        if let (Some(storage), false) = (&storage, corrupt.is_empty()) {
            let _ = storage
                .write(corrupt.into_iter().map(Write::Delete).collect())
                .await;
        }
        let config = self.inner.config.with_untracked(Clone::clone);
        for store in self.stores() {
            store.set_persisting(config.settings(store.kind()).enabled);
        }
        self.inner.status.update(|s| {
            s.hydrated = true;
            s.corrupt_dropped += report.corrupt;
        });
        self.publish();
        let (pending, follower) = {
            let st = self.lock();
            (st.outbox.has_pending(), st.follower)
        };
        if pending && !follower {
            self.spawn_sync();
        }
        report
    }

    /// Forgets the current user's persisted data (records, lists, outbox, remembered session)
    /// and stops persisting: what sign-out must do, so nothing of theirs stays in the browser.
    pub async fn forget_user(&self) {
        let (storage, user) = {
            let mut st = self.lock();
            let user = st.user.take();
            st.queues.clear();
            st.outbox = Outbox::default();
            st.outbox.set_nonce(self.inner.nonce);
            st.mutations.clear();
            st.stored.clear();
            (st.storage.clone(), user)
        };
        for store in self.stores() {
            store.set_persisting(false);
        }
        if let (Some(storage), Some(user)) = (storage, user) {
            let _ = storage.delete_prefix(&keys::user(&user)).await;
            let _ = storage
                .write(vec![Write::Delete(keys::SESSION.to_owned())])
                .await;
        }
        self.inner.status.update(|s| s.hydrated = false);
        self.publish();
    }

    /// Deletes what is stored of `team`'s entities (access to it was revoked).
    pub async fn forget_team(&self, team: &str) {
        let (storage, user) = {
            let st = self.lock();
            (st.storage.clone(), st.user.clone())
        };
        let stores = self.stores();
        let owned_by_team = |kind: &str, json: &str| {
            stores
                .iter()
                .find(|s| s.kind() == kind)
                .and_then(|s| s.team_of_json(json))
                .is_some_and(|t| t == team)
        };
        {
            let mut st = self.lock();
            for (kind, queue) in st.queues.iter_mut() {
                queue.retain(|write| match write {
                    Write::Put(_, json) => !owned_by_team(kind, json),
                    Write::Delete(_) => true,
                });
            }
        }
        let (Some(storage), Some(user)) = (storage, user) else {
            return;
        };
        let prefix = keys::all_records(&user);
        let Ok(entries) = storage.read_prefix(&prefix).await else {
            return;
        };
        let doomed: Vec<Write> = entries
            .into_iter()
            .filter(|(key, json)| {
                keys::kind_after(key, &prefix).is_some_and(|kind| owned_by_team(kind, json))
            })
            .map(|(key, _)| Write::Delete(key))
            .collect();
        if !doomed.is_empty() {
            let _ = storage.write(doomed).await;
        }
    }

    /// Remembers a session (its JSON) so the application can start offline after a reload.
    pub async fn remember_session(&self, json: String) {
        let storage = self.lock().storage.clone();
        if let Some(storage) = storage {
            let _ = storage
                .write(vec![Write::Put(keys::SESSION.to_owned(), json)])
                .await;
        }
    }

    /// The session remembered by [`Persistence::remember_session`], if any.
    pub async fn remembered_session(&self) -> Option<String> {
        let storage = self.lock().storage.clone()?;
        let entries = storage.read_prefix(keys::SESSION).await.ok()?;
        entries
            .into_iter()
            .find(|(k, _)| k == keys::SESSION)
            .map(|(_, v)| v)
    }

    // ----- write-behind ----------------------------------------------------------------------

    /// Writes every queued record now, whatever its timer says.
    pub async fn flush(&self) {
        self.write_queued(f64::INFINITY).await;
    }

    /// Writes every queued record due by `until`, in each kind's batch size.
    async fn write_queued(&self, until: f64) {
        let batches = {
            let mut st = self.lock();
            let config = self.inner.config.with_untracked(Clone::clone);
            let mut batches = Vec::new();
            for (kind, queue) in st.queues.iter_mut() {
                batches.extend(queue.take_due(until, config.settings(kind).batch_size));
            }
            batches
        };
        self.write_batches(batches).await;
    }

    async fn write_batches(&self, batches: Vec<Vec<Write>>) {
        let Some(storage) = self.lock().storage.clone() else {
            return;
        };
        let (mut written, mut failures) = (0u64, 0u64);
        for batch in batches {
            let len = batch.len() as u64;
            match storage.write(batch).await {
                Ok(()) => written += len,
                Err(StorageError::Quota(reason)) => {
                    failures += 1;
                    self.degrade(StorageError::Quota(reason));
                    break;
                }
                Err(_) => failures += 1,
            }
        }
        let pending = self.lock().queues.values().map(WriteQueue::len).sum();
        self.inner.metrics.update(|m| {
            m.records_written += written;
            m.write_failures += failures;
            m.writes_pending = pending;
        });
    }

    /// Arms the write-behind timer for `due` unless one fires earlier already.
    fn arm(&self, due: f64) {
        {
            let mut st = self.lock();
            if st.armed_until.is_some_and(|armed| armed <= due) {
                return;
            }
            st.armed_until = Some(due);
        }
        let this = self.clone();
        let wait = (due - self.inner.env.now()).max(0.0);
        self.inner.env.spawn(Box::pin(async move {
            this.inner.env.sleep(wait).await;
            {
                let mut st = this.lock();
                if st.armed_until != Some(due) {
                    return; // an earlier timer took over
                }
                st.armed_until = None;
            }
            this.write_queued(this.inner.env.now()).await;
            let next = this
                .lock()
                .queues
                .values()
                .filter_map(WriteQueue::next_due)
                .reduce(f64::min);
            if let Some(next) = next {
                this.arm(next);
            }
        }));
    }

    // ----- outbox ----------------------------------------------------------------------------

    /// Whether the page is offline (the browser says so, or the server could not be reached).
    pub fn set_browser_offline(&self, offline: bool) {
        {
            let mut st = self.lock();
            st.browser_offline = offline;
            if !offline {
                st.unreachable = false;
            }
        }
        self.publish();
        if !offline {
            self.spawn_sync();
        }
    }

    /// The server answered again: send what waits. The realtime subscriber calls this whenever
    /// its connection becomes live.
    pub fn reachable(&self) {
        let was = std::mem::replace(&mut self.lock().unreachable, false);
        if was {
            self.publish();
        }
        self.spawn_sync();
    }

    fn spawn_sync(&self) {
        let this = self.clone();
        self.inner
            .env
            .spawn(Box::pin(async move { this.sync_now().await }));
    }

    /// Sends the outbox now, in order, until it is empty or the server cannot be reached.
    /// Items refused with a conflict wait for the user; other refusals stay, marked failed.
    pub async fn sync_now(&self) {
        {
            let mut st = self.lock();
            if st.syncing || st.browser_offline || st.follower || st.user.is_none() {
                return;
            }
            st.syncing = true;
        }
        self.publish();
        loop {
            let next = {
                let mut st = self.lock();
                let next = st.outbox.next_ready().cloned();
                if let Some(item) = &next {
                    if let Some(stored) = st.outbox.get_mut(item.seq) {
                        stored.state = ItemState::Syncing;
                        stored.attempts += 1;
                    }
                }
                next
            };
            let Some(item) = next else { break };
            self.persist_item(item.seq).await;
            self.publish();
            let mutation = self.lock().mutations.get(&item.seq).copied();
            let started = self.inner.env.now();
            let result = match self.store(&item.kind) {
                Some(store) => store.replay(ReplayItem::from(&item), mutation).await,
                None => Err(ApiError::Decode(format!("unknown kind {}", item.kind))),
            };
            let ended = self.inner.env.now();
            let offline = matches!(result, Err(ApiError::Network(_)));
            self.inner
                .metrics
                .update(|m| m.record_sync(result.is_ok(), ended - started, ended));
            self.settle(item, result).await;
            if offline {
                break;
            }
        }
        self.lock().syncing = false;
        self.publish();
    }

    async fn settle(&self, item: OutboxItem, result: Result<Option<String>, ApiError>) {
        match result {
            Ok(confirmed_id) => {
                let renamed = {
                    let mut st = self.lock();
                    st.unreachable = false;
                    st.outbox.remove(item.seq);
                    st.mutations.remove(&item.seq);
                    st.settled.insert(item.seq);
                    match (&confirmed_id, item.op) {
                        (Some(real), OutboxOp::Create) if *real != item.id => {
                            st.outbox.map_temp_id(&item.id, real)
                        }
                        _ => Vec::new(),
                    }
                };
                if let (Some(real), OutboxOp::Create) = (&confirmed_id, item.op) {
                    for store in self.stores() {
                        store.rewrite_reference(&item.id, real);
                    }
                }
                self.delete_item(item.seq).await;
                for seq in renamed {
                    self.persist_item(seq).await;
                }
            }
            Err(err) => {
                {
                    let mut st = self.lock();
                    let network = matches!(err, ApiError::Network(_));
                    if network {
                        st.unreachable = true;
                    }
                    if let Some(stored) = st.outbox.get_mut(item.seq) {
                        stored.state = match &err {
                            ApiError::Network(_) => ItemState::Pending,
                            ApiError::Conflict { current, .. } => ItemState::Conflict {
                                theirs: current.clone().unwrap_or(Value::Null),
                            },
                            other => ItemState::Failed {
                                error: other.to_string(),
                            },
                        };
                    }
                }
                self.persist_item(item.seq).await;
            }
        }
        self.publish();
    }

    /// Settles a conflict as the user chose. Keeping mine or merging re-sends over the
    /// server's current version; taking theirs drops my change (the server's version shows).
    pub async fn resolve(&self, seq: u64, resolution: Resolution) {
        let (item, mutation, still_queued) = {
            let mut st = self.lock();
            let Some(item) = st.outbox.get(seq).cloned() else {
                return;
            };
            let Some(still_queued) = st.outbox.resolve(seq, resolution.clone()) else {
                return;
            };
            let mutation = if still_queued {
                st.mutations.get(&seq).copied()
            } else {
                st.mutations.remove(&seq)
            };
            (item, mutation, still_queued)
        };
        let store = self.store(&item.kind);
        if let (Some(store), Some(mutation)) = (&store, mutation) {
            match (&resolution, still_queued) {
                (Resolution::TakeTheirs, _) | (_, false) => store.release(&item.id, mutation),
                (Resolution::Merge(body), true) => {
                    // The merged body replaces the change shown.
                    store.release(&item.id, mutation);
                    if let Some(next) = store.restore_overlay(item.op, &item.id, body) {
                        self.lock().mutations.insert(seq, next);
                    }
                }
                (Resolution::KeepMine, true) => {}
            }
        }
        if still_queued {
            self.persist_item(seq).await;
        } else {
            self.delete_item(seq).await;
        }
        self.publish();
        if still_queued {
            self.spawn_sync();
        }
    }

    /// Puts a failed item back in line and syncs.
    pub async fn retry(&self, seq: u64) {
        let retried = self.lock().outbox.retry(seq);
        if retried {
            self.persist_item(seq).await;
            self.publish();
            self.spawn_sync();
        }
    }

    /// Drops a queued item and its optimistic change (the entity shows as the server has it).
    pub async fn discard(&self, seq: u64) {
        let (item, mutation) = {
            let mut st = self.lock();
            (st.outbox.remove(seq), st.mutations.remove(&seq))
        };
        let Some(item) = item else { return };
        if let (Some(store), Some(mutation)) = (self.store(&item.kind), mutation) {
            store.release(&item.id, mutation);
        }
        self.delete_item(seq).await;
        self.publish();
    }

    /// Stores outbox item `seq` as it is now.
    async fn persist_item(&self, seq: u64) {
        let write = {
            let st = self.lock();
            st.user
                .as_deref()
                .zip(st.outbox.get(seq))
                .and_then(|(user, item)| stored_item(item, user))
        };
        if self.write_now(write.into_iter().collect()).await {
            self.lock().stored.insert(seq);
            self.announce();
        }
    }

    /// Writes `writes` at once, in one transaction (outbox changes wait for no timer); a
    /// failure is counted.
    /// failure is counted. Whether something was written.
    async fn write_now(&self, writes: Vec<Write>) -> bool {
        let storage = self.lock().storage.clone();
        if let (Some(storage), false) = (storage, writes.is_empty()) {
            return match storage.write(writes).await {
                Ok(()) => true,
                Err(err) => {
                    self.count_write_failure(err);
                    false
                }
            };
        }
        false
    }

    /// Deletes the stored items `seqs` (dropped together, e.g. a create and what was queued
    /// for it). Only these: other tabs keep their own items in the same storage.
    async fn delete_items(&self, seqs: Vec<u64>) {
        let user = self.lock().user.clone();
        if let (Some(user), false) = (user, seqs.is_empty()) {
            let writes = seqs
                .iter()
                .map(|seq| Write::Delete(keys::outbox_item(&user, *seq)))
                .collect();
            if self.write_now(writes).await {
                self.announce();
            }
        }
    }

    async fn delete_item(&self, seq: u64) {
        self.delete_items(vec![seq]).await;
    }

    fn count_write_failure(&self, err: StorageError) {
        self.inner.metrics.update(|m| m.write_failures += 1);
        if matches!(err, StorageError::Quota(_)) {
            self.degrade(err);
        }
    }

    /// Publishes the outbox, the pending count and the connection state.
    fn publish(&self) {
        let (items, pending, offline, syncing) = {
            let st = self.lock();
            (
                st.outbox.items().to_vec(),
                st.outbox.len(),
                st.offline(),
                st.syncing,
            )
        };
        if self
            .inner
            .outbox
            .with_untracked(|current| *current != items)
        {
            self.inner.outbox.set(items);
        }
        if self.inner.metrics.with_untracked(|m| m.pending != pending) {
            self.inner.metrics.update(|m| m.pending = pending);
        }
        let connection = if offline {
            Connection::Offline
        } else {
            Connection::Online
        };
        if self
            .inner
            .status
            .with_untracked(|s| s.connection != connection || s.syncing != syncing)
        {
            self.inner.status.update(|s| {
                s.connection = connection;
                s.syncing = syncing;
            });
        }
    }
}

/// Brings stored data from `found` to [`SCHEMA_VERSION`]. Records and list pages are a cache
/// the server can give again: of an older layout (or none, or garbage) they are dropped. The
/// outbox is not: its items hold changes the server has never seen, so they stay (an item
/// that can no longer be read is counted as corrupt when hydrated, not silently lost here).
/// Data of a newer layout is not touched at all.
async fn migrate(storage: &dyn Storage, found: Option<u32>) -> Result<(), StorageError> {
    if let Some(found) = found.filter(|v| *v > SCHEMA_VERSION) {
        return Err(StorageError::NewerLayout {
            found,
            known: SCHEMA_VERSION,
        });
    }
    let mut batch: Vec<Write> = storage
        .read_prefix("")
        .await?
        .into_iter()
        .filter(|(key, _)| !keys::is_outbox_item(key))
        .map(|(key, _)| Write::Delete(key))
        .collect();
    batch.push(Write::Put(
        keys::SCHEMA.to_owned(),
        SCHEMA_VERSION.to_string(),
    ));
    storage.write(batch).await
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn settings(&self, kind: &str) -> KindSettings {
        self.config.with_untracked(|c| c.settings(kind))
    }
}

impl PersistSink for Inner {
    fn record(
        &self,
        kind: &'static str,
        records: Vec<(String, Option<String>)>,
        pages: Vec<(String, String)>,
    ) {
        self.record_writes(kind, |user| {
            let records = records.into_iter().map(|(id, value)| {
                let key = keys::record(user, kind, &id);
                match value {
                    Some(json) => Write::Put(key, json),
                    None => Write::Delete(key),
                }
            });
            let pages = pages
                .into_iter()
                .map(|(query, value)| Write::Put(keys::list(user, kind, &query), value));
            records.chain(pages).collect()
        });
    }

    fn must_queue(&self, kind: &'static str, id: &str, body: &Value) -> bool {
        if !self.settings(kind).sync {
            return false;
        }
        let st = self.lock();
        st.user.is_some()
            && (st.offline()
                || st.outbox.items().iter().any(|item| {
                    (item.kind == kind && item.id == id)
                        || (item.op == OutboxOp::Create && mentions(body, &item.id))
                }))
    }

    fn enqueue(
        &self,
        kind: &'static str,
        op: OutboxOp,
        id: &str,
        body: Value,
        base_version: Option<u64>,
        mutation: Option<u64>,
    ) {
        let Some(this) = self.handle() else { return };
        let now = self.env.now();
        let (seq, cancelled, dropped, start_sync) = {
            let mut st = self.lock();
            let before: Vec<u64> = st
                .outbox
                .items()
                .iter()
                .filter(|i| i.kind == kind && i.id == id)
                .map(|i| i.seq)
                .collect();
            let seq = st.outbox.push(kind, op, id, body, base_version, now);
            let mut cancelled = Vec::new();
            match seq {
                Some(seq) => {
                    if let Some(mutation) = mutation {
                        st.mutations.insert(seq, mutation);
                    }
                }
                None => {
                    cancelled.extend(mutation);
                    for seq in &before {
                        cancelled.extend(st.mutations.remove(seq));
                    }
                }
            }
            let config = self.config.with_untracked(Clone::clone);
            let start =
                !st.offline() && (config.sync_on_change || st.outbox.len() >= config.max_queue);
            (seq, cancelled, before, start)
        };
        if let Some(store) = this.store(kind) {
            for mutation in cancelled {
                store.release(id, mutation);
            }
        }
        self.env.spawn(Box::pin(async move {
            match seq {
                Some(seq) => this.persist_item(seq).await,
                // The create was never sent: its stored items go too.
                None => this.delete_items(dropped).await,
            }
            this.publish();
            if start_sync {
                this.sync_now().await;
            }
        }));
    }

    fn unreachable(&self) {
        let changed = !std::mem::replace(&mut self.lock().unreachable, true);
        if changed {
            if let Some(this) = self.handle() {
                this.publish();
            }
        }
    }
}

impl Inner {
    /// A handle to the runtime owning this state.
    fn handle(&self) -> Option<Persistence> {
        self.me.upgrade().map(|inner| Persistence { inner })
    }

    /// Queues the writes `writes` builds for the current user (one lock, one timer check for
    /// the whole batch of a store update); nothing without a user or a storage.
    fn record_writes(&self, kind: &'static str, writes: impl FnOnce(&str) -> Vec<Write>) {
        let settings = self.settings(kind);
        let now = self.env.now();
        let due = {
            let mut st = self.lock();
            if st.storage.is_none() {
                return;
            }
            let Some(user) = st.user.clone() else { return };
            let queue = st.queues.entry(kind).or_default();
            for write in writes(&user) {
                queue.record(write, now, settings.debounce_ms);
            }
            now + settings.debounce_ms.max(0.0)
        };
        if let Some(this) = self.handle() {
            this.arm(due);
        }
    }
}
