//! Drafts end to end, in both browsers: with Globex's device changes needing approval, Alice's
//! rename becomes a draft; she changes its proposed name and submits it; the devices table
//! badges the device and, with "Only devices with drafts" (kept over a reload), lists it
//! alone; Bob, made an owner, approves it in his session; Alice's open page shows it take
//! effect without a reload (the drafts-only list empties, the device is renamed); the team's
//! audit trail names her and follows a change made elsewhere.

#[macro_use]
mod support;

use data_farm_e2e::{Browser, DemoServer, Kind, Session};
use support::{check_page, fill, open_team, sign_in, wait_row, wait_row_showing, Api};

async fn tab_named(page: &Session, name: &str) {
    page.wait_for(&format!("the tab {name:?}"), || async {
        Ok((!page.all_by_role("tab", name).await?.is_empty()).then_some(()))
    })
    .await
    .expect("the tab");
}

async fn a_change_needing_approval_takes_effect_when_an_owner_approves(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice_api = Api::sign_in(&demo.url(), "alice").await;
    let globex = alice_api.team("Globex");
    let (status, _) = alice_api
        .send(
            reqwest::Method::PUT,
            &format!("/teams/{globex}/approvals"),
            serde_json::json!({ "kinds": ["device"] }),
        )
        .await;
    assert_eq!(status, 200, "device changes need approval");
    let (_, members) = alice_api
        .send(
            reqwest::Method::GET,
            &format!("/teams/{globex}/members"),
            serde_json::json!({}),
        )
        .await;
    let bob_id = members["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["username"] == "bob")
        .and_then(|m| m["id"].as_str())
        .expect("bob is in Globex")
        .to_owned();
    let (status, _) = alice_api
        .send(
            reqwest::Method::PATCH,
            &format!("/teams/{globex}/members/{bob_id}"),
            serde_json::json!({ "role": "owner" }),
        )
        .await;
    assert_eq!(status, 204, "bob is made an owner");

    // Alice renames a device: it becomes a draft, the device keeps its name.
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    page.click_role("tab", "Devices").await.unwrap();
    page.click_role("link", "globex-gateway-0003")
        .await
        .unwrap();
    fill(page, "Name", "gateway-proposed").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Sent for approval").await.unwrap();
    page.by_role("status", "Waiting for approval")
        .await
        .unwrap();
    page.by_role("heading", "globex-gateway-0003")
        .await
        .unwrap();

    // The team's Drafts tab counts it; she changes what it proposes, then submits it.
    page.click_role("link", "See the team's drafts")
        .await
        .unwrap();
    tab_named(page, "Drafts (1)").await;
    let first = "Change device gateway-proposed";
    wait_row_showing(page, "Drafts", &[first, "draft", "Alice Archer"]).await;
    fill(
        page,
        &format!("Proposed name for {first}"),
        "gateway-approved",
    )
    .await;
    page.click_role("button", &format!("Save proposal {first}"))
        .await
        .unwrap();
    let change = "Change device gateway-approved";
    wait_row_showing(page, "Drafts", &[change, "draft", "Alice Archer"]).await;
    page.click_role("button", &format!("Submit {change}"))
        .await
        .unwrap();
    wait_row_showing(page, "Drafts", &[change, "under_review"]).await;
    check_page(page, &format!("{}-drafts", kind.name())).await;

    // The devices table badges it; drafted devices only lists it alone, also after a reload.
    page.click_role("tab", "Devices").await.unwrap();
    wait_row_showing(
        page,
        "Devices",
        &["globex-gateway-0003", "Draft: under review"],
    )
    .await;
    page.click_role("checkbox", "Only devices with drafts")
        .await
        .unwrap();
    wait_row(page, "Devices", "globex-gateway-0001", false).await;
    wait_row_showing(page, "Devices", &["globex-gateway-0003", "Draft"]).await;
    let here = page
        .wait_for("the toggle in the address", || async {
            let here = page
                .execute("return location.pathname + location.search", vec![])
                .await?;
            let here = here.as_str().unwrap_or_default().to_owned();
            Ok(here.contains("devices.drafts=only").then_some(here))
        })
        .await
        .expect("the address");
    page.goto(&format!("{}{here}", demo.url().trim_end_matches('/')))
        .await
        .unwrap();
    wait_row_showing(page, "Devices", &["globex-gateway-0003", "Draft"]).await;
    wait_row(page, "Devices", "globex-gateway-0001", false).await;
    check_page(page, &format!("{}-drafted-devices", kind.name())).await;

    // Bob approves in his own session.
    let bob = Browser::launch(kind).await.expect("browser");
    let theirs = &bob.session;
    sign_in(theirs, &demo.url(), "bob").await;
    open_team(theirs, "Globex").await;
    tab_named(theirs, "Drafts (1)").await;
    theirs.click_role("tab", "Drafts (1)").await.unwrap();
    wait_row_showing(theirs, "Drafts", &[change, "under_review"]).await;
    let comment = theirs
        .by_role("textbox", &format!("Comment on {change}"))
        .await
        .unwrap();
    theirs.type_text(&comment, "fine by me").await.unwrap();
    theirs
        .click_role("button", &format!("Approve {change}"))
        .await
        .unwrap();
    wait_row_showing(theirs, "Drafts", &[change, "effective", "fine by me"]).await;

    // Alice's open page follows without a reload: the device has no draft now, so the
    // drafted-only list empties (renamed in place, it would still show "gateway-approved").
    wait_row(page, "Devices", "gateway", false).await;
    page.click_role("checkbox", "Only devices with drafts")
        .await
        .unwrap();
    wait_row(page, "Devices", "gateway-approved", true).await;
    wait_row(page, "Devices", "globex-gateway-0003", false).await;
    wait_row(page, "Devices", "Draft:", false).await;
    tab_named(page, "Drafts").await;
    page.click_role("tab", "Drafts").await.unwrap();
    wait_row_showing(page, "Drafts", &[change, "effective", "fine by me"]).await;

    // The team's audit trail names who made the change.
    page.click_role("tab", "Audit").await.unwrap();
    wait_row_showing(
        page,
        "Team audit trail",
        &["Alice Archer", "device gateway-approved"],
    )
    .await;
    check_page(page, &format!("{}-team-audit", kind.name())).await;

    // It stays live: a change made elsewhere shows in the open trail.
    let (_, apps) = alice_api
        .send(
            reqwest::Method::GET,
            &format!("/applications?team={globex}&per_page=1"),
            serde_json::json!({}),
        )
        .await;
    let app = apps["items"][0]["id"].as_str().expect("an application");
    let (status, _) = alice_api
        .send(
            reqwest::Method::PATCH,
            &format!("/applications/{app}"),
            serde_json::json!({ "name": "Renamed elsewhere" }),
        )
        .await;
    assert_eq!(status, 200, "applications need no approval");
    wait_row_showing(
        page,
        "Team audit trail",
        &[
            "Alice Archer",
            "application Renamed elsewhere",
            "Changed name",
        ],
    )
    .await;
}

in_every_browser!(a_change_needing_approval_takes_effect_when_an_owner_approves);
