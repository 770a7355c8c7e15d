//! Several nodes on one PostgreSQL database and one NATS broker: what a client sees through one
//! node of what is written through another.
//!
//! Needs `DATA_FARM_TEST_POSTGRES` (see `support`) and `DATA_FARM_TEST_NATS` (`nats://…`), so
//! the tests are ignored by a plain `cargo test`; the README's test command starts both servers
//! (scripts/postgres.sh, scripts/nats.sh) and runs them with `--include-ignored`.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use data_farm_protocol::{ChangeOp, ServerMessage, CLOSE_UNAUTHORIZED};
use data_farm_server::DatabaseLocation;
use futures_util::future::join_all;
use serde_json::json;
use support::{fresh_database, via, watch, Client, TestServer, Watch, Ws, POSTGRES_ENV};

const NATS_ENV: &str = "DATA_FARM_TEST_NATS";

/// Nodes sharing one new database; `brokered[i]` says whether node `i` joins the broker.
async fn cluster(brokered: &[bool]) -> Vec<TestServer> {
    cluster_with(brokered, |_| {}).await
}

async fn cluster_with(
    brokered: &[bool],
    tweak: impl Fn(&mut data_farm_server::ServerConfig) + Copy,
) -> Vec<TestServer> {
    let (pg, nats) = match (std::env::var(POSTGRES_ENV), std::env::var(NATS_ENV)) {
        (Ok(pg), Ok(nats)) if !pg.is_empty() && !nats.is_empty() => (pg, nats),
        _ => panic!(
            "the cluster suite needs {POSTGRES_ENV} and {NATS_ENV} (scripts/test.sh sets them)"
        ),
    };
    let database = fresh_database(&pg).await;
    let mut nodes = Vec::new();
    for &joins in brokered {
        let (database, nats) = (database.clone(), nats.clone());
        nodes.push(
            TestServer::node(move |config| {
                config.database = DatabaseLocation::Postgres(database);
                config.broker = joins.then_some(nats);
                tweak(config);
            })
            .await,
        );
    }
    nodes
}

/// The next `n` events on `ws`; panics on anything else.
async fn events(ws: &mut Ws, n: usize) -> Vec<data_farm_protocol::EventMessage> {
    let mut out = Vec::new();
    while out.len() < n {
        match ws.recv().await {
            ServerMessage::Event(event) => out.push(event),
            other => panic!(
                "expected an event, got {other:?} after {} events",
                out.len()
            ),
        }
    }
    out
}

