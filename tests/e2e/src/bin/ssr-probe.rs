//! The SSR probe: first paint and interactivity of the server-rendered example
//! (`examples/ssr-board`, release build) against the CSR demo (`dist/`, release build) on the
//! same backend and data (the demo seed: Acme's devices), over a throttled network.
//!
//! Each run is a fresh headless Chromium: it signs in (unthrottled), then the HTTP cache and
//! the origin's storage (IndexedDB, Cache Storage, service workers) are cleared, the network is
//! throttled (`--rtt-ms`, default 150; `--kbps` down, default 1,600; a quarter of it up) and the
//! page loads again with the session cookie only, as a returning user on a new device would.
//! Measured from navigation start:
//! - `fcp`: first contentful paint;
//! - `lcp`: largest contentful paint (the rows, on both pages);
//! - `interactive`: for the example, the end of hydration (its handlers attached); for the CSR
//!   demo, the first rows of its Devices table (it attaches handlers as it renders them).
//!
//! Prints the medians and writes every run to `--out` (default `bench/results/ssr-vs-csr.json`).
//! `--runs N` (default 5).

use std::time::Duration;

use data_farm_e2e::probe::{arg, write_json};
use data_farm_e2e::ssr_board::{free_port, SsrBoard};
use data_farm_e2e::{Browser, DemoServer, Session};
use serde_json::{json, Value};

const PAINTS: &str = "const done = arguments[arguments.length - 1];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    new PerformanceObserver(list => {
        const entries = list.getEntries();
        done({fcp: fcp ? fcp.startTime : null, lcp: entries[entries.length - 1].startTime});
    }).observe({type: 'largest-contentful-paint', buffered: true});
    setTimeout(() => done({fcp: fcp ? fcp.startTime : null, lcp: null}), 3000);";

fn fail(what: &str) -> ! {
    eprintln!("ssr-probe: {what}");
    std::process::exit(1);
}

/// Clears what the browser kept of `origin` (not the cookie) and throttles the network.
async fn cold_and_throttled(page: &Session, origin: &str, rtt_ms: f64, kbps: f64) {
    let bytes_per_s = kbps * 1000.0 / 8.0;
    let steps = [
        ("Network.enable", json!({})),
        ("Network.clearBrowserCache", json!({})),
        (
            "Storage.clearDataForOrigin",
            json!({"origin": origin.trim_end_matches('/'),
                   "storageTypes": "indexeddb,cache_storage,service_workers,local_storage"}),
        ),
        (
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": rtt_ms,
                   "downloadThroughput": bytes_per_s, "uploadThroughput": bytes_per_s / 4.0}),
        ),
    ];
    for (cmd, params) in steps {
        if let Err(err) = page.cdp(cmd, params).await {
            fail(&format!("{cmd}: {err}"));
        }
    }
}

