//! The demo SPA, unchanged, against a cluster behind one address: two nodes on one PostgreSQL
//! database and NATS broker, haproxy in front. Alice and Bob sign in through that address;
//! Alice's create reaches Bob live, whichever nodes their requests and sockets landed on.
//!
//! Needs `DATA_FARM_TEST_POSTGRES`, `DATA_FARM_TEST_NATS` (scripts/test.sh starts both) and
//! Debian's haproxy; ignored by a plain `cargo test`.

#[macro_use]
#[allow(unused_macros)]
mod support;

use data_farm_e2e::{Balancer, DemoServer, Kind};
use data_farm_server::DatabaseLocation;
use support::{alice_and_bob_on, fill, wait_row};

/// A new database on the PostgreSQL server at `base`, for `browser`'s run; its URL.
fn fresh_database(base: &str, browser: &str) -> String {
    let name = format!("e2e_cluster_{}_{browser}", std::process::id());
    let status = std::process::Command::new("psql")
        .arg(format!("{base}/postgres"))
        .args([
            "-qc",
            &format!("CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"),
        ])
        .status()
        .expect("psql runs (Debian: postgresql-client)");
    assert!(status.success(), "create the database {name}");
    format!("{base}/{name}")
}

async fn a_create_through_the_cluster_reaches_another_session_live(kind: Kind) {
    let pg = std::env::var("DATA_FARM_TEST_POSTGRES").expect("DATA_FARM_TEST_POSTGRES");
    let nats = std::env::var("DATA_FARM_TEST_NATS").expect("DATA_FARM_TEST_NATS");
    let database = fresh_database(&pg, kind.name());
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let (database, nats) = (database.clone(), nats.clone());
        nodes.push(
            DemoServer::start_with(move |config| {
                config.database = DatabaseLocation::Postgres(database);
                config.broker = Some(nats);
            })
            .await,
        );
    }
    let addrs: Vec<_> = nodes
        .iter()
        .filter_map(|node| node.server.as_ref().map(|server| server.addr()))
        .collect();
    let balancer = Balancer::start(&addrs).await;

    let (alice, bob) = alice_and_bob_on(kind, &balancer.url(), "Globex").await;
    let (a, b) = (&alice.session, &bob.session);
    wait_row(b, "Applications", "Inventory", true).await;
    a.click_role("button", "New application").await.unwrap();
    fill(a, "Application name", "Clustered dashboard").await;
    a.click_role("button", "Create application").await.unwrap();
    wait_row(a, "Applications", "Clustered dashboard", true).await;
    wait_row(b, "Applications", "Clustered dashboard", true).await;
    alice.close().await;
    bob.close().await;
}

mod chromium {
    #[tokio::test]
    #[ignore = "needs PostgreSQL, NATS and haproxy: scripts/test.sh runs it"]
    async fn a_create_through_the_cluster_reaches_another_session_live() {
        super::a_create_through_the_cluster_reaches_another_session_live(
            data_farm_e2e::Kind::Chromium,
        )
        .await
    }
}

mod firefox {
    #[tokio::test]
    #[ignore = "needs PostgreSQL, NATS and haproxy: scripts/test.sh runs it"]
    async fn a_create_through_the_cluster_reaches_another_session_live() {
        super::a_create_through_the_cluster_reaches_another_session_live(
            data_farm_e2e::Kind::Firefox,
        )
        .await
    }
}