fn assert_contiguous(events: &[data_farm_protocol::EventMessage], after: u64) {
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    let expected: Vec<u64> = (after + 1..=after + events.len() as u64).collect();
    assert_eq!(seqs, expected, "contiguous seq, in order, no duplicate");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn writes_through_one_node_reach_subscribers_of_another_in_order() {
    let nodes = cluster(&[true, true]).await;
    let Watch {
        on_a,
        other: on_b,
        acme,
        topic: _,
        mut ws,
        start,
    } = watch(&nodes).await;

    let mut expected = Vec::new();
    for i in 0..6 {
        let writer = if i % 2 == 0 { &on_b } else { &on_a };
        let app = writer.create_app(&acme, &format!("Clustered {i}")).await;
        let id = app["id"].as_str().unwrap().to_owned();
        expected.push((id.clone(), ChangeOp::Created));
        let other = if i % 2 == 0 { &on_a } else { &on_b };
        let patched = other
            .patch(
                &format!("/applications/{id}"),
                json!({"name": format!("Renamed {i}")}),
                None,
            )
            .await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        expected.push((id, ChangeOp::Updated));
    }
    let got = events(&mut ws, expected.len()).await;
    assert_contiguous(&got, start);
    let seen: Vec<(String, ChangeOp)> = got.iter().map(|e| (e.id.clone(), e.op)).collect();
    assert_eq!(seen, expected);
    assert!(
        ws.try_recv(Duration::from_millis(300)).await.is_none(),
        "nothing twice"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn concurrent_writers_on_three_nodes_get_one_gap_free_sequence() {
    let nodes = cluster(&[true, true, true]).await;
    let alice = nodes[0].login("alice").await;
    let clients: Vec<Client> = nodes.iter().map(|node| via(&alice, node)).collect();
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    let mut sockets = Vec::new();
    for client in &clients {
        let mut ws = client.ws().await;
        ws.subscribe(&[&topic], None).await;
        let start = ws.expect_subscribed(&topic).await;
        sockets.push((ws, start));
    }
    const PER_NODE: usize = 12;
    let acme_ref = &acme;
    let writes = clients.iter().enumerate().flat_map(|(n, client)| {
        (0..PER_NODE).map(move |i| {
            let client = client.clone();
            let acme = acme_ref.clone();
            async move {
                client.create_app(&acme, &format!("node {n} app {i}")).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        })
    });
    let created: BTreeSet<String> = join_all(writes).await.into_iter().collect();
    assert_eq!(created.len(), 3 * PER_NODE);
    for (ws, start) in &mut sockets {
        let got = events(ws, created.len()).await;
        // Every node's subscribers see the one order the database committed.
        assert_contiguous(&got, *start);
        let ids: BTreeSet<String> = got.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, created);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn signing_out_through_one_node_closes_sockets_on_another() {
    let nodes = cluster(&[true, true]).await;
    let on_a = nodes[0].login("alice").await;
    let on_b = via(&on_a, &nodes[1]);
    let mut ws = on_b.ws().await;
    let other_session = nodes[0].login("alice").await;
    let mut other_ws = via(&other_session, &nodes[1]).ws().await;
    assert_eq!(on_a.delete("/session").await.status, 204);
    assert_eq!(ws.closed().await, Some(CLOSE_UNAUTHORIZED));
    let topic = format!("team:{}", other_session.team("Acme").id);
    other_ws.subscribe(&[&topic], None).await;
    other_ws.expect_subscribed(&topic).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn a_member_removed_through_one_node_loses_the_topic_on_another() {
    let nodes = cluster(&[true, true]).await;
    let alice = nodes[0].login("alice").await;
    let bob = via(&nodes[0].login("bob").await, &nodes[1]);
    let globex = alice.team("Globex").id;
    let team_topic = format!("team:{globex}");
    let mut ws = bob.ws().await;
    ws.subscribe(&[&team_topic], None).await;
    ws.expect_subscribed(&team_topic).await;

    let removed = alice
        .delete(&format!("/teams/{globex}/members/{}", bob.user_id()))
        .await;
    assert_eq!(removed.status, 204);
    match ws.recv().await {
        ServerMessage::Revoked { topic } => assert_eq!(topic, team_topic),
        other => panic!("expected revoked, got {other:?}"),
    }
    alice.create_app(&globex, "After bob left").await;
    assert!(
        ws.try_recv(Duration::from_millis(500)).await.is_none(),
        "nothing of the team after revocation"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn events_that_never_crossed_the_broker_arrive_from_the_log() {
    // The second node shares the database but not the broker: whatever it commits, the
    // first node only learns from the log.
    let nodes = cluster(&[true, false]).await;
    let Watch {
        on_a: _,
        other: on_c,
        acme,
        topic: _,
        mut ws,
        start,
    } = watch(&nodes).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let app = on_c.create_app(&acme, &format!("Unbrokered {i}")).await;
        ids.push(app["id"].as_str().unwrap().to_owned());
    }
    let got = events(&mut ws, 3).await;
    assert_contiguous(&got, start);
    assert_eq!(got.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn a_client_of_a_node_that_stops_resumes_on_another_without_a_gap() {
    let mut nodes = cluster(&[true, true]).await;
    let Watch {
        on_a: _,
        other: on_b,
        acme,
        topic,
        mut ws,
        start,
    } = watch(&nodes).await;
    for i in 0..3 {
        on_b.create_app(&acme, &format!("Before {i}")).await;
    }
    let before = events(&mut ws, 3).await;
    assert_contiguous(&before, start);
    let position = before.last().map(|e| e.seq).unwrap_or(start);

    nodes[0].stop().await;
    for i in 0..4 {
        on_b.create_app(&acme, &format!("While away {i}")).await;
    }
    let mut resumed = on_b.ws().await;
    resumed
        .subscribe(&[&topic], Some(BTreeMap::from([(topic.clone(), position)])))
        .await;
    let head = resumed.expect_subscribed(&topic).await;
    assert_eq!(head, position + 4);
    let missed = events(&mut resumed, 4).await;
    assert_contiguous(&missed, position);
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn controls_that_never_crossed_the_broker_take_effect_at_the_next_heartbeat() {
    // The second node is outside the broker: its sign-outs and revocations reach the first
    // node's connections only through the database, which each connection reads every ping.
    let nodes = cluster_with(&[true, false], |config| {
        config.heartbeat = Duration::from_millis(200)
    })
    .await;
    let alice = via(&nodes[0].login("alice").await, &nodes[1]);
    let bob_on_a = nodes[0].login("bob").await;
    let globex = alice.team("Globex").id;
    let team_topic = format!("team:{globex}");
    let mut bob_ws = bob_on_a.ws().await;
    bob_ws.subscribe(&[&team_topic], None).await;
    bob_ws.expect_subscribed(&team_topic).await;
    let removed = alice
        .delete(&format!("/teams/{globex}/members/{}", bob_on_a.user_id()))
        .await;
    assert_eq!(removed.status, 204);
    match bob_ws.recv().await {
        ServerMessage::Revoked { topic } => assert_eq!(topic, team_topic),
        other => panic!("expected revoked, got {other:?}"),
    }

    let alice_on_a = via(&alice, &nodes[0]);
    let mut alice_ws = alice_on_a.ws().await;
    assert_eq!(alice.delete("/session").await.status, 204);
    assert_eq!(alice_ws.closed().await, Some(CLOSE_UNAUTHORIZED));
}

#[tokio::test]
#[ignore = "needs PostgreSQL and NATS: scripts/test.sh runs it"]
async fn a_users_rate_is_shared_by_the_nodes() {
    let nodes = cluster_with(&[true, true], |config| config.api_rate_per_sec = 5).await;
    for node in &nodes {
        let health = format!("{}/api/v1/health", node.url());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let body: serde_json::Value =
                reqwest::get(&health).await.unwrap().json().await.unwrap();
            if body["nodes"] == 2 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the nodes never met: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let on_a = nodes[0].login("alice").await;
    let on_b = via(&on_a, &nodes[1]);
    let mut allowed = 0;
    for i in 0..60 {
        let client = if i % 2 == 0 { &on_a } else { &on_b };
        if client.get("/me").await.status == 200 {
            allowed += 1;
        }
    }
    // 5/s with bursts of 20 for the user, whatever the node: each of the two allows 10 at
    // once (alone, each would allow 20, so 40 in all).
    assert!((20..=25).contains(&allowed), "{allowed} of 60 allowed");
}
