//! Forms end to end: the server's field errors beside their fields, a 409 conflict resolved
//! both ways, create dialogs and detail pages for instances and devices, instance start showing
//! its transitional status in another session, and the team page at phone width.

#[macro_use]
mod support;

use data_farm_e2e::{Browser, DemoServer, Kind};
use support::{
    alice_and_bob_on, check_page, fill, open_team, sign_in, wait_row, wait_row_showing, Api,
};

async fn field_errors_show_beside_their_fields(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Acme").await;
    // The create dialog takes focus to its first field; Escape cancels it and gives focus back.
    let opener = page.by_role("button", "New application").await.unwrap();
    page.execute("arguments[0].focus()", vec![page.as_arg(&opener)])
        .await
        .unwrap();
    page.click(&opener).await.unwrap();
    page.wait_for("focus on the first field", || async {
        Ok((page.focused_name().await? == "Application name").then_some(()))
    })
    .await
    .expect("focus moved in");
    page.press("\u{E00C}").await.unwrap();
    page.wait_for("the dialog to close", || async {
        Ok(page
            .all_by_role("button", "Create application")
            .await?
            .is_empty()
            .then_some(()))
    })
    .await
    .expect("Escape cancels");
    assert_eq!(page.focused_name().await.unwrap(), "New application");
    page.click_role("button", "New application").await.unwrap();
    let name = fill(page, "Application name", "   ").await;
    page.click_role("button", "Create application")
        .await
        .unwrap();
    page.wait_for("the name field to be marked invalid", || async {
        Ok((page.attribute(&name, "aria-invalid").await?.as_deref() == Some("true")).then_some(()))
    })
    .await
    .unwrap();
    assert_eq!(page.description(&name).await.unwrap(), "is required");
    let alert = page.find_all("[role=alert]").await.unwrap();
    let summary = page.text(&alert[0]).await.unwrap();
    assert!(summary.contains("Please correct the fields"), "{summary}");
    assert!(
        !summary.contains("is required"),
        "said once, beside the field: {summary}"
    );
    check_page(page, &format!("{}-form-errors", kind.name())).await;

    // Fixing the field clears its error and creates the application.
    fill(page, "Application name", "Fixed name").await;
    page.click_role("button", "Create application")
        .await
        .unwrap();
    wait_row(page, "Applications", "Fixed name", true).await;

    // Dark theme screenshots of the main pages.
    page.click_role("button", "Dark theme").await.unwrap();
    check_page(page, &format!("{}-team-acme-dark", kind.name())).await;
    // The choice is remembered: a reload starts dark.
    page.execute("location.reload()", vec![]).await.unwrap();
    page.by_role("heading", "Acme").await.unwrap();
    let theme = page
        .execute("return document.documentElement.dataset.theme", vec![])
        .await
        .unwrap();
    assert_eq!(theme, "dark", "the theme chosen before the reload");
    let toggle = page.by_role("button", "Dark theme").await.unwrap();
    assert_eq!(
        page.attribute(&toggle, "aria-pressed")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    page.click_role("link", "data-farm").await.unwrap();
    page.by_role("link", "Acme").await.unwrap();
    check_page(page, &format!("{}-overview-dark", kind.name())).await;
    alice.close().await;
}

/// Bob renames `app` behind Alice's back; returns his version's name.
async fn bob_renames(bob: &Api, app: &str, name: &str) {
    let (status, _) = bob
        .send(
            reqwest::Method::PATCH,
            &format!("/applications/{app}"),
            serde_json::json!({ "name": name }),
        )
        .await;
    assert_eq!(status, 200, "bob's rename");
}

/// Application `app` as the server has it now.
async fn application(bob: &Api, app: &str) -> serde_json::Value {
    let (status, current) = bob
        .send(
            reqwest::Method::GET,
            &format!("/applications/{app}"),
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, 200, "{current}");
    current
}

async fn a_conflict_offers_their_version_or_overwrite(kind: Kind) {
    let demo = DemoServer::start().await;
    let bob = Api::sign_in(&demo.url(), "bob").await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    page.click_role("link", "Inventory").await.unwrap();
    page.by_role("heading", "Inventory").await.unwrap();
    let url = page
        .execute("return location.pathname", vec![])
        .await
        .unwrap();
    let app = url
        .as_str()
        .and_then(|p| p.rsplit('/').next())
        .unwrap()
        .to_owned();

    // Bob changes a field Alice does not touch: her rename goes through over it, no conflict,
    // and the form takes his description.
    let (status, _) = bob
        .send(
            reqwest::Method::PATCH,
            &format!("/applications/{app}"),
            serde_json::json!({ "description": "Bob's notes" }),
        )
        .await;
    assert_eq!(status, 200, "bob's description");
    fill(page, "Name", "Inventory (merged)").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Saved").await.unwrap();
    let current = application(&bob, &app).await;
    assert_eq!(current["name"], "Inventory (merged)");
    assert_eq!(current["description"], "Bob's notes");
    let description = page.by_role("textbox", "Description").await.unwrap();
    let shown = page
        .execute("return arguments[0].value", vec![page.as_arg(&description)])
        .await
        .unwrap();
    assert_eq!(
        shown, "Bob's notes",
        "the form takes the field only Bob changed"
    );

    // Overwrite: Alice's edit wins over Bob's.
    bob_renames(&bob, &app, "Inventory (Bob)").await;
    fill(page, "Name", "Inventory (Alice)").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("group", "Resolve conflict").await.unwrap();
    let both = page
        .by_role("table", "Your version and theirs")
        .await
        .unwrap();
    let text = page.text(&both).await.unwrap();
    assert!(
        text.contains("Inventory (Alice)") && text.contains("Inventory (Bob)"),
        "{text}"
    );
    check_page(page, &format!("{}-conflict", kind.name())).await;
    page.click_role("button", "Overwrite").await.unwrap();
    page.by_role("status", "Saved").await.unwrap();
    let current = application(&bob, &app).await;
    assert_eq!(current["name"], "Inventory (Alice)");

    // Reload their version: the form takes Bob's, and saving again does not conflict.
    bob_renames(&bob, &app, "Inventory (Bob again)").await;
    fill(page, "Name", "Inventory (Alice again)").await;
    page.click_role("button", "Save").await.unwrap();
    page.click_role("button", "Reload their version")
        .await
        .unwrap();
    let name = page.by_role("textbox", "Name").await.unwrap();
    page.wait_for("their name in the field", || async {
        let value = page
            .execute("return arguments[0].value", vec![page.as_arg(&name)])
            .await?;
        Ok((value == "Inventory (Bob again)").then_some(()))
    })
    .await
    .unwrap();
    fill(page, "Description", "Reviewed").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Saved").await.unwrap();
    let current = application(&bob, &app).await;
    assert_eq!(current["name"], "Inventory (Bob again)");
    assert_eq!(current["description"], "Reviewed");
    alice.close().await;
}

async fn instances_and_devices_are_created_edited_and_started(kind: Kind) {
    let demo = DemoServer::start().await;
    let (alice, bob) = alice_and_bob_on(kind, &demo.url(), "Globex").await;
    let (a, b) = (&alice.session, &bob.session);
    a.click_role("tab", "Instances").await.unwrap();
    b.click_role("tab", "Instances").await.unwrap();
    wait_row(b, "Instances", "inventory-dev", true).await;

    // Create an instance of Portal; Bob sees it, then sees Alice start it.
    a.click_role("button", "New instance").await.unwrap();
    fill(a, "Instance name", "portal-canary").await;
    a.choose("Application", "Portal").await.unwrap();
    a.click_role("button", "Create instance").await.unwrap();
    wait_row(b, "Instances", "portal-canary", true).await;
    a.click_role("button", "Start portal-canary").await.unwrap();
    wait_row_showing(b, "Instances", &["portal-canary", "starting"]).await;
    b.by_role("button", "Stop portal-canary").await.unwrap();

    // Its detail page: rename it.
    a.click_role("link", "portal-canary").await.unwrap();
    a.by_role("heading", "portal-canary").await.unwrap();
    fill(a, "Name", "portal-canary-2").await;
    a.click_role("button", "Save").await.unwrap();
    wait_row(b, "Instances", "portal-canary-2", true).await;
    check_page(a, &format!("{}-instance", kind.name())).await;

    // A device owned by that instance, created from the Devices tab, then edited.
    a.goto(&demo.url()).await.unwrap();
    open_team(a, "Globex").await;
    a.click_role("tab", "Devices").await.unwrap();
    b.click_role("tab", "Devices").await.unwrap();
    a.click_role("button", "New device").await.unwrap();
    fill(a, "Device name", "aaa-test-device").await;
    a.choose("Owner", "Instance portal-canary-2").await.unwrap();
    a.choose("Device status", "Updating").await.unwrap();
    a.click_role("button", "Create device").await.unwrap();
    wait_row_showing(b, "Devices", &["aaa-test-device", "updating"]).await;
    a.click_role("link", "aaa-test-device").await.unwrap();
    a.by_role("heading", "aaa-test-device").await.unwrap();
    a.choose("Status", "Error").await.unwrap();
    a.click_role("button", "Save").await.unwrap();
    wait_row_showing(b, "Devices", &["aaa-test-device", "error"]).await;
    check_page(a, &format!("{}-device", kind.name())).await;
    alice.close().await;
    bob.close().await;
}

async fn the_team_page_fits_a_phone(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    page.set_window_size(390, 844).await.unwrap();
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Acme").await;
    wait_row(page, "Applications", "Billing", true).await;
    let overflow = page
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(i64::MAX) <= 0,
        "no sideways scrolling at phone width (overflow {overflow})"
    );
    check_page(page, &format!("{}-team-acme-phone", kind.name())).await;
    alice.close().await;
}

in_every_browser!(
    field_errors_show_beside_their_fields,
    a_conflict_offers_their_version_or_overwrite,
    instances_and_devices_are_created_edited_and_started,
    the_team_page_fits_a_phone
);
