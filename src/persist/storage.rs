//! Where persisted data lives: a small ordered key-value interface with one transaction per
//! batch. IndexedDB implements it in the browser ([`IdbStorage`](super::IdbStorage)); tests
//! and pages without IndexedDB use [`MemoryStorage`].

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures_util::future::LocalBoxFuture;

/// One write of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Stores `value` (JSON text) under `key`.
    Put(String, String),
    /// Removes `key`.
    Delete(String),
}

impl Write {
    /// The key written.
    pub fn key(&self) -> &str {
        match self {
            Write::Put(key, _) | Write::Delete(key) => key,
        }
    }
}

/// Why storage failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// There is no storage (no IndexedDB, private mode, blocked).
    #[error("local storage unavailable: {0}")]
    Unavailable(String),
    /// The browser's quota for this site is used up.
    #[error("local storage is full: {0}")]
    Quota(String),
    /// A read or write failed for another reason.
    #[error("local storage failed: {0}")]
    Failed(String),
    /// The stored data was written by a newer version of the app; it is left untouched
    /// (it may hold changes not yet sent) and this page runs in memory until reloaded.
    #[error("local data was written by a newer version of this app (layout {found}, this page reads {known}); reload the page")]
    NewerLayout {
        /// The layout version found.
        found: u32,
        /// The newest this code reads.
        known: u32,
    },
}

/// An ordered string key-value store with atomic batches.
pub trait Storage: Send + Sync {
    /// Every entry whose key starts with `prefix`, in key order.
    fn read_prefix(
        &self,
        prefix: &str,
    ) -> LocalBoxFuture<'static, Result<Vec<(String, String)>, StorageError>>;
    /// Applies `batch` in one transaction: all of it or none of it.
    fn write(&self, batch: Vec<Write>) -> LocalBoxFuture<'static, Result<(), StorageError>>;
    /// Removes every entry whose key starts with `prefix`.
    fn delete_prefix(&self, prefix: &str) -> LocalBoxFuture<'static, Result<(), StorageError>>;
}

/// The end of the key range holding every key that starts with `prefix`.
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Storage in memory, for tests and as the fallback when the browser has none. A test can make
/// writes of chosen keys fail, or every write fail with a quota error.
///
/// ```
/// use data_farm::persist::{MemoryStorage, Storage, Write};
/// let storage = MemoryStorage::default();
/// futures_executor::block_on(storage.write(vec![Write::Put("a/1".into(), "{}".into())])).unwrap();
/// let read = futures_executor::block_on(storage.read_prefix("a/")).unwrap();
/// assert_eq!(read, vec![("a/1".to_string(), "{}".to_string())]);
/// ```
#[derive(Clone, Default)]
pub struct MemoryStorage {
    inner: Arc<Mutex<MemoryInner>>,
}

#[derive(Default)]
struct MemoryInner {
    entries: BTreeMap<String, String>,
    failing_keys: Vec<String>,
    full: bool,
    transactions: usize,
}

impl MemoryStorage {
    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes every batch containing `key` fail.
    pub fn fail_key(&self, key: &str) {
        self.lock().failing_keys.push(key.to_owned());
    }

    /// Makes every write fail with a quota error (or succeed again).
    pub fn set_full(&self, full: bool) {
        self.lock().full = full;
    }

    /// Every entry, in key order.
    pub fn entries(&self) -> Vec<(String, String)> {
        self.lock()
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// How many write transactions succeeded.
    pub fn transactions(&self) -> usize {
        self.lock().transactions
    }
}

impl Storage for MemoryStorage {
    fn read_prefix(
        &self,
        prefix: &str,
    ) -> LocalBoxFuture<'static, Result<Vec<(String, String)>, StorageError>> {
        let found = self
            .lock()
            .entries
            .range(prefix.to_owned()..prefix_end(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn write(&self, batch: Vec<Write>) -> LocalBoxFuture<'static, Result<(), StorageError>> {
        let mut inner = self.lock();
        let result = if inner.full {
            Err(StorageError::Quota("memory storage marked full".into()))
        } else if let Some(key) = batch
            .iter()
            .find(|w| inner.failing_keys.iter().any(|k| k == w.key()))
        {
            Err(StorageError::Failed(format!(
                "write of {} failed",
                key.key()
            )))
        } else {
            for write in batch {
                match write {
                    Write::Put(key, value) => {
                        inner.entries.insert(key, value);
                    }
                    Write::Delete(key) => {
                        inner.entries.remove(&key);
                    }
                }
            }
            inner.transactions += 1;
            Ok(())
        };
        Box::pin(std::future::ready(result))
    }

    fn delete_prefix(&self, prefix: &str) -> LocalBoxFuture<'static, Result<(), StorageError>> {
        let mut inner = self.lock();
        let doomed: Vec<String> = inner
            .entries
            .range(prefix.to_owned()..prefix_end(prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for key in doomed {
            inner.entries.remove(&key);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}
