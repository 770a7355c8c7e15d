//! The realtime subscriber in a real browser against the real reference server, every scenario
//! over WebSocket, Server-Sent Events and polling. Each scenario ends by comparing the store
//! with a fresh GET: the client must converge to exactly the server's state.
//! `scripts/with-test-server.sh` starts the server with `--test-control --event-window 20`.
#![cfg(target_arch = "wasm32")]

mod support;

use data_farm::api::ApiClient;
use data_farm::farm::{DataFarm, DataFarmConfig};
use data_farm::protocol::{Application, CreateApplication, ListResponse, SessionResponse, Team};
use data_farm::query::ListQuery;
use data_farm::realtime::{
    start_realtime, ConnectionState, RealtimeConfig, RealtimeHandle, Timing, Transport,
};
use data_farm::store::LoadState;
use leptos::prelude::GetUntracked;
use serde_json::json;
use support::eventually;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = match option_env!("DATA_FARM_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:18471",
};

struct Fixture {
    client: ApiClient,
    session: SessionResponse,
    farm: DataFarm,
    transport: Transport,
}

impl Fixture {
    async fn new(transport: Transport) -> Fixture {
        let client = ApiClient::new(SERVER);
        let session = client.login("alice", "alice").await.expect("login");
        let farm = DataFarmConfig::new(SERVER).builtin_kinds().build();
        Fixture {
            client,
            session,
            farm,
            transport,
        }
    }

    fn team(&self, name: &str) -> String {
        self.session
            .teams
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.id.clone())
            .expect("team")
    }

    fn config(&self, resume: data_farm::realtime::Positions) -> RealtimeConfig {
        let timing = Timing {
            backoff: data_farm::realtime::Backoff {
                base_ms: 300.0,
                cap_ms: 2_000.0,
            },
            ..Timing::default()
        };
        RealtimeConfig {
            transport: self.transport.clone(),
            timing,
            resume,
        }
    }

    async fn start(&self, resume: data_farm::realtime::Positions) -> RealtimeHandle {
        let team_ids = self.session.teams.iter().map(|t| t.id.clone()).collect();
        let handle = start_realtime(
            &self.farm,
            &self.session.user.id,
            team_ids,
            self.config(resume),
        );
        let polling = matches!(self.transport, Transport::Polling { .. });
        eventually(WAIT_MS, "the subscriber to go live", || {
            let state = handle.state.get_untracked();
            if polling {
                state == ConnectionState::Polling
            } else {
                state == ConnectionState::Live
            }
        })
        .await;
        handle
    }

    fn pushes(&self) -> bool {
        !matches!(self.transport, Transport::Polling { .. })
    }

    async fn create_app(&self, team: &str, name: &str) -> Application {
        let body = CreateApplication {
            name: name.into(),
            team_id: team.into(),
            description: None,
        };
        self.client
            .post("/applications", &body)
            .await
            .expect("created by the other session")
    }

    /// The store's list equals a fresh GET of the same query: same ids, order and versions.
    async fn assert_converged(&self, query: &ListQuery) {
        let store = self.farm.store::<Application>().expect("registered");
        let path = format!("/applications?{}", query.to_query_string());
        let mut last = String::new();
        for _ in 0..250 {
            let fresh: ListResponse<Application> = self.client.get(&path).await.expect("fresh GET");
            let held = store.peek_list(query);
            let view = store.list_view(query).get_untracked();
            let same = fresh.items.len() == held.len()
                && fresh
                    .items
                    .iter()
                    .zip(&held)
                    .all(|(a, b)| a.id == b.id && a.version == b.version && a.name == b.name)
                && fresh.total == view.total;
            if same {
                return;
            }
            last = format!(
                "server {:?} vs store {:?}",
                fresh
                    .items
                    .iter()
                    .map(|a| (&a.name, a.version))
                    .collect::<Vec<_>>(),
                held.iter()
                    .map(|a| (&a.name, a.version))
                    .collect::<Vec<_>>()
            );
            sleep(20).await;
        }
        panic!("the store did not converge: {last}");
    }
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// How long a change may take to travel from the server to the store.
const WAIT_MS: u32 = 10_000;

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", js_sys::Date::now() as u64 % 100_000_000)
}

