//! [`Storage`] over IndexedDB (through the `idb` crate): one object store of string keys and
//! JSON text values; every batch is one read-write transaction.

use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use idb::{Database, DatabaseEvent, Factory, KeyRange, ObjectStoreParams, Query, TransactionMode};
use send_wrapper::SendWrapper;
use wasm_bindgen::{JsCast, JsValue};

use super::keys;
use super::storage::{prefix_end, Storage, StorageError, Write};

/// The object store holding every entry.
const ENTRIES: &str = "entries";
/// The IndexedDB version of the database layout (one object store). The layout of what is
/// inside is versioned separately ([`SCHEMA_VERSION`](super::SCHEMA_VERSION)).
const DB_VERSION: u32 = 1;

/// Local storage in the browser's IndexedDB.
///
/// ```no_run
/// # async fn demo() -> Result<(), data_farm::persist::StorageError> {
/// use data_farm::persist::IdbStorage;
/// let storage = IdbStorage::open("my-app").await?;
/// # Ok(()) }
/// ```
pub struct IdbStorage {
    db: SendWrapper<Rc<Database>>,
}

fn failed(err: idb::Error) -> StorageError {
    let text = err.to_string();
    if text.contains("Quota") {
        StorageError::Quota(text)
    } else {
        StorageError::Failed(text)
    }
}

/// Waits for a read-write transaction to end; all of it held, or none of it.
async fn finish(tx: idb::Transaction) -> Result<(), StorageError> {
    match tx.await.map_err(failed)? {
        idb::TransactionResult::Committed => Ok(()),
        idb::TransactionResult::Aborted => {
            Err(StorageError::Failed("the transaction was aborted".into()))
        }
    }
}

impl IdbStorage {
    /// Opens (creating when needed) the database `name`.
    ///
    /// A database this code cannot open (written by a newer layout, or broken) is deleted and
    /// created anew only when it holds no outbox item: records and lists are a cache the server
    /// can give again, the outbox holds changes it has never seen. One that holds them, or
    /// whose content cannot be read at all, is kept and the error returned (the page then
    /// runs in memory and says so; a newer tab or a reload can still send them).
    pub async fn open(name: &str) -> Result<IdbStorage, StorageError> {
        match Self::open_once(name).await {
            Ok(storage) => Ok(storage),
            Err(StorageError::Unavailable(reason)) => Err(StorageError::Unavailable(reason)),
            Err(err) => {
                if Self::may_hold_outbox(name).await {
                    return Err(StorageError::Failed(format!(
                        "{err}; the database is kept because it holds changes not yet sent"
                    )));
                }
                let factory =
                    Factory::new().map_err(|e| StorageError::Unavailable(e.to_string()))?;
                factory
                    .delete(name)
                    .map_err(failed)?
                    .await
                    .map_err(failed)?;
                Self::open_once(name).await
            }
        }
    }

    /// Whether the database `name`, opened at whatever version it has, holds an outbox item,
    /// or cannot be read well enough to tell (then it must be kept too).
    async fn may_hold_outbox(name: &str) -> bool {
        let Ok(factory) = Factory::new() else {
            return true;
        };
        let Ok(request) = factory.open(name, None) else {
            return true;
        };
        let Ok(db) = request.await else {
            return true;
        };
        if !db.store_names().iter().any(|s| s == ENTRIES) {
            db.close();
            return false;
        }
        let keys = async {
            let tx = db.transaction(&[ENTRIES], TransactionMode::ReadOnly).ok()?;
            let store = tx.object_store(ENTRIES).ok()?;
            store.get_all_keys(None, None).ok()?.await.ok()
        }
        .await;
        db.close();
        match keys {
            Some(keys) => keys
                .iter()
                .any(|key| key.as_string().is_none_or(|k| keys::is_outbox_item(&k))),
            None => true,
        }
    }

