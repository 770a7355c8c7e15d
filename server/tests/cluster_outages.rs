//! A cluster whose NATS or PostgreSQL goes away for a moment: afterwards every subscriber has
//! every event, once and in order. Each test runs its own broker or database (started by the
//! project's scripts) so that stopping it touches no other test.
//!
//! Needs Debian's `postgresql` and `nats-server` (and, for the broker test,
//! `DATA_FARM_TEST_POSTGRES`); ignored by a plain `cargo test`, run by the README's test command.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use data_farm_protocol::ServerMessage;
use data_farm_server::DatabaseLocation;
use support::{fresh_database, watch, Client, TestServer, Watch, Ws, POSTGRES_ENV};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("scripts")
        .join(name)
}

/// Runs `scripts/<name> args…`; its stdout.
fn run(name: &str, args: &[&str]) -> String {
    let output = std::process::Command::new("bash")
        .arg(script(name))
        .args(args)
        .output()
        .expect("the script runs");
    assert!(
        output.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Stops a private server when the test ends, however it ends.
struct Stops(&'static str, String);

impl Drop for Stops {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(script(self.0))
            .args(["stop", &self.1])
            .output();
    }
}

/// A folder the postgres user can enter when the tests run as root.
fn service_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("data-farm-outage.")
        .tempdir_in("/tmp")
        .expect("a folder under /tmp");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("open the folder");
    dir
}

fn free_port() -> String {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port().to_string())
        .expect("a free port")
}

async fn nodes(database: &str, nats: &str, n: usize) -> Vec<TestServer> {
    let mut nodes = Vec::new();
    for _ in 0..n {
        let (database, nats) = (database.to_owned(), nats.to_owned());
        nodes.push(
            TestServer::node(move |config| {
                config.database = DatabaseLocation::Postgres(database);
                config.broker = Some(nats);
            })
            .await,
        );
    }
    nodes
}

/// Creates an application, retrying while the cluster answers 5xx; its id.
async fn create_eventually(client: &Client, team: &str, name: &str) -> String {
    for _ in 0..100 {
        let reply = client
            .send(
                client
                    .request(reqwest::Method::POST, "/applications")
                    .header("idempotency-key", name.replace(' ', "-"))
                    .json(&serde_json::json!({"name": name, "team_id": team})),
            )
            .await;
        if reply.status == 201 {
            return reply.body["id"].as_str().expect("an id").to_owned();
        }
        assert!(reply.status.is_server_error(), "{name}: {}", reply.status);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{name} never acknowledged");
}

/// The next event's id and seq on `ws`, waiting up to `wait`.
async fn next_event(ws: &mut Ws, wait: Duration) -> (String, u64) {
    match ws.try_recv(wait).await {
        Some(ServerMessage::Event(event)) => (event.id, event.seq),
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nats-server: scripts/test.sh runs it"]
async fn subscribers_converge_while_and_after_the_broker_is_down() {
    let pg = std::env::var(POSTGRES_ENV).expect("DATA_FARM_TEST_POSTGRES (scripts/test.sh)");
    let dir = service_dir();
    let nats_dir = dir.path().join("nats");
    let nats_dir = nats_dir.to_str().expect("a UTF-8 path");
    let port = free_port();
    let nats = run("nats.sh", &["start", nats_dir, &port]);
    let _stop_nats = Stops("nats.sh", nats_dir.to_owned());
    let nodes = nodes(&fresh_database(&pg).await, &nats, 2).await;
    let Watch {
        on_a: _,
        other: on_b,
        acme,
        topic: _,
        mut ws,
        start,
    } = watch(&nodes).await;

    let first = create_eventually(&on_b, &acme, "before the outage").await;
    assert_eq!(
        next_event(&mut ws, support::PATIENCE).await,
        (first, start + 1)
    );

    run("nats.sh", &["stop", nats_dir]);
    // Nothing crosses the broker now: the node reads the log at its next check.
    let during = create_eventually(&on_b, &acme, "while the broker is down").await;
    assert_eq!(
        next_event(&mut ws, support::PATIENCE).await,
        (during, start + 2)
    );

    run("nats.sh", &["start", nats_dir, &port]);
    let after = create_eventually(&on_b, &acme, "after the broker is back").await;
    assert_eq!(
        next_event(&mut ws, support::PATIENCE).await,
        (after, start + 3)
    );
    assert!(
        ws.try_recv(Duration::from_millis(500)).await.is_none(),
        "nothing twice"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and nats-server: scripts/test.sh runs it"]
async fn a_database_restart_fails_writes_meanwhile_and_loses_nothing_after() {
    let dir = service_dir();
    let (pg_dir, nats_dir) = (dir.path().join("pg"), dir.path().join("nats"));
    let (pg_dir, nats_dir) = (
        pg_dir.to_str().expect("a UTF-8 path"),
        nats_dir.to_str().expect("a UTF-8 path"),
    );
    let pg_port = free_port();
    let pg = run("postgres.sh", &["start", pg_dir, &pg_port]);
    let _stop_pg = Stops("postgres.sh", pg_dir.to_owned());
    let nats = run("nats.sh", &["start", nats_dir, &free_port()]);
    let _stop_nats = Stops("nats.sh", nats_dir.to_owned());
    let nodes = nodes(&fresh_database(&pg).await, &nats, 2).await;
    let Watch {
        on_a,
        other: on_b,
        acme,
        topic: _,
        mut ws,
        start,
    } = watch(&nodes).await;
    let first = create_eventually(&on_b, &acme, "before the restart").await;
    assert_eq!(
        next_event(&mut ws, support::PATIENCE).await,
        (first, start + 1)
    );

    run("postgres.sh", &["stop", pg_dir]);
    let refused = on_b
        .post(
            "/applications",
            serde_json::json!({"name": "while down", "team_id": acme}),
        )
        .await;
    assert_eq!(
        refused.status, 500,
        "a write without its database fails, typed"
    );
    run("postgres.sh", &["start", pg_dir, &pg_port]);

    // Both nodes open their connections again; writes through either reach the subscriber.
    let second = create_eventually(&on_b, &acme, "after the restart, via b").await;
    let third = create_eventually(&on_a, &acme, "after the restart, via a").await;
    assert_eq!(
        next_event(&mut ws, support::PATIENCE).await,
        (second, start + 2)
    );
    assert_eq!(
        next_event(&mut ws, support::PATIENCE).await,
        (third, start + 3)
    );
    drop(nodes);
}
