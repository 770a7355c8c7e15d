//! Offline-first end to end, in real browsers with real IndexedDB: a reload with the server
//! down shows the cached data; edits made while it is down are replayed once it is back, with
//! nothing lost or doubled; conflicts made by a second session are resolved each way from the
//! sync dashboard; signing out leaves nothing of the user in IndexedDB.

#[macro_use]
mod support;

use data_farm_e2e::{Browser, DemoServer, Kind, Session};
use support::{check_page, fill, open_team, sign_in, wait_row, wait_row_showing, Api};

/// Every key of the demo's IndexedDB database.
async fn stored_keys(page: &Session) -> Vec<String> {
    let script = r#"
        const done = arguments[arguments.length - 1];
        const open = indexedDB.open('data-farm-demo');
        open.onerror = () => done(['<error>']);
        open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains('entries')) { db.close(); done([]); return; }
            const request = db.transaction('entries').objectStore('entries').getAllKeys();
            request.onsuccess = () => { db.close(); done(request.result); };
            request.onerror = () => { db.close(); done(['<error>']); };
        };
    "#;
    let keys = page
        .execute_async(script, vec![])
        .await
        .expect("read IndexedDB");
    serde_json::from_value(keys).unwrap_or_default()
}

/// Waits until IndexedDB holds at least `count` records of `kind` and the service worker
/// controls the page.
async fn wait_persisted(page: &Session, kind: &str, count: usize) {
    let marker = format!("/r/{kind}/");
    page.wait_for(&format!("{count} {kind} records in IndexedDB"), || async {
        let stored = stored_keys(page).await;
        Ok((stored.iter().filter(|k| k.contains(&marker)).count() >= count).then_some(()))
    })
    .await
    .expect("records persisted");
    page.wait_for("the service worker to control the page", || async {
        let controlled = page
            .execute("return navigator.serviceWorker.controller !== null", vec![])
            .await?;
        Ok((controlled == true).then_some(()))
    })
    .await
    .expect("service worker");
}

async fn reload(page: &Session) {
    page.execute("location.reload()", vec![])
        .await
        .expect("reload");
}

/// The applications of a team as the server has them: names.
async fn server_apps(api: &Api, team: &str) -> Vec<serde_json::Value> {
    let (status, list) = api
        .send(
            reqwest::Method::GET,
            &format!("/applications?team={team}&per_page=100"),
            serde_json::json!(null),
        )
        .await;
    assert_eq!(status, 200);
    list["items"].as_array().cloned().unwrap_or_default()
}

async fn a_reload_with_the_server_down_keeps_working_and_syncs_after(kind: Kind) {
    let mut demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Acme").await;
    wait_row(page, "Applications", "Billing", true).await;
    wait_persisted(page, "application", 3).await;

    // The server goes away; a reload still shows the team from this browser's copy.
    demo.stop().await;
    reload(page).await;
    page.by_role("heading", "Acme")
        .await
        .expect("the team page, offline");
    wait_row(page, "Applications", "Billing", true).await;
    wait_row(page, "Applications", "Storefront", true).await;
    check_page(page, &format!("{}-offline-reload", kind.name())).await;

    // Work goes on: a rename and a new application, both shown at once and queued.
    page.click_role("button", "New application").await.unwrap();
    fill(page, "Application name", "Made offline").await;
    page.click_role("button", "Create application")
        .await
        .unwrap();
    wait_row(page, "Applications", "Made offline", true).await;
    wait_row_showing(page, "Applications", &["Made offline", "pending sync"]).await;
    page.click_role("link", "Billing").await.unwrap();
    page.by_role("heading", "Billing").await.unwrap();
    fill(page, "Name", "Billing (offline)").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Saved").await.unwrap();
    page.by_role("link", "Sync (2 pending)")
        .await
        .expect("two changes wait");

    // Another reload while down: the queued changes are still there and still shown.
    reload(page).await;
    page.by_role("link", "Sync (2 pending)")
        .await
        .expect("the outbox survived");
    page.by_role("heading", "Billing (offline)").await.unwrap();

    // The server returns: the outbox empties into it, once each.
    demo.start_again().await;
    page.by_role("link", "Sync").await.expect("everything sent");
    page.execute("history.back()", vec![]).await.unwrap();
    page.by_role("heading", "Acme").await.unwrap();
    wait_row(page, "Applications", "Made offline", true).await;
    wait_row(page, "Applications", "pending sync", false).await;
    let api = Api::sign_in(&demo.url(), "alice").await;
    let apps = server_apps(&api, &api.team("Acme")).await;
    let names: Vec<&str> = apps.iter().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == "Made offline").count(),
        1,
        "{names:?}"
    );
    assert!(
        names.contains(&"Billing (offline)") && !names.contains(&"Billing"),
        "{names:?}"
    );
    alice.close().await;
}

