//! The browser soak under faults (`scripts/soak.sh`): the release demo in headless Chromium,
//! signed in as alice on Globex's Devices tab with realtime on, while
//! - a writer (bob, over HTTP) changes Globex's devices: statuses, renames, creates, deletes;
//! - the reference server (its release binary, one SQLite file) is killed with SIGKILL and
//!   started again `--kills` times at random moments;
//! - every `--drop-every`th fault is instead a network drop injected in the browser
//!   (chromedriver's network conditions: offline, then online again).
//!
//! After each fault it waits for the page's connection indicator to say "Live" again and keeps
//! every state it announced on the way (reconnecting, offline, live). At the end, with the
//! writer stopped, the Devices table must show exactly the server's first page and total, and
//! the realtime counters (the demo's "Realtime counters") must show no malformed frame.
//!
//! Prints a summary and writes it to `--out` (default `bench/results/soak.json`); exits 1 when
//! a check fails. Options: `--kills N` (default 100), `--drop-every N` (default 5), `--seed S`
//! (the random moments; default 20261202), `--server PATH` (default
//! `target/release/data-farm-server`), `--dist DIR` (default `dist`), `--out PATH`.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use data_farm_e2e::probe::{arg, write_json};
use data_farm_e2e::{Browser, Session};
use serde_json::{json, Value};