async fn observed(
    f: &Fixture,
    team: &str,
) -> (ListQuery, data_farm::store::ListObserver<Application>) {
    let store = f.farm.store::<Application>().expect("registered");
    let query = ListQuery::new().team(team).per_page(100);
    let observer = store.observe_list(query.clone());
    eventually(WAIT_MS, "the list to load", || {
        observer.view().get_untracked().state == LoadState::Ready
    })
    .await;
    (query, observer)
}

async fn changes_by_another_session_appear(transport: Transport) {
    let f = Fixture::new(transport).await;
    let acme = f.team("Acme");
    let (query, _observer) = observed(&f, &acme).await;
    let live = f.start(Default::default()).await;
    let store = f.farm.store::<Application>().expect("registered");

    let app = f.create_app(&acme, &unique("rt-created")).await;
    eventually(WAIT_MS, "the create to arrive", || {
        store.peek(&app.id).is_some()
    })
    .await;
    let renamed: Application = f
        .client
        .patch(
            &format!("/applications/{}", app.id),
            &json!({"name": unique("rt-renamed")}),
            None,
        )
        .await
        .expect("renamed");
    eventually(WAIT_MS, "the rename to arrive", || {
        store.peek(&app.id).is_some_and(|a| a.name == renamed.name)
    })
    .await;
    f.client
        .delete(&format!("/applications/{}", app.id), None)
        .await
        .expect("deleted");
    eventually(WAIT_MS, "the delete to arrive", || {
        !store.peek_list(&query).iter().any(|a| a.id == app.id)
    })
    .await;
    if f.pushes() {
        assert!(
            store.peek(&app.id).is_none(),
            "a deleted event removes the record itself"
        );
    }
    f.assert_converged(&query).await;
    if f.pushes() {
        assert!(
            live.counters.get_untracked().applied >= 3,
            "{:?}",
            live.counters.get_untracked()
        );
    }
    live.stop();
    assert_eq!(live.state.get_untracked(), ConnectionState::Stopped);
}

async fn a_server_restart_loses_nothing(transport: Transport) {
    let f = Fixture::new(transport).await;
    let acme = f.team("Acme");
    let (query, _observer) = observed(&f, &acme).await;
    let live = f.start(Default::default()).await;
    let before = live.counters.get_untracked();
    let _: serde_json::Value = f
        .client
        .post("/test/restart", &json!({"down_ms": 700}))
        .await
        .unwrap_or_default();
    if f.pushes() {
        eventually(WAIT_MS, "the indicator to leave live", || {
            live.state.get_untracked() != ConnectionState::Live
        })
        .await;
    }
    // The restart is asked for, not done, when the answer comes: wait for the server to go
    // down first, or a request could reach the old one and the next land in the gap.
    until_server(&f.client, false).await;
    // Back up: changes made now may land before or after the client reconnects.
    until_server(&f.client, true).await;
    let first = f.create_app(&acme, &unique("after-restart-1")).await;
    let second = f.create_app(&acme, &unique("after-restart-2")).await;
    if f.pushes() {
        eventually(WAIT_MS, "live again", || {
            live.state.get_untracked() == ConnectionState::Live
        })
        .await;
    }
    let store = f.farm.store::<Application>().expect("registered");
    eventually(WAIT_MS, "both creates to arrive", || {
        store.peek(&first.id).is_some() && store.peek(&second.id).is_some()
    })
    .await;
    f.assert_converged(&query).await;
    if f.pushes() {
        let after = live.counters.get_untracked();
        assert!(after.reconnects > before.reconnects, "{after:?}");
        assert_eq!(
            after.resyncs, before.resyncs,
            "a clean resume needs no resync: {after:?}"
        );
    }
    live.stop();
}