/// Polls `probe` (a script returning a number once its moment came, else null) every 20 ms.
async fn moment(page: &Session, probe: &str) -> Option<f64> {
    for _ in 0..1500 {
        if let Ok(Value::Number(at)) = page.execute(probe, vec![]).await {
            return at.as_f64();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

async fn paints(page: &Session) -> (Option<f64>, Option<f64>) {
    let found = page.execute_async(PAINTS, vec![]).await.unwrap_or_default();
    (found["fcp"].as_f64(), found["lcp"].as_f64())
}

async fn ssr_run(board: &SsrBoard, rtt: f64, kbps: f64) -> Value {
    let browser = Browser::chromium()
        .await
        .unwrap_or_else(|e| fail(&format!("{e}")));
    let page = &browser.session;
    page.goto(&board.url).await.unwrap_or_else(|_| fail("open"));
    // Typed into the server-rendered fields; sent once hydrated (the button is enabled then).
    let user = page
        .by_role("textbox", "Username")
        .await
        .unwrap_or_else(|_| fail("form"));
    let _ = page.type_text(&user, "alice").await;
    if let Ok(password) = page.field_named("Password").await {
        let _ = page.type_text(&password, "alice").await;
    }
    let _ = moment(page, "return window.__ssrBoardHydratedAt || null;").await;
    let _ = page.click_role("button", "Sign in").await;
    page.by_role("table", "Sensors")
        .await
        .unwrap_or_else(|_| fail("signed in"));
    cold_and_throttled(page, &board.url, rtt, kbps).await;
    let _ = page.goto(&board.url).await;
    let interactive = moment(page, "return window.__ssrBoardHydratedAt || null;").await;
    let (fcp, lcp) = paints(page).await;
    browser.close().await;
    json!({"fcp": fcp, "lcp": lcp, "interactive": interactive})
}

async fn csr_run(demo: &DemoServer, rtt: f64, kbps: f64) -> Value {
    let browser = Browser::chromium()
        .await
        .unwrap_or_else(|e| fail(&format!("{e}")));
    let page = &browser.session;
    page.goto(&demo.url())
        .await
        .unwrap_or_else(|_| fail("open"));
    page.click_role("button", "Sign in as alice")
        .await
        .unwrap_or_else(|_| fail("demo sign-in"));
    page.by_role("heading", "Your teams")
        .await
        .unwrap_or_else(|_| fail("overview"));
    page.click_role("link", "Acme")
        .await
        .unwrap_or_else(|_| fail("team link"));
    page.click_role("tab", "Devices")
        .await
        .unwrap_or_else(|_| fail("tab"));
    page.by_role("table", "Devices")
        .await
        .unwrap_or_else(|_| fail("devices"));
    let url = page
        .execute("return location.href;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| fail("the devices URL"));
    cold_and_throttled(page, &demo.url(), rtt, kbps).await;
    let _ = page.goto(&url).await;
    let interactive = moment(
        page,
        "return document.querySelector('table[aria-label=Devices] tbody tr:not(.df-skeleton-row) td')
            ? performance.now() : null;",
    )
    .await;
    let (fcp, lcp) = paints(page).await;
    browser.close().await;
    json!({"fcp": fcp, "lcp": lcp, "interactive": interactive})
}

fn median(runs: &[Value], key: &str) -> Option<f64> {
    let mut values: Vec<f64> = runs.iter().filter_map(|r| r[key].as_f64()).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

#[tokio::main]
async fn main() {
    let runs: usize = arg("--runs", "5").parse().unwrap_or(5);
    let rtt: f64 = arg("--rtt-ms", "150").parse().unwrap_or(150.0);
    let kbps: f64 = arg("--kbps", "1600").parse().unwrap_or(1600.0);
    let out = arg("--out", "bench/results/ssr-vs-csr.json");
    let port = free_port();
    let demo = DemoServer::start_with(|config| {
        config.seed = data_farm_server::Seed::Demo;
        config.allowed_origins = vec![format!("http://127.0.0.1:{port}")];
    })
    .await;
    let board = SsrBoard::start(&demo.url(), port, 0, "release").await;
    let (mut ssr, mut csr) = (Vec::new(), Vec::new());
    for run in 0..runs {
        // Alternated, so that a noisy moment of the machine hits both.
        ssr.push(ssr_run(&board, rtt, kbps).await);
        csr.push(csr_run(&demo, rtt, kbps).await);
        eprintln!(
            "ssr-probe: run {}: ssr {} csr {}",
            run + 1,
            ssr[run],
            csr[run]
        );
    }
    let summary = |runs: &[Value]| {
        json!({
            "fcp_ms": median(runs, "fcp"),
            "lcp_ms": median(runs, "lcp"),
            "interactive_ms": median(runs, "interactive"),
            "runs": runs,
        })
    };
    let result = json!({
        "machine": format!("{} cores", std::thread::available_parallelism().map_or(0, |n| n.get())),
        "network": {"rtt_ms": rtt, "down_kbps": kbps, "up_kbps": kbps / 4.0},
        "ssr_example": summary(&ssr),
        "csr_demo": summary(&csr),
    });
    for (name, key) in [("SSR example", "ssr_example"), ("CSR demo", "csr_demo")] {
        let row = &result[key];
        println!(
            "{name:12} FCP {:>7.0} ms  LCP {:>7.0} ms  interactive {:>7.0} ms  (median of {runs})",
            row["fcp_ms"].as_f64().unwrap_or(f64::NAN),
            row["lcp_ms"].as_f64().unwrap_or(f64::NAN),
            row["interactive_ms"].as_f64().unwrap_or(f64::NAN),
        );
    }
    write_json(&out, &result);
}