/// The reference server as a child process on a fixed address and database, so that a
/// restart is the same server to the page.
struct Server {
    binary: PathBuf,
    dist: PathBuf,
    db: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Server {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    fn start(&mut self) -> Result<Duration, String> {
        let started = Instant::now();
        let child = Command::new(&self.binary)
            .arg("--addr")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--db")
            .arg(&self.db)
            .arg("--dist")
            .arg(&self.dist)
            .args(["--rate-limit", "0", "--quiet"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.binary.display()))?;
        self.child = Some(child);
        while started.elapsed() < Duration::from_secs(20) {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("the server did not start listening within 20 s".into())
    }

    /// SIGKILL: no shutdown, no goodbye to any connection.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Keeps every connection state the page announces, with when (ms, the page's clock).
const RECORD_STATES: &str = "
if (!window.__soak) {
  window.__soak = [];
  let last = null;
  setInterval(() => {
    const el = document.querySelector('.df-connection');
    const label = el ? el.getAttribute('aria-label') : null;
    if (label !== last) { last = label; window.__soak.push([performance.now(), label]); }
  }, 10);
}
return true;";

async fn states_since(page: &Session, from: usize) -> Vec<String> {
    let got = page
        .execute(
            "return (window.__soak || []).slice(arguments[0]).map(s => s[1] || '');",
            vec![json!(from)],
        )
        .await
        .unwrap_or(Value::Null);
    got.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

async fn state_count(page: &Session) -> usize {
    page.execute("return (window.__soak || []).length;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(0) as usize
}

/// Waits (up to 60 s) for the indicator to say "Live" after the states from `from` on showed
/// `expected` (a state other than live); returns the states seen and how long it took.
async fn until_live(page: &Session, from: usize, expected: &str) -> (Vec<String>, Option<f64>) {
    let started = Instant::now();
    loop {
        let seen = states_since(page, from).await;
        let lost = seen.iter().position(|s| s.contains(expected));
        if let Some(at) = lost {
            if seen[at..].iter().any(|s| s.ends_with("Live")) {
                return (seen, Some(started.elapsed().as_secs_f64() * 1000.0));
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            return (seen, None);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Bob over HTTP, signing in again whenever a restart or a failure leaves him without a
/// session.
struct Writer {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
    team: String,
}

impl Writer {
    async fn sign_in(&mut self) -> Result<(), String> {
        let login = self
            .http
            .post(format!("{}/session", self.base))
            .json(&json!({"username": "bob", "password": "bob"}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let cookie = login
            .headers()
            .get("set-cookie")
            .and_then(|c| c.to_str().ok())
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
            .ok_or("no session cookie")?;
        let body: Value = login.json().await.map_err(|e| e.to_string())?;
        self.team = body["teams"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["name"] == "Globex")
            .and_then(|t| t["id"].as_str())
            .ok_or("bob is not on Globex")?
            .to_owned();
        self.cookie = Some(cookie);
        Ok(())
    }

    async fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        if self.cookie.is_none() {
            self.sign_in().await?;
        }
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", self.cookie.clone().unwrap_or_default())
            .timeout(Duration::from_secs(5));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.map_err(|e| e.to_string())?;
        let status = reply.status().as_u16();
        if status == 401 {
            self.cookie = None;
        }
        let answer: Value = reply.json().await.unwrap_or(Value::Null);
        if status >= 300 {
            return Err(format!("{status}: {answer}"));
        }
        Ok(answer)
    }

    /// The devices of Globex, first page by name (as the demo's table asks).
    async fn first_page(
        &mut self,
        per_page: usize,
    ) -> Result<(Vec<(String, String)>, u64), String> {
        let team = self.team.clone();
        let page = self
            .send(
                reqwest::Method::GET,
                &format!("/devices?team={team}&sort=name&order=asc&per_page={per_page}"),
                None,
            )
            .await?;
        let rows = page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| {
                let field = |k: &str| d[k].as_str().unwrap_or_default().to_owned();
                (field("name"), field("status"))
            })
            .collect();
        Ok((rows, page["total"].as_u64().unwrap_or(0)))
    }

    /// One random change; `made` holds the devices this writer created (some it deletes).
    async fn change(&mut self, rng: &mut fastrand::Rng, n: u64, made: &mut Vec<String>) -> bool {
        let team = self.team.clone();
        let ids: Vec<String> = match self
            .send(
                reqwest::Method::GET,
                &format!("/devices?team={team}&per_page=100&page={}", rng.u32(1..=2)),
                None,
            )
            .await
        {
            Ok(page) => page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["id"].as_str().map(str::to_owned))
                .collect(),
            Err(_) => return false,
        };
        let Some(id) = rng.choice(ids.iter()).cloned() else {
            return false;
        };
        let roll = rng.u32(0..100);
        let result = if roll < 60 {
            let status = ["offline", "online", "updating", "error"][rng.usize(0..4)];
            self.send(
                reqwest::Method::PATCH,
                &format!("/devices/{id}"),
                Some(json!({ "status": status })),
            )
            .await
        } else if roll < 85 {
            self.send(
                reqwest::Method::PATCH,
                &format!("/devices/{id}"),
                Some(json!({ "name": format!("soak-{n:05}") })),
            )
            .await
        } else if roll < 95 || made.is_empty() {
            let created = self
                .send(
                    reqwest::Method::POST,
                    "/devices",
                    Some(json!({
                        "name": format!("aa-soak-new-{n:05}"),
                        "owner": { "type": "team", "id": team },
                        "status": "online",
                    })),
                )
                .await;
            if let Ok(device) = &created {
                if let Some(id) = device["id"].as_str() {
                    made.push(id.to_owned());
                }
            }
            created
        } else {
            let id = made.swap_remove(rng.usize(0..made.len()));
            self.send(reqwest::Method::DELETE, &format!("/devices/{id}"), None)
                .await
                .or_else(|e| {
                    if e.starts_with("404") {
                        Ok(Value::Null)
                    } else {
                        Err(e)
                    }
                })
        };
        result.is_ok()
    }
}

/// The Devices table as the page shows it: each row's text, and the "N total" text.
async fn shown(page: &Session) -> (Vec<String>, String) {
    let got = page
        .execute(
            "const rows = [...document.querySelectorAll(\"table[aria-label='Devices'] tbody tr:not(.df-skeleton-row)\")];
             const total = document.querySelector('.df-table__total');
             return [rows.map(r => r.innerText), total ? total.innerText : ''];",
            vec![],
        )
        .await
        .unwrap_or(Value::Null);
    let rows = got[0]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    (rows, got[1].as_str().unwrap_or_default().to_owned())
}

async fn counters(page: &Session) -> Value {
    page.execute(
        "const out = {};
         for (const dd of document.querySelectorAll('[data-counter]')) out[dd.dataset.counter] = Number(dd.textContent);
         return out;",
        vec![],
    )
    .await
    .unwrap_or(Value::Null)
}

fn fail(message: &str) -> ! {
    eprintln!("soak: {message}");
    std::process::exit(1);
}

#[tokio::main]
async fn main() {
    let kills: u32 = arg("--kills", "100").parse().unwrap_or(100);
    let drop_every: u32 = arg("--drop-every", "5").parse().unwrap_or(5).max(1);
    let seed: u64 = arg("--seed", "20261202").parse().unwrap_or(20_261_202);
    let out = arg("--out", "bench/results/soak.json");
    let data = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("no temporary folder: {e}")));
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| fail(&format!("no free port: {e}")));
    let mut server = Server {
        binary: arg("--server", "target/release/data-farm-server").into(),
        dist: arg("--dist", "dist").into(),
        db: data.path().join("soak.sqlite"),
        port,
        child: None,
    };
    if let Err(err) = server.start() {
        fail(&err);
    }
    let browser = Browser::chromium()
        .await
        .unwrap_or_else(|e| fail(&format!("no browser: {e}")));
    let page = &browser.session;
    let signed_in = async {
        page.goto(&server.url()).await?;
        page.click_role("button", "Sign in as alice").await?;
        page.by_role("heading", "Your teams").await?;
        page.click_role("link", "Globex").await?;
        page.by_role("heading", "Globex").await?;
        page.click_role("tab", "Devices").await?;
        page.by_role("table", "Devices").await?;
        page.by_role("status", "Connection: Live").await?;
        page.execute(RECORD_STATES, vec![]).await
    };
    if let Err(err) = signed_in.await {
        fail(&format!("the demo did not open on Globex's devices: {err}"));
    }

    // The writer runs until told to stop, through every fault.
    let stop = Arc::new(AtomicBool::new(false));
    let (written, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut writer = Writer {
        http: reqwest::Client::new(),
        base: format!("{}api/v1", server.url()),
        cookie: None,
        team: String::new(),
    };
    if let Err(err) = writer.sign_in().await {
        fail(&format!("the writer cannot sign in: {err}"));
    }
    let writing = {
        let (stop, written, refused) = (stop.clone(), written.clone(), refused.clone());
        tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed);
            let mut made = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let counter = if writer.change(&mut rng, n, &mut made).await {
                    &written
                } else {
                    &refused
                };
                counter.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(rng.u64(50..250))).await;
            }
            writer
        })
    };

    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut faults = Vec::new();
    for i in 1..=kills {
        tokio::time::sleep(Duration::from_millis(rng.u64(300..3_000))).await;
        let from = state_count(page).await;
        let drop = i % drop_every == 0;
        let down_ms = rng.u64(0..1_500);
        let (expected, restart_ms) = if drop {
            if let Err(err) = page.set_network_offline(true).await {
                fail(&format!("cannot take the network away: {err}"));
            }
            tokio::time::sleep(Duration::from_millis(down_ms.max(300))).await;
            let _ = page.set_network_offline(false).await;
            ("Offline", 0.0)
        } else {
            server.kill();
            tokio::time::sleep(Duration::from_millis(down_ms)).await;
            match server.start() {
                Ok(took) => ("Reconnecting", took.as_secs_f64() * 1000.0),
                Err(err) => fail(&err),
            }
        };
        let (seen, to_live) = until_live(page, from, expected).await;
        eprintln!(
            "soak: {} {i}/{kills}: down {down_ms} ms, live again after {} ({})",
            if drop { "drop" } else { "kill" },
            to_live.map_or("never".to_owned(), |ms| format!("{ms:.0} ms")),
            seen.join(" → ")
        );
        faults.push(json!({
            "fault": if drop { "network drop" } else { "SIGKILL" },
            "down_ms": down_ms,
            "restart_ms": restart_ms,
            "live_again_ms": to_live,
            "states": seen,
        }));
    }
    stop.store(true, Ordering::Relaxed);
    let mut writer = writing
        .await
        .unwrap_or_else(|e| fail(&format!("the writer stopped: {e}")));
    let soak_secs = started.elapsed().as_secs_f64();

    // Converged: the table shows the server's first page and total, within 30 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (mut matched, mut last) = (false, json!(null));
    while Instant::now() < deadline {
        let (rows, total_text) = shown(page).await;
        let Ok((server_rows, total)) = writer.first_page(rows.len().max(1)).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let total_digits: String = total_text.chars().filter(char::is_ascii_digit).collect();
        let same_rows = rows.len() == server_rows.len()
            && rows.iter().zip(&server_rows).all(|(row, (name, status))| {
                row.contains(name.as_str()) && row.contains(status.as_str())
            });
        last = json!({ "page": rows, "server": server_rows, "total_shown": total_text, "total": total });
        if same_rows && total_digits == total.to_string() {
            matched = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let counters = counters(page).await;
    browser.close().await;

    let recovered: Vec<f64> = faults
        .iter()
        .filter_map(|f| f["live_again_ms"].as_f64())
        .collect();
    let never = faults.len() - recovered.len();
    let mut sorted = recovered.clone();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round().max(0.0) as usize)
            .copied()
    };
    let malformed = counters["malformed"].as_u64().unwrap_or(u64::MAX);
    let result = json!({
        "kills": faults.iter().filter(|f| f["fault"] == "SIGKILL").count(),
        "network_drops": faults.iter().filter(|f| f["fault"] == "network drop").count(),
        "soak_seconds": soak_secs,
        "writes": written.load(Ordering::Relaxed),
        "writes_refused_or_failed": refused.load(Ordering::Relaxed),
        "faults_without_reconnect_then_live": never,
        "live_again_ms": { "median": quantile(0.5), "p95": quantile(0.95), "max": quantile(1.0) },
        "converged": matched,
        "final": last,
        "counters": counters,
        "faults": faults,
    });
    write_json(&out, &result);
    println!(
        "soak: {} SIGKILLs and {} network drops in {soak_secs:.0} s, {} writes ({} failed while down); \
         live again after median {:.0} ms, p95 {:.0} ms, max {:.0} ms; {never} faults not seen recovering; \
         converged: {matched}; counters {counters}",
        result["kills"],
        result["network_drops"],
        result["writes"],
        result["writes_refused_or_failed"],
        quantile(0.5).unwrap_or(f64::NAN),
        quantile(0.95).unwrap_or(f64::NAN),
        quantile(1.0).unwrap_or(f64::NAN),
    );
    if !matched || never > 0 || malformed != 0 {
        fail("a check failed (see above and the JSON)");
    }
}
