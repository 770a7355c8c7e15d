//! Names instead of ids, history on detail pages, the team page's state in the URL, and
//! jumping to the page a device is on: end to end, in both browsers.

#[macro_use]
mod support;

use data_farm_e2e::{Browser, DemoServer, Kind, Session};
use support::{check_page, fill, open_team, rows, sign_in, wait_row, wait_row_showing, Api};

async fn location(page: &Session) -> String {
    page.execute("return location.pathname + location.search", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn wait_location(page: &Session, what: &str, test: impl Fn(&str) -> bool) -> String {
    page.wait_for(what, || async {
        let here = location(page).await;
        Ok(test(&here).then_some(here))
    })
    .await
    .expect("the address")
}

/// How many API requests of this page asked for `kinds` by id.
async fn id_lookups(page: &Session, kinds: &str) -> u64 {
    page.execute(
        "return performance.getEntriesByType('resource')
            .map(e => new URL(e.name))
            .filter(u => u.pathname === '/api/v1/' + arguments[0] && u.searchParams.has('ids')).length;",
        vec![serde_json::json!(kinds)],
    )
    .await
    .ok()
    .and_then(|v| v.as_u64())
    .unwrap_or(0)
}

async fn device_id(api: &Api, team: &str, name: &str) -> String {
    let (status, page) = api
        .send(
            reqwest::Method::GET,
            &format!("/devices?team={team}&q={name}"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200);
    page["items"][0]["id"]
        .as_str()
        .expect("the device")
        .to_owned()
}

async fn owners_are_named_and_history_shows_who_changed_what(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    page.click_role("tab", "Devices").await.unwrap();
    // Every fifth seeded device belongs to an application: its name shows, not its id.
    wait_row_showing(
        page,
        "Devices",
        &["globex-gateway-0005", "Application Inventory"],
    )
    .await;
    wait_row_showing(page, "Devices", &["globex-gateway-0001", "Team Globex"]).await;
    let shown = rows(page, "Devices").await;
    assert!(
        shown
            .iter()
            .all(|row| !row.contains("app_") && !row.contains("team_")),
        "no raw ids: {shown:?}"
    );
    assert!(
        id_lookups(page, "applications").await <= 1,
        "one request for the column's applications, not one per row"
    );

    // History of one device: Alice renames it here, Bob changes its status elsewhere.
    let bob = Api::sign_in(&demo.url(), "bob").await;
    let globex = bob.team("Globex");
    let device = device_id(&bob, &globex, "globex-gateway-0002").await;
    page.click_role("link", "globex-gateway-0002")
        .await
        .unwrap();
    page.by_role("heading", "History").await.unwrap();
    fill(page, "Name", "globex-gateway-renamed").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Saved").await.unwrap();
    wait_row_showing(page, "Changes", &["Alice Archer", "Changed name"]).await;

    let (status, _) = bob
        .send(
            reqwest::Method::PATCH,
            &format!("/devices/{device}"),
            serde_json::json!({ "status": "error" }),
        )
        .await;
    assert_eq!(status, 200);
    // Live: the trail and the comparison follow without a reload.
    wait_row_showing(page, "Changes", &["Bob Baker", "Changed status"]).await;
    wait_row_showing(page, "Differences", &["status", "error"]).await;
    // The activity list speaks of the device by its name too.
    page.wait_for("the activity line with the device's name", || async {
        let list = page.by_role("list", "Recent activity").await?;
        let text = page.text(&list).await?;
        Ok(text
            .contains("device globex-gateway-renamed status")
            .then_some(()))
    })
    .await
    .expect("a named activity line");
    page.choose("From", "Version 1 (updated)").await.ok();
    check_page(page, &format!("{}-history", kind.name())).await;
}

async fn the_team_pages_state_lives_in_the_url(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Acme").await;
    page.click_role("tab", "Devices").await.unwrap();
    let team_path = wait_location(page, "the tab in the address", |l| {
        l.contains("tab=devices")
    })
    .await;
    let search = page.by_role("searchbox", "Search devices").await.unwrap();
    page.type_text(&search, "sensor-001").await.unwrap();
    wait_location(page, "the search in the address", |l| {
        l.contains("devices.q=sensor-001")
    })
    .await;
    wait_row(page, "Devices", "acme-sensor-0002", false).await;
    page.click_role("button", "Name").await.unwrap();
    let sorted = wait_location(page, "the sort in the address", |l| {
        l.contains("devices.order=desc")
    })
    .await;

    // A reload shows the same: tab, search and order.
    page.goto(&format!("{}{}", demo.url().trim_end_matches('/'), sorted))
        .await
        .unwrap();
    let tab = page.by_role("tab", "Devices").await.unwrap();
    assert_eq!(
        page.attribute(&tab, "aria-selected")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    page.wait_for("the newest names first", || async {
        let shown = rows(page, "Devices").await;
        Ok((shown.len() == 3
            && shown[0].contains("acme-sensor-0012")
            && shown[2].contains("acme-sensor-0010"))
        .then_some(()))
    })
    .await
    .expect("the search and the order kept");
    let search = page.by_role("searchbox", "Search devices").await.unwrap();
    let value = page
        .execute("return arguments[0].value", vec![page.as_arg(&search)])
        .await
        .unwrap();
    assert_eq!(value, "sensor-001");

    // Pages from a link, and back steps through them.
    let paged = format!(
        "{}?tab=devices&devices.per_page=5&devices.page=2",
        team_path.split('?').next().unwrap_or_default()
    );
    page.goto(&format!("{}{paged}", demo.url().trim_end_matches('/')))
        .await
        .unwrap();
    wait_row(page, "Devices", "acme-sensor-0006", true).await;
    wait_row(page, "Devices", "acme-sensor-0005", false).await;
    page.click_role("button", "Next page").await.unwrap();
    wait_location(page, "page 3", |l| l.contains("devices.page=3")).await;
    wait_row(page, "Devices", "acme-sensor-0011", true).await;
    page.execute("history.back()", vec![]).await.unwrap();
    wait_location(page, "page 2 again", |l| l.contains("devices.page=2")).await;
    wait_row(page, "Devices", "acme-sensor-0006", true).await;
    wait_row(page, "Devices", "acme-sensor-0011", false).await;
    check_page(page, &format!("{}-team-url", kind.name())).await;
}

async fn a_device_opens_at_its_page_of_the_list(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice_api = Api::sign_in(&demo.url(), "alice").await;
    let acme = alice_api.team("Acme");
    // Twenty devices named to sort before the seeded ones push those to page 2.
    for i in 0..20 {
        let (status, _) = alice_api
            .send(
                reqwest::Method::POST,
                "/devices",
                serde_json::json!({ "name": format!("aaa-{i:02}"), "owner": {"type": "team", "id": acme} }),
            )
            .await;
        assert_eq!(status, 201);
    }
    let device = device_id(&alice_api, &acme, "acme-sensor-0009").await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    page.goto(&format!("{}devices/{device}", demo.url()))
        .await
        .unwrap();
    page.click_role("button", "Show in the team's devices")
        .await
        .unwrap();
    wait_location(page, "the device's page of the list", |l| {
        l.contains("tab=devices") && l.contains("devices.page=2")
    })
    .await;
    wait_row(page, "Devices", "acme-sensor-0009", true).await;
}

in_every_browser!(
    owners_are_named_and_history_shows_who_changed_what,
    the_team_pages_state_lives_in_the_url,
    a_device_opens_at_its_page_of_the_list,
);