    async fn open_once(name: &str) -> Result<IdbStorage, StorageError> {
        let factory = Factory::new().map_err(|e| StorageError::Unavailable(e.to_string()))?;
        let mut request = factory
            .open(name, Some(DB_VERSION))
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                if !db.store_names().iter().any(|s| s == ENTRIES) {
                    let _ = db.create_object_store(ENTRIES, ObjectStoreParams::new());
                }
            }
        });
        // Another tab opening a newer version waits (`blocked`) until this one closes; it
        // closes at once when asked, so that tab is never stuck. Its own writes fail from then
        // on, and the layer says so (memory only) until the page is reloaded.
        request.on_blocked(|_| {
            leptos::logging::warn!(
                "data-farm: IndexedDB is held open by another tab of an older version"
            );
        });
        let mut db = request.await.map_err(failed)?;
        db.on_version_change(|event| {
            if let Some(db) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::IdbDatabase>().ok())
            {
                db.close();
            }
        });
        if !db.store_names().iter().any(|s| s == ENTRIES) {
            db.close();
            return Err(StorageError::Failed(
                "the database has no entries store".into(),
            ));
        }
        Ok(IdbStorage {
            db: SendWrapper::new(Rc::new(db)),
        })
    }

    fn range(prefix: &str) -> Result<Query, StorageError> {
        KeyRange::bound(
            &JsValue::from_str(prefix),
            &JsValue::from_str(&prefix_end(prefix)),
            Some(false),
            Some(false),
        )
        .map(Query::KeyRange)
        .map_err(failed)
    }
}

impl Drop for IdbStorage {
    /// Closes the connection, so that the database can be deleted or upgraded by others.
    fn drop(&mut self) {
        if Rc::strong_count(&self.db) == 1 {
            self.db.close();
        }
    }
}

impl Storage for IdbStorage {
    fn read_prefix(
        &self,
        prefix: &str,
    ) -> LocalBoxFuture<'static, Result<Vec<(String, String)>, StorageError>> {
        let db = Rc::clone(&self.db);
        let prefix = prefix.to_owned();
        Box::pin(async move {
            let tx = db
                .transaction(&[ENTRIES], TransactionMode::ReadOnly)
                .map_err(failed)?;
            let store = tx.object_store(ENTRIES).map_err(failed)?;
            let keys = store
                .get_all_keys(Some(Self::range(&prefix)?), None)
                .map_err(failed)?
                .await
                .map_err(failed)?;
            let values = store
                .get_all(Some(Self::range(&prefix)?), None)
                .map_err(failed)?
                .await
                .map_err(failed)?;
            Ok(keys
                .into_iter()
                .zip(values)
                .filter_map(|(k, v)| Some((k.as_string()?, v.as_string()?)))
                .collect())
        })
    }

    fn write(&self, batch: Vec<Write>) -> LocalBoxFuture<'static, Result<(), StorageError>> {
        let db = Rc::clone(&self.db);
        Box::pin(async move {
            let tx = db
                .transaction(&[ENTRIES], TransactionMode::ReadWrite)
                .map_err(failed)?;
            let store = tx.object_store(ENTRIES).map_err(failed)?;
            // Every request is issued before anything is awaited, so the transaction stays
            // active for all of them; its completion says whether all of them held.
            for write in &batch {
                match write {
                    Write::Put(key, value) => {
                        store
                            .put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))
                            .map_err(failed)?;
                    }
                    Write::Delete(key) => {
                        store
                            .delete(Query::Key(JsValue::from_str(key)))
                            .map_err(failed)?;
                    }
                }
            }
            finish(tx).await
        })
    }

    fn delete_prefix(&self, prefix: &str) -> LocalBoxFuture<'static, Result<(), StorageError>> {
        let db = Rc::clone(&self.db);
        let prefix = prefix.to_owned();
        Box::pin(async move {
            let tx = db
                .transaction(&[ENTRIES], TransactionMode::ReadWrite)
                .map_err(failed)?;
            let store = tx.object_store(ENTRIES).map_err(failed)?;
            store.delete(Self::range(&prefix)?).map_err(failed)?;
            finish(tx).await
        })
    }
}