/// Opens application `name` from the team page, saves `fields` (label, value), and goes back.
async fn edit_app(page: &Session, name: &str, fields: &[(&str, &str)]) {
    page.click_role("link", name).await.unwrap();
    page.by_role("heading", name).await.unwrap();
    for (label, value) in fields {
        fill(page, label, value).await;
    }
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Saved").await.unwrap();
    page.execute("history.back()", vec![]).await.unwrap();
    page.by_role("heading", "Acme").await.unwrap();
}

async fn conflicts_from_a_second_session_are_resolved_each_way(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Acme").await;
    wait_row(page, "Applications", "Telemetry", true).await;
    let other = Api::sign_in(&demo.url(), "alice").await;
    let acme = other.team("Acme");
    let id_of = |apps: &[serde_json::Value], name: &str| {
        apps.iter()
            .find(|a| a["name"] == name)
            .and_then(|a| a["id"].as_str())
            .map(str::to_owned)
            .expect("seeded application")
    };
    let apps = server_apps(&other, &acme).await;
    let (billing, storefront, telemetry) = (
        id_of(&apps, "Billing"),
        id_of(&apps, "Storefront"),
        id_of(&apps, "Telemetry"),
    );

    // Offline, Alice edits three applications...
    page.execute("window.dispatchEvent(new Event('offline'))", vec![])
        .await
        .unwrap();
    edit_app(page, "Billing", &[("Name", "Billing (mine)")]).await;
    edit_app(page, "Storefront", &[("Name", "Storefront (mine)")]).await;
    edit_app(
        page,
        "Telemetry",
        &[
            ("Name", "Telemetry (mine)"),
            ("Description", "my description"),
        ],
    )
    .await;
    // ...while her other session renames all three.
    for (id, name) in [
        (&billing, "Billing (theirs)"),
        (&storefront, "Storefront (theirs)"),
        (&telemetry, "Telemetry (theirs)"),
    ] {
        let (status, _) = other
            .send(
                reqwest::Method::PATCH,
                &format!("/applications/{id}"),
                serde_json::json!({ "name": name }),
            )
            .await;
        assert_eq!(status, 200);
    }
    page.execute("window.dispatchEvent(new Event('online'))", vec![])
        .await
        .unwrap();
    page.click_role("link", "Sync (3 pending)").await.unwrap();
    page.by_role("heading", "Offline sync").await.unwrap();
    page.wait_for("three conflicts", || async {
        Ok((page
            .all_by_role("button", &format!("Resolve update application {telemetry}"))
            .await?
            .len()
            == 1
            && page
                .all_by_role("button", &format!("Resolve update application {billing}"))
                .await?
                .len()
                == 1
            && page
                .all_by_role(
                    "button",
                    &format!("Resolve update application {storefront}"),
                )
                .await?
                .len()
                == 1)
            .then_some(()))
    })
    .await
    .expect("conflicts listed");
    check_page(page, &format!("{}-sync-conflicts", kind.name())).await;

    // Keep mine: sent again over their version.
    page.click_role("button", &format!("Resolve update application {billing}"))
        .await
        .unwrap();
    let both = page
        .by_role("table", "Your change and theirs")
        .await
        .unwrap();
    let text = page.text(&both).await.unwrap();
    assert!(
        text.contains("Billing (mine)") && text.contains("Billing (theirs)"),
        "{text}"
    );
    check_page(page, &format!("{}-conflict-dialog", kind.name())).await;
    // The dialog is modal: focus moved into it, Tab from its last control wraps to its first,
    // Escape closes it and focus returns to the button that opened it.
    let resolve_billing = format!("Resolve update application {billing}");
    page.wait_for("focus inside the dialog", || async {
        let element = page.active().await?;
        let inside = page
            .execute(
                "return arguments[0].closest('[role=dialog]') !== null",
                vec![page.as_arg(&element)],
            )
            .await?;
        Ok((inside == true).then_some(()))
    })
    .await
    .expect("focus moved in");
    let first = page.focused_name().await.unwrap();
    let close = page.by_role("button", "Close").await.unwrap();
    page.execute("arguments[0].focus()", vec![page.as_arg(&close)])
        .await
        .unwrap();
    page.press("\u{E004}").await.unwrap();
    assert_eq!(
        page.focused_name().await.unwrap(),
        first,
        "Tab wraps to the first control"
    );
    page.press("\u{E00C}").await.unwrap();
    page.wait_for("the dialog to close", || async {
        Ok(page
            .all_by_role("table", "Your change and theirs")
            .await?
            .is_empty()
            .then_some(()))
    })
    .await
    .expect("Escape closes");
    assert_eq!(
        page.focused_name().await.unwrap(),
        resolve_billing,
        "focus back on the button that opened it"
    );
    page.click_role("button", &resolve_billing).await.unwrap();
    page.click_role("button", "Keep mine").await.unwrap();
    // Take theirs: nothing sent.
    page.click_role(
        "button",
        &format!("Resolve update application {storefront}"),
    )
    .await
    .unwrap();
    page.click_role("button", "Take theirs").await.unwrap();
    // Merge: their name, my description.
    page.click_role("button", &format!("Resolve update application {telemetry}"))
        .await
        .unwrap();
    page.click_role("radio", "Theirs (name)").await.unwrap();
    page.click_role("button", "Merge selected fields")
        .await
        .unwrap();

    page.by_role("link", "Sync")
        .await
        .expect("the outbox is empty");
    let apps = server_apps(&other, &acme).await;
    let field = |id: &str, f: &str| {
        apps.iter()
            .find(|a| a["id"] == id)
            .and_then(|a| a[f].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(field(&billing, "name"), "Billing (mine)");
    assert_eq!(field(&storefront, "name"), "Storefront (theirs)");
    assert_eq!(field(&telemetry, "name"), "Telemetry (theirs)");
    assert_eq!(field(&telemetry, "description"), "my description");
    alice.close().await;
}

async fn signing_out_leaves_nothing_of_the_user_in_indexeddb(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    wait_row(page, "Applications", "Inventory", true).await;
    wait_persisted(page, "application", 2).await;
    page.click_role("button", "Sign out").await.unwrap();
    page.by_role("button", "Sign in as bob").await.unwrap();
    page.wait_for("alice's data to be deleted", || async {
        let keys = stored_keys(page).await;
        Ok(keys
            .iter()
            .all(|k| k.starts_with("~meta/schema"))
            .then_some(()))
    })
    .await
    .expect("nothing left but the schema version");
    alice.close().await;
}

/// The names of the rows of table `label` that contain `text`, counted.
async fn rows_with(page: &Session, label: &str, text: &str) -> usize {
    support::rows(page, label)
        .await
        .iter()
        .filter(|r| r.contains(text))
        .count()
}

/// Two tabs of one browser hold the same queued create (the second hydrated it from
/// IndexedDB) and both send it when the server is back: the idempotency key makes one
/// application, on the server and in each tab.
async fn two_tabs_replaying_one_offline_create_make_one_application(kind: Kind) {
    let mut demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    wait_row(page, "Applications", "Inventory", true).await;
    wait_persisted(page, "application", 2).await;
    let first = page.current_tab().await.unwrap();
    let team_url = page.execute("return location.href", vec![]).await.unwrap();
    let second = page.new_tab().await.unwrap();
    page.switch_to(&second).await.unwrap();
    page.goto(team_url.as_str().unwrap()).await.unwrap();
    page.by_role("heading", "Globex").await.unwrap();
    wait_row(page, "Applications", "Inventory", true).await;

    // The server goes away; the first tab creates an application, queued.
    demo.stop().await;
    page.switch_to(&first).await.unwrap();
    page.click_role("button", "New application").await.unwrap();
    fill(page, "Application name", "Made in one tab").await;
    page.click_role("button", "Create application")
        .await
        .unwrap();
    wait_row_showing(page, "Applications", &["Made in one tab", "pending sync"]).await;
    page.wait_for("the queued create in IndexedDB", || async {
        let keys = stored_keys(page).await;
        Ok(keys.iter().any(|k| k.contains("/o/")).then_some(()))
    })
    .await
    .expect("outbox persisted");

    // The second tab reloads, still offline: it shows the queued create from IndexedDB.
    page.switch_to(&second).await.unwrap();
    reload(page).await;
    page.by_role("heading", "Globex").await.unwrap();
    wait_row_showing(page, "Applications", &["Made in one tab", "pending sync"]).await;

    // Back online: both tabs send it; the server makes it once.
    demo.start_again().await;
    for tab in [&second, &first] {
        page.switch_to(tab).await.unwrap();
        page.wait_within(
            "the create to be confirmed in this tab",
            std::time::Duration::from_secs(45),
            || async {
                let shown = rows_with(page, "Applications", "Made in one tab").await;
                let pending = rows_with(page, "Applications", "pending sync").await;
                Ok((shown == 1 && pending == 0).then_some(()))
            },
        )
        .await
        .expect("one confirmed row");
    }
    let api = Api::sign_in(&demo.url(), "alice").await;
    let apps = server_apps(&api, &api.team("Globex")).await;
    let made = apps
        .iter()
        .filter(|a| a["name"] == "Made in one tab")
        .count();
    assert_eq!(made, 1, "one application on the server: {apps:?}");
    check_page(page, &format!("{}-two-tabs-one-create", kind.name())).await;
    alice.close().await;
}

in_every_browser!(
    two_tabs_replaying_one_offline_create_make_one_application,
    a_reload_with_the_server_down_keeps_working_and_syncs_after,
    conflicts_from_a_second_session_are_resolved_each_way,
    signing_out_leaves_nothing_of_the_user_in_indexeddb,
);
