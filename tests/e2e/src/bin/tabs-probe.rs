//! The tabs probe: realtime connections and API requests of one browser with 1, 2 and 4 tabs
//! of the demo open (the simulator changing device statuses meanwhile), and the hand-off time
//! from closing the leading tab to the first change shown by the tab that takes over. Prints
//! the numbers and writes them as JSON (`--out`, default bench/results/tabs-probe.json). A
//! benchmark, not a test: run it with scripts/bench-tabs.sh.

use std::time::{Duration, Instant};

use data_farm_e2e::probe::{arg, demo_with_simulator, write_json};
use data_farm_e2e::{Browser, DemoServer, Session};
use serde_json::{json, Value};

/// Another user's HTTP session, for a change made while the tabs watch.
struct Other {
    http: reqwest::Client,
    base: String,
    cookie: String,
    teams: Vec<Value>,
}

impl Other {
    async fn sign_in(url: &str, user: &str) -> Other {
        let http = reqwest::Client::new();
        let login = http
            .post(format!("{url}api/v1/session"))
            .json(&json!({"username": user, "password": user}))
            .send()
            .await
            .unwrap_or_else(|e| fail(&format!("sign-in: {e}")));
        let cookie = login
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or_default()
            .to_owned();
        let body: Value = login.json().await.unwrap_or_default();
        Other {
            http,
            base: format!("{url}api/v1"),
            cookie,
            teams: body["teams"].as_array().cloned().unwrap_or_default(),
        }
    }

    fn team(&self, name: &str) -> String {
        self.teams
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["id"].as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| fail(&format!("no team {name}")))
    }

    async fn first_id(&self, path: &str) -> String {
        let list: Value = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap_or_else(|e| fail(&format!("list: {e}")))
            .json()
            .await
            .unwrap_or_default();
        list["items"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| fail("an empty list"))
    }

    async fn rename(&self, path: &str, name: &str) {
        let _ = self
            .http
            .patch(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .json(&json!({ "name": name }))
            .send()
            .await;
    }
}

const API_REQUESTS: &str = "return performance.getEntriesByType('resource')
    .filter(e => new URL(e.name).pathname.startsWith('/api/')).length;";
const API_PATHS: &str = "return performance.getEntriesByType('resource')
    .map(e => new URL(e.name)).filter(u => u.pathname.startsWith('/api/'))
    .map(u => u.pathname + u.search);";

fn fail(what: &str) -> ! {
    eprintln!("tabs-probe: {what}");
    std::process::exit(1);
}

async fn api_requests(page: &Session) -> u64 {
    page.execute(API_REQUESTS, vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
}

async fn role_text(page: &Session) -> String {
    for element in page.find_all(".demo-tab-role").await.unwrap_or_default() {
        if let Ok(text) = page.text(&element).await {
            return text;
        }
    }
    String::new()
}

fn connections(server: &DemoServer) -> usize {
    server
        .server
        .as_ref()
        .map_or(0, |s| s.state().controls().connection_count())
}

/// Signs in as alice, opens Globex in `tabs` tabs (sharing one session, or with `?tabs=off`
/// each its own); returns the browser and the tab handles.
async fn open_tabs(server: &DemoServer, tabs: usize, shared: bool) -> (Browser, Vec<String>) {
    let query = if shared { "" } else { "?tabs=off" };
    let browser = Browser::chromium()
        .await
        .unwrap_or_else(|e| fail(&format!("no browser: {e}")));
    let page = &browser.session;
    if page
        .goto(&format!("{}{query}", server.url()))
        .await
        .is_err()
    {
        fail("the demo did not open");
    }
    if page.click_role("button", "Sign in as alice").await.is_err() {
        fail("no demo sign-in");
    }
    if page.by_role("heading", "Your teams").await.is_err() {
        fail("no overview");
    }
    let _ = page.click_role("link", "Globex").await;
    if page.by_role("heading", "Globex").await.is_err() {
        fail("no team page");
    }
    let url = page
        .execute("return location.href", vec![])
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| fail("no URL"));
    let mut handles = vec![page.current_tab().await.unwrap_or_else(|_| fail("no tab"))];
    for _ in 1..tabs {
        let handle = page.new_tab().await.unwrap_or_else(|_| fail("no new tab"));
        let _ = page.switch_to(&handle).await;
        let _ = page.goto(&format!("{url}{query}")).await;
        if page.by_role("heading", "Globex").await.is_err() {
            fail("no team page in a new tab");
        }
        handles.push(handle);
    }
    (browser, handles)
}

