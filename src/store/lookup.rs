//! Reads by id that a view needs beside its lists: the records it names (an owner in a
//! column), fetched in one request per batch rather than one per row; where an entity stands
//! in a list; and its version history and audit trail.

use data_farm_protocol::Position;
use leptos::prelude::*;

use super::EntityStore;
use crate::api::ApiError;
use crate::entity::Entity;
use crate::query::ListQuery;

impl<E: Entity> EntityStore<E> {
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
        self.want(id);
        signal
    }

    fn want(&self, id: &str) {
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
    /// any fetched record. Ids the answer lacks (absent, or not visible) change nothing; on an
    /// error, [`EntityStore::lookup`] may ask for those ids again.
    pub async fn fetch_many(&self, ids: &[String]) -> Result<(), ApiError> {
        if ids.is_empty() {
            return Ok(());
        }
        let api = std::sync::Arc::clone(&self.inner.api);
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
        let api = std::sync::Arc::clone(&self.inner.api);
        self.with_retry(|| api.position(id, query)).await
    }
}
