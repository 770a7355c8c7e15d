//! WebSocket fan-out and mutation throughput of the reference server, on loopback.
//!
//! For K subscribers (100 and 1,000) of the same teams while the server publishes P device
//! events per second (100 and 1,000), reports
//! delivered events/s and publish-to-receive latency (from the event's `updated_at`, stamped
//! at write time, to its arrival at the client). Events are caused by real `PATCH` requests
//! that rename one device each, so the whole path is measured. Then PATCH throughput with concurrent
//! writers. Prints a table and writes `bench/results/server-fanout.json`.
//!
//! Run: `scripts/bench-server.sh` (raises the open-file limit, builds with the bench profile).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use data_farm_protocol::{ClientMessage, ServerMessage};
use data_farm_server::{start, DatabaseLocation, Seed, ServerConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const MEASURE: Duration = Duration::from_secs(4);
const WARMUP: Duration = Duration::from_millis(500);

struct Login {
    cookie: String,
    topics: Vec<String>,
    device_ids: Vec<String>,
}

async fn login(base: &str) -> Login {
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "alice", "password": "alice"}))
        .send()
        .await
        .expect("login");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let topics = body["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| format!("team:{}", t["id"].as_str().unwrap()))
        .collect();
    let devices: Value = http
        .get(format!("{base}/api/v1/devices?per_page=100"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device_ids = devices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    Login {
        cookie,
        topics,
        device_ids,
    }
}

#[derive(Default)]
struct Tally {
    received: AtomicU64,
    latencies_us: Mutex<Vec<u64>>,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

/// A server with the demo seed and no rate limit, on a free port.
async fn bench_server(dir: &tempfile::TempDir) -> data_farm_server::RunningServer {
    start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        database: DatabaseLocation::File(dir.path().join("bench.sqlite")),
        seed: Seed::Demo,
        api_rate_per_sec: 0,
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

/// A WebSocket subscribed to every topic of the session.
async fn subscriber(
    base: &str,
    session: &Login,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!("{}/api/v1/ws", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("cookie", session.cookie.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let subscribe = ClientMessage::Subscribe {
        topics: session.topics.clone(),
        since: None,
    };
    socket
        .send(Message::text(subscribe.encode()))
        .await
        .unwrap();
    socket
}

async fn fanout_run(subscribers: usize, rate: f64) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let server = bench_server(&dir).await;
    let base = server.url();
    let session = login(&base).await;
    let tally = Arc::new(Tally::default());
    let measuring = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(subscribers);
    for _ in 0..subscribers {
        let mut socket = subscriber(&base, &session).await;
        let (tally, measuring, ready) = (tally.clone(), measuring.clone(), ready_tx.clone());
        let topics = session.topics.len();
        clients.push(tokio::spawn(async move {
            let mut subscribed = 0;
            let mut local = Vec::new();
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let received_at = OffsetDateTime::now_utc();
                match ServerMessage::decode(text.as_str()) {
                    Ok(ServerMessage::Subscribed { .. }) => {
                        subscribed += 1;
                        if subscribed == topics {
                            let _ = ready.send(()).await;
                        }
                    }
                    Ok(ServerMessage::Event(event)) if measuring.load(Ordering::Relaxed) => {
                        tally.received.fetch_add(1, Ordering::Relaxed);
                        let stamped = event
                            .data
                            .as_ref()
                            .and_then(|d| serde_json::from_str::<Value>(d.get()).ok())
                            .and_then(|d| d["updated_at"].as_str().map(str::to_owned));
                        if let Some(at) =
                            stamped.and_then(|s| OffsetDateTime::parse(&s, &Rfc3339).ok())
                        {
                            local.push((received_at - at).whole_microseconds().max(0) as u64);
                        }
                    }
                    _ => {}
                }
                if local.len() >= 256 {
                    tally.latencies_us.lock().unwrap().append(&mut local);
                }
            }
            tally.latencies_us.lock().unwrap().append(&mut local);
        }));
    }
    for _ in 0..subscribers {
        ready_rx.recv().await.unwrap();
    }

    // Publisher: PATCH requests that rename one device each (a full `updated` event carrying
    // `updated_at`), paced at `rate`.
    let publisher = {
        let devices = session.device_ids.clone();
        let cookie = session.cookie.clone();
        let base = base.clone();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let interval = Duration::from_secs_f64(1.0 / rate);
            let mut next = Instant::now();
            let mut sent = 0u64;
            loop {
                let id = &devices[sent as usize % devices.len()];
                let request = http
                    .patch(format!("{base}/api/v1/devices/{id}"))
                    .header("cookie", &cookie)
                    .json(&json!({"name": format!("fanout-{sent}")}));
                tokio::spawn(async move {
                    let _ = request.send().await;
                });
                sent += 1;
                next += interval;
                tokio::time::sleep_until(next.into()).await;
            }
        })
    };
    tokio::time::sleep(WARMUP).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(MEASURE).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    publisher.abort();
    let received = tally.received.load(Ordering::Relaxed);
    for client in &clients {
        client.abort();
    }
    server.shutdown().await;
    let mut latencies = std::mem::take(&mut *tally.latencies_us.lock().unwrap());
    latencies.sort_unstable();
    let delivered_per_sec = received as f64 / elapsed;
    json!({
        "subscribers": subscribers,
        "publish_rate": rate,
        "delivered_per_sec": delivered_per_sec.round(),
        "expected_per_sec": (rate * subscribers as f64).round(),
        "delivery_ratio": (delivered_per_sec / (rate * subscribers as f64) * 1000.0).round() / 1000.0,
        "latency_p50_ms": percentile(&latencies, 0.50),
        "latency_p99_ms": percentile(&latencies, 0.99),
        "samples": latencies.len(),
    })
}

async fn patch_run(writers: usize, subscribers: usize) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let server = bench_server(&dir).await;
    let base = server.url();
    let session = login(&base).await;
    let mut listeners = Vec::new();
    for _ in 0..subscribers {
        let mut socket = subscriber(&base, &session).await;
        listeners.push(tokio::spawn(async move {
            while let Some(Ok(_)) = socket.next().await {}
        }));
    }
    let done = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let deadline = Instant::now() + MEASURE;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (done, latencies, base, cookie) = (
            done.clone(),
            latencies.clone(),
            base.clone(),
            session.cookie.clone(),
        );
        let id = session.device_ids[w % session.device_ids.len()].clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut local = Vec::new();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let begin = Instant::now();
                let response = http
                    .patch(format!("{base}/api/v1/devices/{id}"))
                    .header("cookie", &cookie)
                    .json(&json!({"name": format!("bench-{w}-{i}")}))
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success());
                local.push(begin.elapsed().as_micros() as u64);
                i += 1;
            }
            done.fetch_add(i, Ordering::Relaxed);
            latencies.lock().unwrap().append(&mut local);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    for listener in listeners {
        listener.abort();
    }
    server.shutdown().await;
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap());
    latencies.sort_unstable();
    json!({
        "writers": writers,
        "subscribers": subscribers,
        "patches_per_sec": (done.load(Ordering::Relaxed) as f64 / MEASURE.as_secs_f64()).round(),
        "latency_p50_ms": percentile(&latencies, 0.50),
        "latency_p99_ms": percentile(&latencies, 0.99),
    })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {mem}")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let machine = machine();
        println!("machine: {machine}");
        println!("\nWebSocket fan-out (server and clients in one process, loopback)");
        println!(
            "{:>11} {:>9} {:>14} {:>14} {:>8} {:>10} {:>10}",
            "subscribers", "events/s", "delivered/s", "expected/s", "ratio", "p50 ms", "p99 ms"
        );
        let mut fanout = Vec::new();
        for subscribers in [100, 1_000] {
            for rate in [100.0, 1_000.0] {
                let row = fanout_run(subscribers, rate).await;
                println!(
                    "{:>11} {:>9} {:>14} {:>14} {:>8} {:>10.2} {:>10.2}",
                    subscribers,
                    rate,
                    row["delivered_per_sec"],
                    row["expected_per_sec"],
                    row["delivery_ratio"],
                    row["latency_p50_ms"].as_f64().unwrap_or(f64::NAN),
                    row["latency_p99_ms"].as_f64().unwrap_or(f64::NAN)
                );
                fanout.push(row);
            }
        }
        println!("\nPATCH /devices/{{id}} throughput");
        println!(
            "{:>8} {:>11} {:>10} {:>10} {:>10}",
            "writers", "subscribers", "PATCH/s", "p50 ms", "p99 ms"
        );
        let mut patches = Vec::new();
        for (writers, subscribers) in [(1, 0), (8, 0), (8, 100)] {
            let row = patch_run(writers, subscribers).await;
            println!(
                "{:>8} {:>11} {:>10} {:>10.2} {:>10.2}",
                writers,
                subscribers,
                row["patches_per_sec"],
                row["latency_p50_ms"].as_f64().unwrap_or(f64::NAN),
                row["latency_p99_ms"].as_f64().unwrap_or(f64::NAN)
            );
            patches.push(row);
        }
        let report = json!({"machine": machine, "fanout": fanout, "patch": patches});
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../bench/results/server-fanout.json");
        if let Some(parent) = out.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        match std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap()) {
            Ok(()) => println!("\nwrote {}", out.display()),
            Err(err) => eprintln!("could not write {}: {err}", out.display()),
        }
    });
}