/// Connections and requests of one browser with `tabs` tabs over `seconds` seconds.
async fn measure(server: &DemoServer, tabs: usize, shared: bool, seconds: u64) -> Value {
    let (browser, handles) = open_tabs(server, tabs, shared).await;
    let page = &browser.session;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut loaded = Vec::new();
    let mut paths = Vec::new();
    for handle in &handles {
        let _ = page.switch_to(handle).await;
        loaded.push(api_requests(page).await);
        paths.push(page.execute(API_PATHS, vec![]).await.unwrap_or_default());
    }
    let connections_open = connections(server);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let mut idle = Vec::new();
    for (handle, before) in handles.iter().zip(&loaded) {
        let _ = page.switch_to(handle).await;
        idle.push(api_requests(page).await.saturating_sub(*before));
    }
    browser.close().await;
    let mode = if shared { "shared" } else { "each tab alone" };
    let result = json!({
        "tabs": tabs,
        "mode": mode,
        "realtime_connections": connections_open,
        "api_requests_loading_per_tab": loaded,
        "api_paths_loading_per_tab": paths,
        "api_requests_idle_per_tab": idle,
        "api_requests_loading_total": loaded.iter().sum::<u64>(),
        "api_requests_idle_total": idle.iter().sum::<u64>(),
    });
    println!(
        "{tabs} tab(s), {mode}: {connections_open} realtime connection(s); API requests loading {loaded:?}, then {idle:?} in {seconds} s"
    );
    result
}

/// Closes the leading tab of two and times the other tab taking over and showing a change
/// made right after the close.
async fn hand_off(server: &DemoServer) -> Value {
    let (browser, handles) = open_tabs(server, 2, true).await;
    let page = &browser.session;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let api = Other::sign_in(&server.url(), "bob").await;
    let team = api.team("Globex");
    let app = api.first_id(&format!("/applications?team={team}")).await;
    let _ = page.switch_to(&handles[0]).await;
    let _ = page.close_tab().await;
    let closed = Instant::now();
    let _ = page.switch_to(&handles[1]).await;
    api.rename(
        &format!("/applications/{app}"),
        "Renamed after the hand-off",
    )
    .await;
    let mut leader_ms = None;
    let mut shown_ms = None;
    while closed.elapsed() < Duration::from_secs(20) && shown_ms.is_none() {
        if leader_ms.is_none() && role_text(page).await == "This tab holds the connection" {
            leader_ms = Some(closed.elapsed().as_millis() as u64);
        }
        let text = page
            .execute("return document.body.innerText", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        if text.contains("Renamed after the hand-off") {
            shown_ms = Some(closed.elapsed().as_millis() as u64);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    browser.close().await;
    println!(
        "hand-off: new leader after {leader_ms:?} ms, first change shown after {shown_ms:?} ms"
    );
    json!({ "new_leader_ms": leader_ms, "first_change_shown_ms": shown_ms })
}

#[tokio::main]
async fn main() {
    let seconds: u64 = arg("--seconds", "20").parse().unwrap_or(20);
    let rate: f64 = arg("--rate", "50").parse().unwrap_or(50.0);
    let out = arg("--out", "bench/results/tabs-probe.json");
    let dist = arg("--dist", "");
    let server = demo_with_simulator(rate, &dist).await;
    let mut runs = Vec::new();
    for tabs in [1, 2, 4] {
        // The baseline (every tab its own connection, as before) in the same run.
        runs.push(measure(&server, tabs, false, seconds).await);
        runs.push(measure(&server, tabs, true, seconds).await);
    }
    let hand_off = hand_off(&server).await;
    let result = json!({
        "machine": "2 cores, AMD EPYC, headless Chromium",
        "seconds_idle": seconds,
        "status_events_per_sec": rate,
        "runs": runs,
        "hand_off": hand_off,
    });
    write_json(&out, &result);
}