/// Waits until the server answers (`up`) or no longer answers (`!up`).
async fn until_server(client: &ApiClient, up: bool) {
    for _ in 0..250 {
        if client.me().await.is_ok() == up {
            return;
        }
        sleep(20).await;
    }
    match up {
        true => panic!("the server did not come back"),
        false => panic!("the server did not go down for its restart"),
    }
}

async fn events_missed_while_away_are_replayed(transport: Transport) {
    let f = Fixture::new(transport).await;
    let acme = f.team("Acme");
    let (query, _observer) = observed(&f, &acme).await;
    let first = f.start(Default::default()).await;
    let positions = first.positions.get_untracked();
    first.stop();
    let mut created = Vec::new();
    for i in 0..3 {
        created.push(
            f.create_app(&acme, &unique(&format!("while-away-{i}")))
                .await,
        );
    }
    let second = f.start(positions).await;
    let store = f.farm.store::<Application>().expect("registered");
    eventually(WAIT_MS, "the missed creates", || {
        created.iter().all(|a| store.peek(&a.id).is_some())
    })
    .await;
    f.assert_converged(&query).await;
    if f.pushes() {
        let counters = second.counters.get_untracked();
        assert_eq!(counters.resyncs, 0, "{counters:?}");
        assert!(counters.applied >= 3, "{counters:?}");
    }
    second.stop();
}

async fn a_too_old_position_resyncs(transport: Transport) {
    let f = Fixture::new(transport).await;
    let globex = f.team("Globex");
    let (query, _observer) = observed(&f, &globex).await;
    let first = f.start(Default::default()).await;
    let positions = first.positions.get_untracked();
    first.stop();
    let app = f.create_app(&globex, &unique("churn")).await;
    for i in 0..25 {
        let _: Application = f
            .client
            .patch(
                &format!("/applications/{}", app.id),
                &json!({"name": format!("churn {i}")}),
                None,
            )
            .await
            .expect("patched");
    }
    let second = f.start(positions).await;
    if f.pushes() {
        eventually(WAIT_MS, "a resync", || {
            second.counters.get_untracked().resyncs >= 1
        })
        .await;
    }
    f.assert_converged(&query).await;
    second.stop();
}

async fn joining_and_leaving_a_team_follow_membership(transport: Transport) {
    let f = Fixture::new(transport).await;
    let live = f.start(Default::default()).await;
    // Created after the subscriber started: it learns of the team from its user topic.
    let team: Team = f
        .client
        .post("/teams", &json!({"name": unique("temporary")}))
        .await
        .expect("team");
    let (query, _observer) = observed(&f, &team.id).await;
    let app = f.create_app(&team.id, "doomed").await;
    let store = f.farm.store::<Application>().expect("registered");
    eventually(WAIT_MS, "the app to show", || {
        store.peek_list(&query).iter().any(|a| a.id == app.id)
    })
    .await;
    f.client
        .delete(
            &format!("/teams/{}/members/{}", team.id, f.session.user.id),
            None,
        )
        .await
        .expect("left");
    eventually(WAIT_MS, "the team's data to disappear", || {
        !store.peek_list(&query).iter().any(|a| a.id == app.id)
    })
    .await;
    if f.pushes() {
        assert!(
            store.peek(&app.id).is_none(),
            "revocation purges the records themselves"
        );
    }
    live.stop();
}

macro_rules! over_every_transport {
    ($($scenario:ident),* $(,)?) => {
        mod websocket {
            use super::*;
            $( #[wasm_bindgen_test] async fn $scenario() { super::$scenario(Transport::WebSocket).await } )*
        }
        mod sse {
            use super::*;
            $( #[wasm_bindgen_test] async fn $scenario() { super::$scenario(Transport::ServerSentEvents).await } )*
        }
        mod polling {
            use super::*;
            $( #[wasm_bindgen_test] async fn $scenario() { super::$scenario(Transport::Polling { interval_ms: 300 }).await } )*
        }
    };
}

over_every_transport!(
    changes_by_another_session_appear,
    a_server_restart_loses_nothing,
    events_missed_while_away_are_replayed,
    a_too_old_position_resyncs,
    joining_and_leaving_a_team_follow_membership,
);
