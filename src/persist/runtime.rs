//! The persistence runtime: hydration, the write-behind timer, the outbox and its replay.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use leptos::prelude::{ArcReadSignal, ArcRwSignal, Set, Update, WithUntracked};
use serde_json::Value;

use super::config::{KindSettings, PersistConfig};
use super::keys;
use super::metrics::{SyncMetrics, WriteRun};
use super::outbox::{mentions, ItemState, Outbox, OutboxItem, Resolution};
use super::status::{Connection, StorageHealth, SyncStatus};
use super::storage::{Storage, StorageError, Write};
use super::write_queue::WriteQueue;
use crate::api::ApiError;
use crate::cache::Environment;
use crate::store::port::{OutboxOp, PersistSink, ReplayItem};
use crate::store::PersistedStore;

mod lifecycle;
mod shared;
mod sync;
mod write_behind;

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
    stores: OnceLock<HashMap<&'static str, Arc<dyn PersistedStore>>>,
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
    pub(crate) fn connect(&self, stores: HashMap<&'static str, Arc<dyn PersistedStore>>) {
        let sink: Weak<dyn PersistSink> = Arc::downgrade(&self.inner) as Weak<dyn PersistSink>;
        for store in stores.values() {
            store.attach_persistence(sink.clone());
        }
        let _ = self.inner.stores.set(stores);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock()
    }

    fn store(&self, kind: &str) -> Option<Arc<dyn PersistedStore>> {
        self.inner.stores.get()?.get(kind).cloned()
    }

    fn stores(&self) -> Vec<Arc<dyn PersistedStore>> {
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
