//! The demo end to end in headless Chromium: live updates between two sessions, access control,
//! skeletons, reconnection after a server restart. Elements are found by
//! role and accessible name. Screenshots of the main pages land in `tests/e2e/artifacts/`.

#[macro_use]
mod support;

use std::time::Duration;

use data_farm_e2e::{Browser, DemoServer, Kind};
use support::{alice_and_bob_on, check_page, fill, open_team, rows, sign_in, wait_row, Api};

async fn a_create_rename_and_delete_by_alice_reach_bob_without_reload(kind: Kind) {
    let demo = DemoServer::start().await;
    let (alice, bob) = alice_and_bob_on(kind, &demo.url(), "Globex").await;
    let (a, b) = (&alice.session, &bob.session);
    wait_row(b, "Applications", "Inventory", true).await;

    a.click_role("button", "New application").await.unwrap();
    fill(a, "Application name", "Shared dashboard").await;
    a.click_role("button", "Create application").await.unwrap();
    wait_row(a, "Applications", "Shared dashboard", true).await;
    wait_row(b, "Applications", "Shared dashboard", true).await;

    // Alice opens it (its name is a link) and renames it.
    a.click_role("link", "Shared dashboard").await.unwrap();
    a.by_role("heading", "Shared dashboard").await.unwrap();
    fill(a, "Name", "Shared dashboard v2").await;
    a.click_role("button", "Save").await.unwrap();
    wait_row(b, "Applications", "Shared dashboard v2", true).await;

    // And deletes it.
    a.click_role("button", "Delete").await.unwrap();
    a.click_role("button", "Delete application").await.unwrap();
    wait_row(b, "Applications", "Shared dashboard", false).await;
    check_page(b, &format!("{}-team-globex-light", kind.name())).await;
    alice.close().await;
    bob.close().await;
}

async fn bob_never_sees_acme(kind: Kind) {
    let demo = DemoServer::start().await;
    let bob = Browser::launch(kind).await.expect("browser");
    let page = &bob.session;
    sign_in(page, &demo.url(), "bob").await;
    page.by_role("link", "Globex").await.unwrap();
    assert!(page.all_by_role("link", "Acme").await.unwrap().is_empty());
    page.goto(&format!("{}teams/team_1", demo.url()))
        .await
        .unwrap();
    page.by_role("table", "Applications").await.unwrap();
    page.wait_for("an empty table", || async {
        let body = page
            .execute("return document.body.innerText", vec![])
            .await?;
        Ok(body
            .as_str()
            .is_some_and(|t| t.contains("No applications match."))
            .then_some(()))
    })
    .await
    .unwrap();
    assert!(rows(page, "Applications")
        .await
        .iter()
        .all(|r| !r.contains("Billing")));
    bob.close().await;
}

async fn skeletons_show_before_data_then_never_again(kind: Kind) {
    let demo =
        DemoServer::start_with(|config| config.response_delay = Duration::from_millis(1_200)).await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    page.goto(&demo.url()).await.unwrap();
    page.click_role("button", "Sign in as alice").await.unwrap();
    page.by_role("heading", "Your teams").await.unwrap();
    // Data is delayed: the overview is busy and shows skeletons hidden from assistive tech.
    let skeletons = page
        .find_all("[aria-busy=true] [aria-hidden=true] .df-skeleton")
        .await
        .unwrap();
    assert!(
        !skeletons.is_empty(),
        "a skeleton, hidden from assistive technology, inside a busy region"
    );
    check_page(page, &format!("{}-overview-loading", kind.name())).await;
    page.by_role("link", "Acme").await.unwrap();
    assert!(
        page.find_all(".df-skeleton").await.unwrap().is_empty(),
        "no skeleton once data is there"
    );
    alice.close().await;
}

async fn a_server_restart_shows_reconnecting_then_live_and_loses_nothing(kind: Kind) {
    let mut demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    page.by_role("status", "Connection: Live")
        .await
        .expect("live");
    demo.stop().await;
    page.wait_for("the indicator to say reconnecting", || async {
        let found = page.find_all("[role=status]").await?;
        for status in found {
            if page.text(&status).await?.starts_with("Reconnecting") {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await
    .unwrap();
    check_page(page, &format!("{}-reconnecting", kind.name())).await;
    demo.start_again().await;
    // Created by someone else while this client is still away (or just back).
    let bob = Api::sign_in(&demo.url(), "bob").await;
    let body = serde_json::json!({"name": "Made during the outage", "team_id": bob.team("Globex")});
    let (status, _) = bob.send(reqwest::Method::POST, "/applications", body).await;
    assert_eq!(status, 201);
    page.by_role("status", "Connection: Live")
        .await
        .expect("live again");
    wait_row(page, "Applications", "Made during the outage", true).await;
    alice.close().await;
}

async fn devices_filter_by_status_and_select(kind: Kind) {
    let demo = DemoServer::start().await;
    let browser = Browser::launch(kind).await.expect("browser");
    let page = &browser.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Acme").await;
    page.click_role("tab", "Devices").await.unwrap();
    wait_row(page, "Devices", "acme-sensor-0001", true).await;
    page.choose("Status", "Offline").await.unwrap();
    page.wait_for("only offline devices", || async {
        let shown = rows(page, "Devices").await;
        Ok((shown.len() == 2 && shown.iter().all(|r| r.contains("offline"))).then_some(()))
    })
    .await
    .unwrap();
    page.click_role("checkbox", "Select acme-sensor-0004")
        .await
        .unwrap();
    page.by_role("status", "1 selected").await.unwrap();
    page.click_role("checkbox", "Select all on this page")
        .await
        .unwrap();
    page.by_role("status", "2 selected").await.unwrap();
    check_page(page, &format!("{}-devices-filtered", kind.name())).await;
    browser.close().await;
}

in_every_browser!(
    devices_filter_by_status_and_select,
    a_create_rename_and_delete_by_alice_reach_bob_without_reload,
    bob_never_sees_acme,
    skeletons_show_before_data_then_never_again,
    a_server_restart_shows_reconnecting_then_live_and_loses_nothing
);
