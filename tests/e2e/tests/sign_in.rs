//! Signing in to the demo in headless Chromium, finding everything by role and accessible name.

#[macro_use]
mod support;

use data_farm_e2e::{Browser, DemoServer, Kind, Session};

async fn team_names(session: &Session) -> Vec<String> {
    session.by_role("list", "Teams").await.expect("teams list");
    session
        .wait_for("team names", || async {
            let mut names = Vec::new();
            for link in session.find_all("ul[aria-label=Teams] h2 a").await? {
                let name = session.text(&link).await?;
                if name.is_empty() {
                    return Ok(None);
                }
                names.push(name);
            }
            Ok((!names.is_empty()).then_some(names))
        })
        .await
        .expect("names")
}

async fn alice_signs_in_with_the_form_and_sees_both_teams(kind: Kind) {
    let demo = DemoServer::start().await;
    let browser = Browser::launch(kind).await.expect("browser");
    let page = &browser.session;
    page.goto(&demo.url()).await.unwrap();

    page.by_role("heading", "Sign in to data-farm")
        .await
        .unwrap();
    let username = page.by_role("textbox", "Username").await.unwrap();
    page.type_text(&username, "alice").await.unwrap();
    let password = page.field_named("Password").await.unwrap();
    page.type_text(&password, "alice").await.unwrap();
    let submit = page.by_role("button", "Sign in").await.unwrap();
    page.click(&submit).await.unwrap();

    page.by_role("heading", "Your teams").await.unwrap();
    assert_eq!(team_names(page).await, ["Acme", "Globex"]);

    // The session survives a reload.
    page.goto(&demo.url()).await.unwrap();
    page.by_role("heading", "Your teams").await.unwrap();
    browser.close().await;
}

async fn a_wrong_password_is_announced_as_an_alert(kind: Kind) {
    let demo = DemoServer::start().await;
    let browser = Browser::launch(kind).await.expect("browser");
    let page = &browser.session;
    page.goto(&demo.url()).await.unwrap();
    let username = page.by_role("textbox", "Username").await.unwrap();
    page.type_text(&username, "alice").await.unwrap();
    let password = page.field_named("Password").await.unwrap();
    page.type_text(&password, "wrong").await.unwrap();
    page.click_role("button", "Sign in").await.unwrap();
    let alert = page
        .wait_for("an alert", || async {
            let alerts = page.find_all("[role=alert]").await?;
            Ok(alerts.into_iter().next())
        })
        .await
        .unwrap();
    assert_eq!(
        page.text(&alert).await.unwrap(),
        "wrong username or password"
    );
    browser.close().await;
}

async fn bob_never_sees_acme_and_sign_out_returns_to_the_form(kind: Kind) {
    let demo = DemoServer::start().await;
    let browser = Browser::launch(kind).await.expect("browser");
    let page = &browser.session;
    page.goto(&demo.url()).await.unwrap();
    page.click_role("button", "Sign in as bob").await.unwrap();
    page.by_role("heading", "Your teams").await.unwrap();
    assert_eq!(team_names(page).await, ["Globex"]);

    page.click_role("button", "Sign out").await.unwrap();
    page.by_role("heading", "Sign in to data-farm")
        .await
        .unwrap();
    page.goto(&demo.url()).await.unwrap();
    page.by_role("heading", "Sign in to data-farm")
        .await
        .unwrap();
    browser.close().await;
}

in_every_browser!(
    alice_signs_in_with_the_form_and_sees_both_teams,
    a_wrong_password_is_announced_as_an_alert,
    bob_never_sees_acme_and_sign_out_returns_to_the_form
);
