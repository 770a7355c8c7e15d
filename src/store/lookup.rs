//! Reads by id that a view needs beside its lists: the records it names (an owner in a
//! column), fetched in one request per batch rather than one per row; where an entity stands
//! in a list; and its version history and audit trail.

use data_farm_protocol::Position;

use super::StoreCore;
use crate::api::ApiError;
use crate::query::ListQuery;

impl StoreCore {
    /// Asks for `id` in the next batch of reads by id, unless it is held or was asked for.
    pub(crate) fn want(&self, id: &str) {
        if id.is_empty() {
            return;
        }
        let schedule = {
            let mut st = self.lock();
            let held = st.rows.get(id).is_some_and(|row| row.visible.is_some());
            if held || !st.lookups.asked.insert(id.to_owned()) {
                return;
            }
            st.lookups.batch.push(id.to_owned());
            !std::mem::replace(&mut st.lookups.scheduled, true)
        };
        if schedule {
            let store = self.clone();
            self.inner.env.spawn(Box::pin(async move {
                // Every view rendered in this turn asks first; then one request for all.
                store.inner.env.sleep(0.0).await;
                let batch = {
                    let mut st = store.lock();
                    st.lookups.scheduled = false;
                    std::mem::take(&mut st.lookups.batch)
                };
                let _ = store.fetch_many(&batch).await;
            }));
        }
    }

    /// Fetches the entities `ids` in as few requests as the API allows and merges them like
    /// any fetched record; on an error, those ids may be asked for again.
    pub async fn fetch_many(&self, ids: &[String]) -> Result<(), ApiError> {
        if ids.is_empty() {
            return Ok(());
        }
        let api = std::sync::Arc::clone(&self.inner.ops);
        let result = self.with_retry(|| api.get_by_ids(ids)).await;
        let mut effects = self.effects();
        let outcome = {
            let mut st = self.lock();
            match result {
                Ok(found) => {
                    for entity in found {
                        self.merge_fetched(&mut st, entity, &mut effects);
                    }
                    Ok(())
                }
                Err(err) => {
                    for id in ids {
                        st.lookups.asked.remove(id);
                    }
                    Err(err)
                }
            }
        };
        effects.flush(self);
        outcome
    }

    /// Where entity `id` stands in the list `query` selects.
    pub async fn find_position(
        &self,
        query: &ListQuery,
        id: &str,
    ) -> Result<Option<Position>, ApiError> {
        let api = std::sync::Arc::clone(&self.inner.ops);
        self.with_retry(|| api.position(id, query)).await
    }
}
