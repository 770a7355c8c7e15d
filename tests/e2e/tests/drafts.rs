//! Drafts end to end, in both browsers: with Globex's device changes needing approval, Alice's
//! rename becomes a draft she submits; Bob, made an owner, approves it in his session; Alice's
//! open page shows it take effect without a reload.

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
    fill(page, "Name", "gateway-approved").await;
    page.click_role("button", "Save").await.unwrap();
    page.by_role("status", "Sent for approval").await.unwrap();
    page.by_role("status", "Waiting for approval")
        .await
        .unwrap();
    page.by_role("heading", "globex-gateway-0003")
        .await
        .unwrap();

    // The team's Drafts tab counts it; she submits it.
    page.click_role("link", "See the team's drafts")
        .await
        .unwrap();
    tab_named(page, "Drafts (1)").await;
    let change = "Change device gateway-approved";
    wait_row_showing(page, "Drafts", &[change, "draft", "Alice Archer"]).await;
    page.click_role("button", &format!("Submit {change}"))
        .await
        .unwrap();
    wait_row_showing(page, "Drafts", &[change, "under_review"]).await;
    check_page(page, &format!("{}-drafts", kind.name())).await;

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

    // Alice's open page follows without a reload.
    wait_row_showing(page, "Drafts", &[change, "effective", "fine by me"]).await;
    tab_named(page, "Drafts").await;
    page.click_role("tab", "Devices").await.unwrap();
    wait_row(page, "Devices", "gateway-approved", true).await;
    wait_row(page, "Devices", "globex-gateway-0003", false).await;
}

in_every_browser!(a_change_needing_approval_takes_effect_when_an_owner_approves);
