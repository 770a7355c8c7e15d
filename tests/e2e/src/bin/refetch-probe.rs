//! The refetch probe: how many API requests an idle page makes while other users change device
//! statuses. Serves the built demo (`dist/`, `scripts/build-demo.sh`) from the reference server
//! with the demo seed (Acme: 1,000 devices) and its simulator at `--rate` status changes a
//! second, signs in as alice in headless Chromium and counts the page's own `/api/` requests
//! (Resource Timing entries; the WebSocket is not one) for `--seconds` on Acme's Devices tab,
//! then for as long on the home page (team cards with their counts). Realtime keeps both pages
//! live, so every request counted is a refetch the realtime layer exists to spare.
//!
//! Prints the counts and writes them to `--out` (default `bench/results/refetch-probe.json`).
//! Options: `--seconds N` (default 60), `--rate R` (default 50), `--out PATH`, `--dist DIR`
//! (the built SPA to serve, default the workspace's `dist/`; e.g. an older build to compare).

use std::time::Duration;

use data_farm_e2e::probe::{arg, demo_with_simulator, write_json};
use data_farm_e2e::{Browser, Session};
use serde_json::{json, Value};

/// The page's API requests so far, by path without the query (`/api/v1/devices`).
const COUNT: &str = "return performance.getEntriesByType('resource')
    .filter(e => e.initiatorType === 'fetch' || e.initiatorType === 'xmlhttprequest')
    .map(e => new URL(e.name).pathname)
    .filter(p => p.startsWith('/api/'));";

async fn requests(page: &Session) -> Vec<String> {
    match page.execute(COUNT, vec![]).await {
        Ok(Value::Array(paths)) => paths
            .into_iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Counts the requests made during `seconds` of the page as it is, by path.
async fn idle(page: &Session, seconds: u64) -> Value {
    let before = requests(page).await.len();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let made = requests(page).await.split_off(before);
    let mut by_path = std::collections::BTreeMap::<String, u64>::new();
    for path in &made {
        *by_path.entry(path.clone()).or_default() += 1;
    }
    json!({ "requests": made.len(), "by_path": by_path })
}

async fn wait_for_role(page: &Session, role: &str, name: &str) {
    if let Err(err) = page.by_role(role, name).await {
        eprintln!("refetch-probe: no {role} named {name:?}: {err}");
        std::process::exit(1);
    }
}

#[tokio::main]
async fn main() {
    let seconds: u64 = arg("--seconds", "60").parse().unwrap_or(60);
    let rate: f64 = arg("--rate", "50").parse().unwrap_or(50.0);
    let out = arg("--out", "bench/results/refetch-probe.json");
    let dist = arg("--dist", "");
    let server = demo_with_simulator(rate, &dist).await;
    let browser = match Browser::chromium().await {
        Ok(browser) => browser,
        Err(err) => {
            eprintln!("refetch-probe: no browser: {err}");
            std::process::exit(1);
        }
    };
    let page = &browser.session;
    if page.goto(&server.url()).await.is_err() {
        eprintln!("refetch-probe: the demo did not open");
        std::process::exit(1);
    }
    if let Err(err) = page.click_role("button", "Sign in as alice").await {
        eprintln!("refetch-probe: no demo sign-in: {err}");
        std::process::exit(1);
    }
    wait_for_role(page, "heading", "Your teams").await;
    // Room for every request to come (the default buffer keeps 250); sign-in did not reload.
    let _ = page
        .execute(
            "performance.setResourceTimingBufferSize(1000000); return true;",
            vec![],
        )
        .await;
    let _ = page.click_role("link", "Acme").await;
    wait_for_role(page, "heading", "Acme").await;
    let _ = page.click_role("tab", "Devices").await;
    wait_for_role(page, "table", "Devices").await;
    // Let the first fetches finish before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    eprintln!("refetch-probe: Devices tab, {seconds} s at {rate} status events/s");
    let devices = idle(page, seconds).await;
    let _ = page.click_role("link", "data-farm").await;
    wait_for_role(page, "heading", "Your teams").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    eprintln!("refetch-probe: home page, {seconds} s");
    let home = idle(page, seconds).await;
    browser.close().await;
    let result = json!({
        "seconds": seconds,
        "status_events_per_sec": rate,
        "devices_tab": devices,
        "home_page": home,
    });
    println!(
        "Devices tab: {} API requests in {seconds} s; home page: {} (status events: {rate}/s)",
        result["devices_tab"]["requests"], result["home_page"]["requests"]
    );
    write_json(&out, &result);
}
