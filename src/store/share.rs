//! Sharing with the other tabs of the browser (feature `tabs`): a follower asks the leader
//! before it fetches; the leader answers from its cache when the answer is fresh and holds
//! nothing optimistic.

use std::sync::Arc;

use super::kind::RecPage;
use super::port::PeerCache;
use super::record::Rec;
use super::StoreCore;
use crate::query::ListQuery;

impl StoreCore {
    /// Asks `peer` before the server from now on (`None`: the server only).
    pub(crate) fn set_peer(&self, peer: Option<Arc<dyn PeerCache>>) {
        *self.inner.peer.lock().unwrap_or_else(|p| p.into_inner()) = peer;
    }

    fn peer(&self) -> Option<Arc<dyn PeerCache>> {
        self.inner
            .peer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The page the peer holds for `query`, if it holds a fresh one.
    pub(super) async fn page_from_peer(&self, query: &ListQuery) -> Option<RecPage> {
        let answer = self.peer()?.list(self.kind(), query).await?;
        self.inner.ops.decode_page(&answer).ok()
    }

    /// The entity the peer holds, if fresh.
    pub(super) async fn record_from_peer(&self, id: &str) -> Option<Rec> {
        let answer = self.peer()?.record(self.kind(), id).await?;
        self.inner.ops.decode(&answer).ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use data_farm_protocol::ListResponse;
    use futures_util::future::LocalBoxFuture;

    use super::*;
    use crate::farm::{DataFarm, DataFarmConfig};
    use crate::protocol::{PatchNamed, Team};

    fn team(id: &str, name: &str) -> Team {
        Team {
            id: id.into(),
            version: 1,
            updated_at: "2026-01-01T00:00:00Z".into(),
            name: name.into(),
            description: String::new(),
        }
    }

    /// A server that refuses (`pending: false`) or never answers (`pending: true`).
    struct Server {
        pending: bool,
    }

    impl Server {
        fn answer<T: 'static>(&self) -> LocalBoxFuture<'static, Result<T, crate::api::ApiError>> {
            if self.pending {
                Box::pin(std::future::pending())
            } else {
                Box::pin(std::future::ready(Err(crate::api::ApiError::Network(
                    "refused".into(),
                ))))
            }
        }
    }

    impl crate::api::EntityApi<Team> for Server {
        fn get_one(&self, _: &str) -> LocalBoxFuture<'static, Result<Team, crate::api::ApiError>> {
            self.answer()
        }
        fn get_many(
            &self,
            _: &ListQuery,
        ) -> LocalBoxFuture<'static, Result<ListResponse<Team>, crate::api::ApiError>> {
            self.answer()
        }
        fn create(
            &self,
            _: &crate::protocol::CreateTeam,
            _: &str,
        ) -> LocalBoxFuture<'static, Result<Team, crate::api::ApiError>> {
            self.answer()
        }
        fn update(
            &self,
            _: &str,
            _: &PatchNamed,
            _: Option<u64>,
        ) -> LocalBoxFuture<'static, Result<Team, crate::api::ApiError>> {
            self.answer()
        }
        fn delete(
            &self,
            _: &str,
            _: Option<u64>,
        ) -> LocalBoxFuture<'static, Result<(), crate::api::ApiError>> {
            self.answer()
        }
    }

    fn farm(pending: bool) -> DataFarm {
        DataFarmConfig::new("")
            .register_with::<Team>(Arc::new(Server { pending }), None)
            .build()
    }

    /// The leader's farm, answering as the tab coordinator does.
    struct Leader(DataFarm);

    impl PeerCache for Leader {
        fn list(
            &self,
            kind: &'static str,
            query: &ListQuery,
        ) -> LocalBoxFuture<'static, Option<String>> {
            let answer = self
                .0
                .store_of_kind(kind)
                .and_then(|s| s.fresh_page_json(query));
            Box::pin(std::future::ready(answer))
        }
        fn record(&self, kind: &'static str, id: &str) -> LocalBoxFuture<'static, Option<String>> {
            let answer = self
                .0
                .store_of_kind(kind)
                .and_then(|s| s.fresh_record_json(id));
            Box::pin(std::future::ready(answer))
        }
    }

    #[test]
    fn a_follower_takes_a_fresh_page_from_the_leader_instead_of_fetching() {
        let leader = farm(false);
        let teams = leader.store::<Team>().unwrap();
        let query = ListQuery::new();
        teams.put_list(
            &query,
            ListResponse::new(vec![team("t1", "Acme"), team("t2", "Globex")], 2),
        );
        let follower = farm(false);
        let theirs = follower.store::<Team>().unwrap();
        theirs.set_peer(Some(Arc::new(Leader(leader.clone()))));
        // The server refuses: only the peer can fill the list.
        futures_executor::block_on(theirs.fetch_list(&query)).expect("answered by the leader");
        let names: Vec<String> = theirs
            .peek_list(&query)
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["Acme", "Globex"]);
    }

    #[test]
    fn nothing_stale_or_optimistic_is_shared() {
        let leader = farm(true);
        let teams = leader.store::<Team>().unwrap();
        let query = ListQuery::new();
        assert!(teams.fresh_page(&query).is_none(), "never fetched");
        teams.put_list(&query, ListResponse::new(vec![team("t1", "Acme")], 1));
        assert!(teams.fresh_page(&query).is_some());
        // An optimistic rename (its request never completes) is not the server's.
        let rename = teams.update(
            "t1",
            PatchNamed {
                name: Some("Mine".into()),
                description: None,
            },
            Some(1),
        );
        let mut rename = Box::pin(rename);
        let waker = futures_util::task::noop_waker();
        let _ =
            std::future::Future::poll(rename.as_mut(), &mut std::task::Context::from_waker(&waker));
        assert_eq!(teams.peek("t1").unwrap().name, "Mine");
        assert!(
            teams.fresh_page(&query).is_none(),
            "an optimistic change is held"
        );
        drop(rename);
        teams.invalidate_all();
        assert!(teams.fresh_page(&query).is_none(), "stale");
    }
}
