//! WebSocket fan-out of the reference server as one node and as three nodes behind haproxy,
//! all on PostgreSQL (the three joined by NATS), every process on this machine.
//!
//! For K subscribers (1,000 and 3,000) of Acme's topic while P device renames per second (100
//! and 1,000) are written through the front address, reports deliveries/s, publish-to-receive
//! latency (from the event's `updated_at`, stamped in the write's transaction, to its arrival),
//! and the CPU each process spent per delivery (nodes) or per event (NATS). Prints a table and
//! writes `bench/results/cluster-fanout.json`.
//!
//! Needs `DATA_FARM_BENCH_POSTGRES` and `DATA_FARM_BENCH_NATS` (scripts/bench-cluster.sh starts
//! both) and Debian's haproxy.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use data_farm_protocol::{ClientMessage, ServerMessage};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[allow(dead_code)]
#[path = "../tests/support/processes.rs"]
mod processes;

use processes::{balancer, node};

const MEASURE: Duration = Duration::from_secs(4);
const WARMUP: Duration = Duration::from_millis(700);

/// CPU seconds (user + system) `pid` has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command (which may hold spaces) close with ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command.
    (ticks(11) + ticks(12)) / 100.0
}

async fn create_database(base: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "bench_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let (client, connection) =
        tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
            .await
            .expect("the bench PostgreSQL server answers");
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
        ))
        .await
        .expect("create the bench database");
    format!("{base}/{name}")
}

struct Session {
    cookie: String,
    topic: String,
    devices: Vec<String>,
}

