//! Three server processes behind haproxy, one of them killed with SIGKILL while writers run:
//! no acknowledged write is lost, and a subscriber that reconnects through the same address
//! gets every event once, in one gap-free sequence.
//!
//! Needs `DATA_FARM_TEST_POSTGRES`, `DATA_FARM_TEST_NATS` and Debian's `haproxy`; ignored by a
//! plain `cargo test`, run by the README's test command.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use data_farm_protocol::ServerMessage;
use reqwest::StatusCode;
use support::processes::{balancer, node};
use support::{fresh_database, Client, Ws, POSTGRES_ENV};

const NATS_ENV: &str = "DATA_FARM_TEST_NATS";

/// Creates applications through `client` until `stop`, each with its own idempotency key and
/// retried with that key until acknowledged; returns the acknowledged ids.
async fn writer(client: Client, team: String, name: usize, stop: Arc<AtomicBool>) -> Vec<String> {
    let mut acknowledged = Vec::new();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        let key = format!("writer-{name}-{i}");
        let body = serde_json::json!({"name": format!("w{name} app {i}"), "team_id": team});
        for attempt in 0.. {
            assert!(attempt < 50, "write {key} never acknowledged");
            let sent = client
                .request(reqwest::Method::POST, "/applications")
                .header("idempotency-key", &key)
                .json(&body)
                .timeout(Duration::from_secs(5))
                .send()
                .await;
            match sent {
                Ok(response) if response.status() == StatusCode::CREATED => {
                    let created: serde_json::Value = response.json().await.expect("a body");
                    acknowledged.push(created["id"].as_str().expect("an id").to_owned());
                    break;
                }
                // The node died mid-request, or haproxy had no healthy node for a moment.
                Ok(response) if response.status().is_server_error() => {}
                Err(_) => {}
                Ok(response) => panic!("write {key} refused: {}", response.status()),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        i += 1;
    }
    acknowledged
}

#[tokio::test]
#[ignore = "needs PostgreSQL, NATS and haproxy: scripts/test.sh runs it"]
async fn killing_a_node_loses_no_acknowledged_write_and_no_event() {
    let (pg, nats) = match (std::env::var(POSTGRES_ENV), std::env::var(NATS_ENV)) {
        (Ok(pg), Ok(nats)) if !pg.is_empty() && !nats.is_empty() => (pg, nats),
        _ => panic!("needs {POSTGRES_ENV} and {NATS_ENV} (scripts/test.sh sets them)"),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let database = fresh_database(&pg).await;
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(node(&["--db", &database, "--broker", &nats, "--seed", "small"]).await);
    }
    let (_haproxy, base) = balancer(
        dir.path(),
        &nodes.iter().map(|n| n.addr.clone()).collect::<Vec<_>>(),
        true,
    )
    .await;

    let alice = Client::login(&base, "alice").await;
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    // The subscriber starts on the node about to die, so it must reconnect elsewhere.
    let doomed = format!("http://{}", nodes[0].addr);
    let mut ws = Ws::connect(&doomed, Some(&alice.cookie), None)
        .await
        .expect("websocket to the first node");
    ws.subscribe(&[&topic], None).await;
    let start = ws.expect_subscribed(&topic).await;

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|n| tokio::spawn(writer(alice.clone(), acme.clone(), n, Arc::clone(&stop))))
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    nodes[0].child.start_kill().expect("SIGKILL the first node");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = BTreeSet::new();
    for writer in writers {
        acknowledged.extend(writer.await.expect("a writer ends"));
    }
    assert!(
        acknowledged.len() >= 10,
        "writes ran: {}",
        acknowledged.len()
    );

    // Every acknowledged write is there, whichever node answers.
    for id in &acknowledged {
        let reply = alice.get(&format!("/applications/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "acknowledged {id} is kept");
    }

    // The subscriber reconnects through the same address when its node dies, resuming where
    // it was; it ends with one event per write, in one gap-free sequence.
    let mut seqs = Vec::new();
    let mut created = BTreeSet::new();
    let mut position = start;
    let mut reconnects = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while created.len() < acknowledged.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} of {} events",
            created.len(),
            acknowledged.len()
        );
        match ws.try_recv(Duration::from_secs(2)).await {
            Some(ServerMessage::Event(event)) => {
                seqs.push(event.seq);
                position = event.seq;
                assert!(created.insert(event.id.clone()), "{} twice", event.id);
            }
            Some(ServerMessage::Subscribed { .. }) => {}
            Some(other) => panic!("unexpected {other:?}"),
            // Closed or silent: connect again through haproxy and resume.
            None => {
                reconnects += 1;
                ws = loop {
                    match Ws::connect(&base, Some(&alice.cookie), None).await {
                        Ok(ws) => break ws,
                        Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                    }
                };
                ws.subscribe(&[&topic], Some(BTreeMap::from([(topic.clone(), position)])))
                    .await;
            }
        }
    }
    assert!(reconnects >= 1, "the subscriber lost its node");
    eprintln!(
        "{} acknowledged writes, {} events, {reconnects} reconnects",
        acknowledged.len(),
        seqs.len()
    );
    assert_eq!(
        created, acknowledged,
        "the events are exactly the acknowledged writes"
    );
    let expected: Vec<u64> = (start + 1..=start + seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "one gap-free sequence across the reconnect");
}
