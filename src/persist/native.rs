//! Outside a browser (native builds, tests): no IndexedDB and no page events. The same calls
//! exist so that an application compiles for both; persistence then runs in memory.

use std::sync::Arc;

use super::{MemoryStorage, Persistence, StorageError};

impl Persistence {
    /// Outside a browser there is no IndexedDB: the layer runs in memory and says so.
    pub async fn open_indexed_db(&self) {
        self.attach(Arc::new(MemoryStorage::default())).await;
        self.degrade(StorageError::Unavailable(
            "IndexedDB exists only in browsers".into(),
        ));
    }
}

/// Outside a browser there are no page events to wire: does nothing.
pub fn install_browser_triggers(_persistence: &Persistence) {}
