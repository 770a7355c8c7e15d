//! The devtools panel in the demo: opened from the header (or Ctrl+Shift+D), it lists the
//! stores' records and queries, refetches a query on demand, follows an edit through its
//! timeline, and, closed, does nothing per event.

#[macro_use]
mod support;

use std::time::Duration;

use data_farm_e2e::{DemoServer, Kind, Session};
use support::{api_requests, check_page, fill, open_team, sign_in, wait_row, Api};

/// Counts DOM mutations inside the devtools from now on (`window.__devtoolsMutations`).
const COUNT_MUTATIONS: &str = "
window.__devtoolsMutations = 0;
const root = document.querySelector('.df-devtools');
new MutationObserver((list) => { window.__devtoolsMutations += list.length; })
  .observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
return true;";

async fn text_of(page: &Session, role: &str, name: &str) -> String {
    let element = page.by_role(role, name).await.expect("element");
    page.text(&element).await.unwrap_or_default()
}

async fn the_panel_shows_what_the_app_holds_and_follows_an_edit(kind: Kind) {
    let demo = DemoServer::start().await;
    let bob = Api::sign_in(&demo.url(), "bob").await;
    let alice = data_farm_e2e::Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    let _ = page
        .execute(
            "performance.setResourceTimingBufferSize(100000); return true;",
            vec![],
        )
        .await;
    open_team(page, "Globex").await;
    wait_row(page, "Applications", "Inventory", true).await;

    // Closed, the panel does nothing while events arrive.
    page.execute(COUNT_MUTATIONS, vec![]).await.unwrap();
    let team = bob.team("Globex");
    let (status, created) = bob
        .send(
            reqwest::Method::POST,
            "/applications",
            serde_json::json!({ "name": "Devtools probe", "team_id": team }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    wait_row(page, "Applications", "Devtools probe", true).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let quiet = page
        .execute("return window.__devtoolsMutations;", vec![])
        .await
        .unwrap();
    assert_eq!(quiet, 0, "a closed panel changes nothing when events come");

    // Opened from the keyboard: the stores and their records.
    page.execute(
        "window.dispatchEvent(new KeyboardEvent('keydown', { key: 'D', ctrlKey: true, shiftKey: true, bubbles: true })); return true;",
        vec![],
    )
    .await
    .unwrap();
    page.by_role("region", "data-farm devtools").await.unwrap();
    let records = text_of(page, "table", "application records").await;
    assert!(
        records.contains("fetch") || records.contains("realtime event"),
        "{records}"
    );
    let app = created["id"].as_str().unwrap_or_default().to_owned();
    assert!(
        records.contains(&app),
        "the created application is a record: {records}"
    );
    check_page(page, &format!("{}-devtools-stores", kind.name())).await;

    // Queries: a refetch on demand makes one request.
    page.click_role("tab", "Queries").await.unwrap();
    page.by_role("table", "Queries").await.unwrap();
    let refetch = page
        .find_all("button[aria-label^='Refetch application list']")
        .await
        .unwrap();
    let button = refetch.first().expect("a list of applications");
    let before = api_requests(page).await;
    page.click(button).await.unwrap();
    page.wait_for("the refetch request", || async {
        Ok((api_requests(page).await > before).then_some(()))
    })
    .await
    .unwrap();

    // The timeline follows alice's own edit and bob's.
    page.click_role("tab", "Timeline").await.unwrap();
    page.click_role("link", "Devtools probe").await.unwrap();
    page.by_role("heading", "Devtools probe").await.unwrap();
    fill(page, "Name", "Devtools probe (renamed)").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Saved").await.unwrap();
    let (status, _) = bob
        .send(
            reqwest::Method::PATCH,
            &format!("/applications/{app}"),
            serde_json::json!({ "description": "from bob" }),
        )
        .await;
    assert_eq!(status, 200);
    let last_timeline = std::cell::RefCell::new(String::new());
    page.wait_for("both changes in the timeline", || async {
        let list = page.by_role("list", "Timeline").await?;
        let text = page.text(&list).await?;
        last_timeline.replace(text.clone());
        // Alice's rename is announced once: by her save's answer ("this client") or, when the
        // realtime echo overtakes that answer, by the echo; bob's change always by its event.
        let updates = text.matches(&format!("application {app} updated")).count();
        let theirs = format!("application {app} updated — someone else");
        // Alice's own change, step by step: shown at once, then confirmed. Its realtime echo
        // shows as "realtime echo of v2" when the answer came first, or as an update when the
        // echo overtook the answer (then it applied first): either is counted above.
        let steps = ["optimistic update", "server confirmed v"]
            .iter()
            .all(|step| text.contains(&format!("application {app}: {step}")));
        Ok((updates >= 2 && text.contains(&theirs) && steps).then_some(()))
    })
    .await
    .unwrap_or_else(|err| {
        panic!("{err}: the timeline said {:?}", last_timeline);
    });
    // Filtered by another id, the timeline has none of these lines.
    let filter = page
        .by_role("searchbox", "Filter by kind or id")
        .await
        .unwrap();
    page.type_text(&filter, "no-such-id").await.unwrap();
    page.wait_for("the filtered timeline", || async {
        let shown = page.all_by_role("list", "Timeline").await?;
        Ok(shown.is_empty().then_some(()))
    })
    .await
    .unwrap();
    page.clear(&filter).await.unwrap();
    page.type_text(&filter, &app).await.unwrap();
    page.by_role("list", "Timeline").await.unwrap();
    check_page(page, &format!("{}-devtools-timeline", kind.name())).await;

    // A timeline line leads to its record: bob's change was confirmed by its event, by seq.
    let links = page
        .all_by_role("button", &format!("Show record application {app}"))
        .await
        .unwrap();
    page.click(links.first().expect("a line with its record"))
        .await
        .unwrap();
    let stores_tab = page.by_role("tab", "Stores").await.unwrap();
    assert_eq!(
        page.attribute(&stores_tab, "aria-selected")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    page.wait_for("the record, confirmed by an event with its seq", || async {
        let records = text_of(page, "table", "application records").await;
        Ok((records.contains(&app) && records.contains("realtime event #")).then_some(()))
    })
    .await
    .expect("the record's source");

    // Escape (inside the panel) closes it and gives focus back to its button.
    page.click_role("tab", "Stores").await.unwrap();
    page.press("\u{E00C}").await.unwrap();
    page.wait_for("the panel to close", || async {
        Ok(page
            .all_by_role("region", "data-farm devtools")
            .await?
            .is_empty()
            .then_some(()))
    })
    .await
    .unwrap();
    assert_eq!(page.focused_name().await.unwrap(), "data-farm devtools");
    alice.close().await;
}

in_every_browser!(the_panel_shows_what_the_app_holds_and_follows_an_edit);
