//! One browser, one connection: tabs of one user elect a leader that alone holds the realtime
//! connection and relays to the others; closing it hands over without losing a change.

#[macro_use]
mod support;

use std::time::{Duration, Instant};

use data_farm_e2e::{Browser, DemoServer, Kind, Session};
use support::{api_requests, check_page, open_team, sign_in, wait_row, Api};

const LEADER: &str = "This tab holds the connection";
const FOLLOWER: &str = "Connected through another tab";

/// Waits until the header says `text` about this tab's part.
async fn wait_role(page: &Session, text: &str, limit: Duration) {
    page.wait_within(&format!("the tab to say {text:?}"), limit, || async {
        let found = page.find_all(".demo-tab-role").await?;
        for element in found {
            if page.text(&element).await? == text {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await
    .expect("tab role shown");
}

/// How many realtime connections the server has open, once it stays the same for a moment.
async fn settled_connections(demo: &DemoServer) -> usize {
    let count = || {
        demo.server
            .as_ref()
            .map_or(0, |s| s.state().controls().connection_count())
    };
    let mut last = count();
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = count();
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

/// The id of the application named `name` in `team`.
async fn app_id(api: &Api, team: &str, name: &str) -> String {
    let (_, list) = api
        .send(
            reqwest::Method::GET,
            &format!("/applications?team={team}&per_page=100"),
            serde_json::json!(null),
        )
        .await;
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["name"] == name)
        .and_then(|a| a["id"].as_str())
        .map(str::to_owned)
        .expect("the application exists")
}

async fn rename(api: &Api, id: &str, name: &str) {
    let (status, body) = api
        .send(
            reqwest::Method::PATCH,
            &format!("/applications/{id}"),
            serde_json::json!({"name": name}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Alice's browser with two tabs on Globex: the first leads, the second follows.
async fn two_tabs(kind: Kind, demo: &DemoServer) -> (Browser, String, String) {
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    wait_row(page, "Applications", "Inventory", true).await;
    wait_role(page, LEADER, Duration::from_secs(10)).await;
    let first = page.current_tab().await.unwrap();
    let url = page.execute("return location.href", vec![]).await.unwrap();
    let second = page.new_tab().await.unwrap();
    page.switch_to(&second).await.unwrap();
    page.goto(url.as_str().unwrap()).await.unwrap();
    page.execute("performance.setResourceTimingBufferSize(100000);", vec![])
        .await
        .unwrap();
    page.by_role("heading", "Globex").await.unwrap();
    wait_row(page, "Applications", "Inventory", true).await;
    wait_role(page, FOLLOWER, Duration::from_secs(10)).await;
    (alice, first, second)
}

async fn two_tabs_share_one_connection_and_both_show_changes(kind: Kind) {
    let demo = DemoServer::start().await;
    let (alice, first, second) = two_tabs(kind, &demo).await;
    let page = &alice.session;
    // The follower took the team page from the leader: its only requests are the demo's own
    // session check on load.
    let paths = page
        .execute(
            "return performance.getEntriesByType('resource')
                .map(e => new URL(e.name).pathname).filter(p => p.startsWith('/api/'));",
            vec![],
        )
        .await
        .unwrap();
    let paths: Vec<String> = serde_json::from_value(paths).unwrap_or_default();
    assert!(
        paths
            .iter()
            .all(|p| p == "/api/v1/me" || p == "/api/v1/teams"),
        "the follower fetched what the leader holds: {paths:?}"
    );
    assert_eq!(
        settled_connections(&demo).await,
        1,
        "one realtime connection for two tabs"
    );

    let bob = Api::sign_in(&demo.url(), "bob").await;
    let team = bob.team("Globex");
    let inventory = app_id(&bob, &team, "Inventory").await;
    rename(&bob, &inventory, "Inventory (renamed by Bob)").await;
    for tab in [&second, &first] {
        page.switch_to(tab).await.unwrap();
        wait_row(page, "Applications", "Inventory (renamed by Bob)", true).await;
    }
    check_page(page, &format!("{}-two-tabs-leader", kind.name())).await;
    alice.close().await;
}

async fn closing_the_leader_hands_over_without_losing_a_change(kind: Kind) {
    let demo = DemoServer::start().await;
    let (alice, first, second) = two_tabs(kind, &demo).await;
    let page = &alice.session;
    let bob = Api::sign_in(&demo.url(), "bob").await;
    let team = bob.team("Globex");
    let inventory = app_id(&bob, &team, "Inventory").await;

    // Let the follower's own first fetches finish before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let requests_before = api_requests(page).await;

    // The leader goes away; Bob keeps changing things meanwhile.
    page.switch_to(&first).await.unwrap();
    page.close_tab().await.unwrap();
    let closed = Instant::now();
    page.switch_to(&second).await.unwrap();
    for n in 1..=5 {
        rename(&bob, &inventory, &format!("Inventory v{n}")).await;
    }
    wait_role(page, LEADER, Duration::from_secs(5)).await;
    let took_over = closed.elapsed();
    wait_row(page, "Applications", "Inventory v5", true).await;
    let shown = closed.elapsed();
    let rows = support::rows(page, "Applications").await;
    assert_eq!(
        rows.iter().filter(|r| r.contains("Inventory")).count(),
        1,
        "one row, not one per change: {rows:?}"
    );
    assert_eq!(
        settled_connections(&demo).await,
        1,
        "the new leader's connection only"
    );
    // A change after the hand-off arrives over the new connection.
    rename(&bob, &inventory, "Inventory after").await;
    wait_row(page, "Applications", "Inventory after", true).await;
    // The new leader resumed every topic from the relayed positions (`since`): the server
    // replayed the gap, so nothing had to be refetched.
    assert_eq!(
        api_requests(page).await,
        requests_before,
        "no refetch on hand-off"
    );
    eprintln!(
        "{}: leader closed -> new leader {} ms, -> last change shown {} ms",
        kind.name(),
        took_over.as_millis(),
        shown.as_millis()
    );
    alice.close().await;
}

in_every_browser!(
    two_tabs_share_one_connection_and_both_show_changes,
    closing_the_leader_hands_over_without_losing_a_change,
);
