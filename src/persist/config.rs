//! What persistence does, per entity kind and for the outbox; changeable while running.

use std::collections::BTreeMap;

/// How one entity kind is persisted.
#[derive(Debug, Clone, PartialEq)]
pub struct KindSettings {
    /// Whether records of this kind are written to local storage and hydrated from it.
    pub enabled: bool,
    /// How long a record must stay unchanged before it is written, in milliseconds (each
    /// record has its own timer; a change restarts it).
    pub debounce_ms: f64,
    /// How many records go in one storage transaction.
    pub batch_size: usize,
    /// Whether local changes made while offline are kept in the outbox and sent later
    /// (otherwise they fail as usual).
    pub sync: bool,
}

impl Default for KindSettings {
    fn default() -> Self {
        KindSettings {
            enabled: true,
            debounce_ms: 300.0,
            batch_size: 10,
            sync: true,
        }
    }
}

/// How the whole persistence layer behaves. Built once and handed to
/// [`DataFarmConfig::persist`](crate::farm::DataFarmConfig::persist); per-kind settings can
/// change later through [`Persistence::configure`](super::Persistence::configure).
///
/// ```
/// use data_farm::persist::{KindSettings, PersistConfig};
/// let config = PersistConfig::new("my-app")
///     .kind("device", KindSettings { debounce_ms: 1000.0, ..KindSettings::default() })
///     .sync_interval_ms(10_000.0);
/// assert_eq!(config.settings("device").debounce_ms, 1000.0);
/// assert_eq!(config.settings("team").debounce_ms, 300.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PersistConfig {
    /// The IndexedDB database name.
    pub database: String,
    /// Settings of kinds not named in `kinds`.
    pub defaults: KindSettings,
    /// Settings per kind.
    pub kinds: BTreeMap<String, KindSettings>,
    /// How often a non-empty outbox is synced, in milliseconds (default 30 s).
    pub sync_interval_ms: f64,
    /// Whether a change queued in the outbox starts a sync at once (default yes).
    pub sync_on_change: bool,
    /// An outbox this long is synced at once even without sync-on-change (default 50).
    pub max_queue: usize,
}

impl PersistConfig {
    /// Defaults, stored in the IndexedDB database `database`.
    pub fn new(database: impl Into<String>) -> Self {
        PersistConfig {
            database: database.into(),
            defaults: KindSettings::default(),
            kinds: BTreeMap::new(),
            sync_interval_ms: 30_000.0,
            sync_on_change: true,
            max_queue: 50,
        }
    }

    /// Sets one kind's settings.
    pub fn kind(mut self, kind: &str, settings: KindSettings) -> Self {
        self.kinds.insert(kind.to_owned(), settings);
        self
    }

    /// Sets the periodic sync interval.
    pub fn sync_interval_ms(mut self, ms: f64) -> Self {
        self.sync_interval_ms = ms;
        self
    }

    /// Turns sync-on-change on or off.
    pub fn sync_on_change(mut self, on: bool) -> Self {
        self.sync_on_change = on;
        self
    }

    /// Sets the outbox length that forces a sync.
    pub fn max_queue(mut self, max: usize) -> Self {
        self.max_queue = max.max(1);
        self
    }

    /// The settings in force for `kind`.
    pub fn settings(&self, kind: &str) -> KindSettings {
        self.kinds
            .get(kind)
            .cloned()
            .unwrap_or_else(|| self.defaults.clone())
    }
}
