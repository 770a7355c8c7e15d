//! What a store can hand on as the server's answer: its fresh, non-optimistic pages and
//! records, for another tab (feature `tabs`) and for the browser that hydrates a
//! server-rendered page (feature `ssr`).

use super::record::Rec;
use super::StoreCore;
use crate::query::ListQuery;

impl StoreCore {
    /// The cached answer to `query` as the server gave it, for another tab or a hydrating
    /// browser: only when it is fresh (fetched within the stale time, not invalidated, not
    /// being fetched) and the store holds no optimistic change (which the page's ids and
    /// total would include).
    pub(crate) fn fresh_page(&self, query: &ListQuery) -> Option<(Vec<Rec>, u64)> {
        // Its drafts are not cached with it: the server answers them.
        if query.drafts != crate::query::DraftsMode::Off {
            return None;
        }
        let st = self.lock();
        let entry = st.lists.get(query)?;
        let meta = &entry.meta;
        if meta.in_flight
            || meta.error.is_some()
            || self
                .inner
                .policy
                .is_stale(meta.fetched_at, meta.invalidated, self.now())
            || st.rows.values().any(|row| !row.overlays.is_empty())
        {
            return None;
        }
        let items = entry
            .page
            .ids
            .iter()
            .map(|id| st.rows.get(id).and_then(|row| row.confirmed.clone()))
            .collect::<Option<Vec<Rec>>>()?;
        Some((items, entry.page.total))
    }

    /// The confirmed entity `id`, for another tab or a hydrating browser, when its detail is
    /// fresh and has no optimistic change.
    pub(crate) fn fresh_record(&self, id: &str) -> Option<Rec> {
        let st = self.lock();
        let meta = &st.details.get(id)?.meta;
        let row = st.rows.get(id)?;
        if meta.in_flight
            || meta.error.is_some()
            || !row.overlays.is_empty()
            || self
                .inner
                .policy
                .is_stale(meta.fetched_at, meta.invalidated, self.now())
        {
            return None;
        }
        row.confirmed.clone()
    }

    /// Every cached page [`StoreCore::fresh_page`] would hand on, with its query.
    #[cfg(feature = "ssr")]
    pub(crate) fn fresh_pages(&self) -> Vec<(ListQuery, (Vec<Rec>, u64))> {
        let queries: Vec<ListQuery> = self.lock().lists.keys().cloned().collect();
        queries
            .into_iter()
            .filter_map(|query| {
                let page = self.fresh_page(&query)?;
                Some((query, page))
            })
            .collect()
    }

    /// Every fetched detail [`StoreCore::fresh_record`] would hand on.
    #[cfg(feature = "ssr")]
    pub(crate) fn fresh_records(&self) -> Vec<Rec> {
        let ids: Vec<String> = self.lock().details.keys().cloned().collect();
        ids.iter().filter_map(|id| self.fresh_record(id)).collect()
    }
}
