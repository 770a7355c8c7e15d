//! Long-running work in the demo: a deploy watched to `succeeded` by polling alone (realtime
//! off) and with realtime on (no polling), requests stopping once the run is terminal and
//! while the page is hidden, a user without access told once (never polled), and the report
//! card producing a downloadable CSV.

#[macro_use]
mod support;

use std::time::Duration;

use data_farm_e2e::{Browser, DemoServer, Kind, Session};
use support::{check_page, open_team, sign_in};

/// Requests the page made whose URL contains `needle` (Resource Timing).
async fn requests(page: &Session, needle: &str) -> u64 {
    page.execute(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0])).length",
        vec![serde_json::json!(needle)],
    )
    .await
    .ok()
    .and_then(|v| v.as_u64())
    .unwrap_or(0)
}

async fn set_hidden(page: &Session, hidden: bool) {
    let state = if hidden { "hidden" } else { "visible" };
    page.execute(
        "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => arguments[0] });
         document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));",
        vec![serde_json::json!(state)],
    )
    .await
    .expect("visibility switched");
}

/// Signs in (realtime on or off), opens Acme's stopped instance and deploys it; returns the
/// operation's request path once its page shows.
async fn deploy(page: &Session, url: &str, realtime: bool) -> String {
    let url = if realtime {
        url.to_owned()
    } else {
        format!("{url}?realtime=off")
    };
    page.execute("performance.setResourceTimingBufferSize(100000)", vec![])
        .await
        .ok();
    sign_in(page, &url, "alice").await;
    page.execute("performance.setResourceTimingBufferSize(100000)", vec![])
        .await
        .ok();
    open_team(page, "Acme").await;
    page.click_role("tab", "Instances").await.unwrap();
    page.click_role("link", "billing-staging").await.unwrap();
    page.by_role("heading", "billing-staging").await.unwrap();
    page.click_role("button", "Deploy").await.unwrap();
    page.by_role("heading", "instance.deploy on billing-staging")
        .await
        .expect("the run page");
    let path = page
        .execute("return location.pathname", vec![])
        .await
        .unwrap();
    format!("/api/v1{}", path.as_str().unwrap_or_default())
}

async fn succeeded(page: &Session) {
    page.wait_within("the run to succeed", Duration::from_secs(20), || async {
        Ok(page
            .all_by_role("status", "Operation succeeded")
            .await?
            .into_iter()
            .next())
    })
    .await
    .expect("succeeded");
}

async fn a_deploy_reaches_succeeded_by_polling_alone_then_requests_stop(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    let run = deploy(page, &demo.url(), false).await;
    page.by_role("status", "Connection: Disconnected")
        .await
        .expect("realtime is off");
    succeeded(page).await;
    let polled = requests(page, &run).await;
    assert!(
        polled >= 2,
        "only polling can have brought the progress: {polled} requests"
    );
    check_page(page, &format!("{}-operation-polled", kind.name())).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        requests(page, &run).await,
        polled,
        "no request once the run is terminal"
    );
    alice.close().await;
}

async fn with_realtime_the_run_is_live_and_not_polled(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    let run = deploy(page, &demo.url(), true).await;
    succeeded(page).await;
    let fetched = requests(page, &run).await;
    assert!(
        fetched <= 1,
        "events carried the run, not polling: {fetched} requests"
    );

    // Bob is not in Acme: the run page says so once and never asks again.
    let bob = Browser::launch(kind).await.expect("browser");
    let other = &bob.session;
    sign_in(other, &format!("{}?realtime=off", demo.url()), "bob").await;
    let page_path = run.trim_start_matches("/api/v1");
    other
        .execute(
            "history.pushState({}, '', arguments[0]); dispatchEvent(new PopStateEvent('popstate'))",
            vec![serde_json::json!(page_path)],
        )
        .await
        .unwrap();
    other
        .by_role("heading", "Operation unavailable")
        .await
        .expect("refused");
    let asked = requests(other, &run).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(requests(other, &run).await, asked, "not retried in a loop");
    assert!(asked <= 1, "{asked} requests");
    bob.close().await;
    alice.close().await;
}

async fn a_hidden_page_stops_polling_until_shown(kind: Kind) {
    let demo = DemoServer::start_with(|c| c.work_step = Duration::from_millis(1_500)).await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    let run = deploy(page, &demo.url(), false).await;
    set_hidden(page, true).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = requests(page, &run).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(requests(page, &run).await, before, "hidden: no polling");
    set_hidden(page, false).await;
    succeeded(page).await;
    assert!(
        requests(page, &run).await > before,
        "shown again: polling resumed"
    );
    alice.close().await;
}

async fn a_report_is_generated_and_downloadable(kind: Kind) {
    let demo = DemoServer::start().await;
    let alice = Browser::launch(kind).await.expect("browser");
    let page = &alice.session;
    sign_in(page, &demo.url(), "alice").await;
    open_team(page, "Globex").await;
    page.by_role("region", "Devices report").await.unwrap();
    page.click_role("button", "Generate report").await.unwrap();
    page.wait_within(
        "the report to be ready",
        Duration::from_secs(20),
        || async {
            Ok(page
                .all_by_role("status", "Report ready")
                .await?
                .into_iter()
                .next())
        },
    )
    .await
    .expect("ready");
    let link = page.by_role("link", "Download CSV").await.unwrap();
    let href = page
        .attribute(&link, "href")
        .await
        .unwrap()
        .unwrap_or_default();
    let csv = page
        .execute(
            "return fetch(arguments[0]).then(r => r.text())",
            vec![serde_json::json!(href)],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap_or_default();
    assert!(csv.starts_with("id,name,status"), "{csv}");
    assert!(csv.contains("globex-gateway"), "the team's devices: {csv}");
    check_page(page, &format!("{}-report-ready", kind.name())).await;
    alice.close().await;
}

in_every_browser!(
    a_deploy_reaches_succeeded_by_polling_alone_then_requests_stop,
    with_realtime_the_run_is_live_and_not_polled,
    a_hidden_page_stops_polling_until_shown,
    a_report_is_generated_and_downloadable
);