async fn login(base: &str) -> Session {
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "alice", "password": "alice"}))
        .send()
        .await
        .expect("login");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .expect("a cookie")
        .to_owned();
    let body: Value = response.json().await.expect("session body");
    let acme = body["teams"]
        .as_array()
        .and_then(|teams| teams.iter().find(|t| t["name"] == "Acme"))
        .and_then(|t| t["id"].as_str())
        .expect("Acme")
        .to_owned();
    let devices: Value = http
        .get(format!("{base}/api/v1/devices?team={acme}&per_page=100"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("devices")
        .json()
        .await
        .expect("devices body");
    let devices = devices["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|d| d["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Session {
        cookie,
        topic: format!("team:{acme}"),
        devices,
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
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize] as f64 / 1000.0
}

/// One measurement against `base`; `nodes`, `broker` and `proxy` are the processes whose CPU
/// is reported.
async fn measure(
    base: &str,
    subscribers: usize,
    rate: f64,
    nodes: &[u32],
    broker: Option<u32>,
    proxy: Option<u32>,
) -> Value {
    let session = login(base).await;
    let tally = Arc::new(Tally::default());
    let measuring = Arc::new(AtomicBool::new(false));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(subscribers);
    let mut clients = Vec::new();
    for _ in 0..subscribers {
        let url = format!("{}/api/v1/ws", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request().expect("ws request");
        request
            .headers_mut()
            .insert("cookie", session.cookie.parse().expect("cookie header"));
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("connect");
        let subscribe = ClientMessage::Subscribe {
            topics: vec![session.topic.clone()],
            since: None,
        };
        socket
            .send(Message::text(subscribe.encode()))
            .await
            .expect("subscribe");
        let (tally, measuring, ready) = (tally.clone(), measuring.clone(), ready_tx.clone());
        clients.push(tokio::spawn(async move {
            let mut local = Vec::new();
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let received_at = OffsetDateTime::now_utc();
                match ServerMessage::decode(text.as_str()) {
                    Ok(ServerMessage::Subscribed { .. }) => {
                        let _ = ready.send(()).await;
                    }
                    Ok(ServerMessage::Event(event)) if measuring.load(Ordering::Relaxed) => {
                        tally.received.fetch_add(1, Ordering::Relaxed);
                        let stamped = event
                            .data
                            .as_ref()
                            .and_then(|d| serde_json::from_str::<Value>(d.get()).ok())
                            .and_then(|d| d["updated_at"].as_str().map(str::to_owned))
                            .and_then(|s| OffsetDateTime::parse(&s, &Rfc3339).ok());
                        if let Some(at) = stamped {
                            local.push((received_at - at).whole_microseconds().max(0) as u64);
                        }
                        // Often: the clients are aborted at the end, with what they hold.
                        if local.len() >= 16 {
                            if let Ok(mut all) = tally.latencies_us.lock() {
                                all.append(&mut local);
                            }
                        }
                    }
                    _ => {}
                }
            }
            if let Ok(mut all) = tally.latencies_us.lock() {
                all.append(&mut local);
            }
        }));
    }
    for _ in 0..subscribers {
        let _ = ready_rx.recv().await;
    }
    let publisher = {
        let (devices, cookie, base) = (
            session.devices.clone(),
            session.cookie.clone(),
            base.to_owned(),
        );
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
    let cpu_before: Vec<f64> = nodes.iter().map(|&pid| cpu_seconds(pid)).collect();
    let broker_before = broker.map(cpu_seconds).unwrap_or(0.0);
    let proxy_before = proxy.map(cpu_seconds).unwrap_or(0.0);
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(MEASURE).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let node_cpu: Vec<f64> = nodes
        .iter()
        .zip(&cpu_before)
        .map(|(&pid, before)| cpu_seconds(pid) - before)
        .collect();
    let broker_cpu = broker.map(cpu_seconds).unwrap_or(0.0) - broker_before;
    let proxy_cpu = proxy.map(cpu_seconds).unwrap_or(0.0) - proxy_before;
    publisher.abort();
    for client in &clients {
        client.abort();
    }
    let received = tally.received.load(Ordering::Relaxed);
    let mut latencies = tally
        .latencies_us
        .lock()
        .map(|mut all| std::mem::take(&mut *all))
        .unwrap_or_default();
    latencies.sort_unstable();
    let total_node_cpu: f64 = node_cpu.iter().sum();
    // Every subscriber receives every committed event: what the writes achieved, which is
    // less than asked for once the machine saturates.
    let committed = received as f64 / subscribers as f64;
    let per_delivery_us = |cpu: f64| {
        if received == 0 {
            f64::NAN
        } else {
            (cpu / received as f64 * 1e6 * 100.0).round() / 100.0
        }
    };
    json!({
        "subscribers": subscribers,
        "publish_rate": rate,
        "delivered_per_sec": (received as f64 / elapsed).round(),
        "expected_per_sec": (rate * subscribers as f64).round(),
        "committed_events_per_sec": (committed / elapsed * 10.0).round() / 10.0,
        "latency_p50_ms": percentile(&latencies, 0.50),
        "latency_p99_ms": percentile(&latencies, 0.99),
        "node_cpu_percent": node_cpu.iter().map(|c| (c / elapsed * 1000.0).round() / 10.0).collect::<Vec<_>>(),
        "node_cpu_us_per_delivery": per_delivery_us(total_node_cpu),
        "nats_cpu_percent": (broker_cpu / elapsed * 1000.0).round() / 10.0,
        "nats_cpu_us_per_event": if broker.is_some() && committed > 0.0 { ((broker_cpu / committed) * 1e6 * 100.0).round() / 100.0 } else { f64::NAN },
        "haproxy_cpu_us_per_delivery": if proxy.is_some() { per_delivery_us(proxy_cpu) } else { f64::NAN },
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
    format!("{cpu}, {cores} cores")
}

fn nats_pid(url: &str) -> Option<u32> {
    let port = url.rsplit(':').next()?;
    let output = std::process::Command::new("pgrep")
        .args(["-f", &format!("nats-server .*-p {port}")])
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let pg = std::env::var("DATA_FARM_BENCH_POSTGRES").expect("DATA_FARM_BENCH_POSTGRES");
        let nats = std::env::var("DATA_FARM_BENCH_NATS").expect("DATA_FARM_BENCH_NATS");
        let machine = machine();
        println!(
            "machine: {machine} (every process on it: clients, nodes, PostgreSQL, NATS, haproxy)"
        );
        println!(
            "\n{:>9} {:>11} {:>9} {:>9} {:>13} {:>13} {:>8} {:>8} {:>16} {:>10} {:>10}",
            "topology",
            "subscribers",
            "events/s",
            "made/s",
            "delivered/s",
            "expected/s",
            "p50 ms",
            "p99 ms",
            "node CPU %",
            "µs/deliv",
            "NATS µs/ev"
        );
        let mut rows = Vec::new();
        for (subscribers, rate) in [
            (1_000, 100.0),
            (1_000, 1_000.0),
            (3_000, 100.0),
            (3_000, 1_000.0),
        ] {
            for topology in ["1 node", "3 nodes"] {
                let dir = tempfile::tempdir().expect("temp dir");
                let database = create_database(&pg).await;
                let row = if topology == "1 node" {
                    let single = node(&["--db", &database, "--seed", "demo"]).await;
                    let pid = single.child.id().unwrap_or(0);
                    let base = format!("http://{}", single.addr);
                    measure(&base, subscribers, rate, &[pid], None, None).await
                } else {
                    let mut nodes = Vec::new();
                    for _ in 0..3 {
                        nodes.push(
                            node(&["--db", &database, "--broker", &nats, "--seed", "demo"]).await,
                        );
                    }
                    let pids: Vec<u32> = nodes.iter().filter_map(|n| n.child.id()).collect();
                    let (proxy, base) = balancer(
                        dir.path(),
                        &nodes.iter().map(|n| n.addr.clone()).collect::<Vec<_>>(),
                        false,
                    )
                    .await;
                    measure(&base, subscribers, rate, &pids, nats_pid(&nats), proxy.id()).await
                };
                let mut row = row;
                row["topology"] = json!(topology);
                println!(
                    "{:>9} {:>11} {:>9} {:>9} {:>13} {:>13} {:>8.1} {:>8.1} {:>16} {:>10} {:>10}",
                    topology,
                    subscribers,
                    rate,
                    row["committed_events_per_sec"],
                    row["delivered_per_sec"],
                    row["expected_per_sec"],
                    row["latency_p50_ms"].as_f64().unwrap_or(f64::NAN),
                    row["latency_p99_ms"].as_f64().unwrap_or(f64::NAN),
                    row["node_cpu_percent"].to_string(),
                    row["node_cpu_us_per_delivery"],
                    row["nats_cpu_us_per_event"],
                );
                rows.push(row);
            }
        }
        let report = json!({"machine": machine, "runs": rows});
        let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../bench/results/cluster-fanout.json");
        match serde_json::to_string_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|text| std::fs::write(&out, text))
        {
            Ok(()) => println!("\nwrote {}", out.display()),
            Err(err) => eprintln!("could not write {}: {err}", out.display()),
        }
    });
}
