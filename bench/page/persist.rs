//! Persistence benchmarks, run by loading the bench page with `?persist=<scenario>`:
//!
//! - `hydrate&rows=N`: N devices are stored in IndexedDB (by a first farm, flushed), then a
//!   second farm (a reload) opens the database, hydrates, and paints the table: the time from
//!   opening IndexedDB to the table painted with all N rows (two animation frames).
//! - `storm&rows=N&events=E`: the status-storm scenario (E updates over N devices, chunks of
//!   100 per macrotask) with write-behind on, against the same page without persistence; then
//!   a flush. Reports both apply times (the difference is the main-thread cost of recording),
//!   the flush time and records persisted per second.
//!
//! The result (JSON) goes to `window.__BENCH_RESULT__`, like the comparison page's.

use std::sync::Arc;

use data_farm::persist::{IdbStorage, PersistConfig};
use data_farm::prelude::*;
use data_farm::protocol::ListResponse;
use leptos::prelude::*;
use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::page::{farm, farm_with, query, realtime, table, BenchDevice, TEAM};

const USER: &str = "bench";
const STATUSES: [&str; 4] = ["online", "offline", "updating", "error"];

fn params() -> web_sys::UrlSearchParams {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .unwrap_or_else(|_| web_sys::UrlSearchParams::new().expect("empty params"))
}

/// Whether the page was opened for a persistence benchmark.
pub fn requested() -> bool {
    params().has("persist")
}

fn number(name: &str, default: u64) -> u64 {
    params()
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

async fn next_frame() {
    let (tx, rx) = futures_channel::oneshot::channel::<()>();
    let callback = Closure::once(move || {
        let _ = tx.send(());
    });
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(callback.as_ref().unchecked_ref());
    }
    let _ = rx.await;
}

async fn two_frames() {
    next_frame().await;
    next_frame().await;
}

/// Lets the event loop run: one macrotask boundary, like a socket's message events (a
/// `MessageChannel` message, as the comparison harness uses; `setTimeout(0)` would be clamped).
async fn yield_task() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return;
    };
    let (tx, rx) = futures_channel::oneshot::channel::<()>();
    let callback = Closure::once(move || {
        let _ = tx.send(());
    });
    channel
        .port1()
        .set_onmessage(Some(callback.as_ref().unchecked_ref()));
    if channel.port2().post_message(&JsValue::NULL).is_ok() {
        let _ = rx.await;
    }
}

fn devices(rows: u64) -> Vec<BenchDevice> {
    (0..rows)
        .map(|i| {
            serde_json::from_value(json!({
                "id": format!("d{i}"), "name": format!("device-{i}"), "status": "online",
                "version": 1, "team_id": TEAM,
            }))
            .expect("a bench device")
        })
        .collect()
}

fn put_devices(farm: &DataFarm, rows: u64) {
    let items = devices(rows);
    if let Some(store) = farm.store::<BenchDevice>() {
        store.put_list(
            &query(),
            ListResponse {
                total: items.len() as u64,
                items,
                drafts: Default::default(),
            },
        );
    }
}

fn table_rows() -> u32 {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("table tbody tr").ok())
        .map_or(0, |rows| rows.length())
}

fn mount(farm: DataFarm) -> web_sys::HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let host: web_sys::HtmlElement = document
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    if let Some(body) = document.body() {
        let _ = body.append_child(&host);
    }
    let handle = leptos::mount::mount_to(host.clone(), move || table(farm.clone()));
    handle.forget();
    host
}

async fn persisted_farm(database: &str) -> (DataFarm, data_farm::persist::Persistence) {
    let config = PersistConfig::new(database);
    let farm = farm_with(|c| c.persist(config));
    let persistence = farm.persistence().expect("persistence on");
    match IdbStorage::open(database).await {
        Ok(storage) => persistence.attach(Arc::new(storage)).await,
        Err(err) => leptos::logging::error!("IndexedDB: {err}"),
    }
    persistence.start(USER).await;
    (farm, persistence)
}

async fn delete_database(name: &str) {
    if let Ok(factory) = idb::Factory::new() {
        if let Ok(request) = factory.delete(name) {
            let _ = request.await;
        }
    }
}

fn step(name: &str) {
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"__BENCH_STEP__".into(), &name.into());
    }
}

async fn hydrate(rows: u64) -> serde_json::Value {
    // A fixed name, emptied first: the previous run's page (and its connections) is gone.
    let database = "bench-hydrate";
    delete_database(database).await;
    {
        step("open writer");
        let (writer, persistence) = persisted_farm(database).await;
        step("put");
        put_devices(&writer, rows);
        step("flush");
        persistence.flush().await;
        step("flushed");
    }
    let started = now();
    let (reader, persistence) = persisted_farm(database).await;
    let hydrated = now();
    step("mount");
    let host = mount(reader.clone());
    two_frames().await;
    step("painted");
    let painted = now();
    let shown = table_rows();
    let written = persistence.metrics().get_untracked().records_written;
    host.remove();
    json!({
        "impl": "data-farm", "scenario": "persist-hydrate", "rows": rows, "events": 0,
        "hydrateMs": hydrated - started, "paintMs": painted - hydrated,
        "applyMs": painted - started, "ok": shown as u64 == rows, "rowsShown": shown,
        "recordsWrittenAfter": written,
    })
}

fn storm_frames(rows: u64, events: u64) -> Vec<String> {
    let mut versions = vec![1u64; rows as usize];
    (0..events)
        .map(|j| {
            let i = ((j * 7919) % rows) as usize;
            versions[i] += 1;
            let version = versions[i];
            json!({
                "type": "event", "topic": format!("team:{TEAM}"), "seq": j + 1, "kind": "device",
                "op": "updated", "id": format!("d{i}"), "version": version,
                "data": { "id": format!("d{i}"), "name": format!("device-{i}"),
                          "status": STATUSES[(j % 4) as usize], "version": version, "team_id": TEAM },
            })
            .to_string()
        })
        .collect()
}

/// Delivers every frame in chunks of 100, one chunk per macrotask; then two frames.
async fn deliver_all(handle: &data_farm::realtime::RealtimeHandle, frames: &[String]) -> f64 {
    let started = now();
    for chunk in frames.chunks(100) {
        for frame in chunk {
            handle.deliver(frame);
        }
        yield_task().await;
    }
    two_frames().await;
    now() - started
}

async fn storm(rows: u64, events: u64) -> serde_json::Value {
    let frames = storm_frames(rows, events);

    // Without persistence: the baseline in the same page.
    let plain = farm();
    put_devices(&plain, rows);
    let host = mount(plain.clone());
    two_frames().await;
    let handle = realtime(&plain);
    let baseline_ms = deliver_all(&handle, &frames).await;
    handle.stop();
    host.remove();

    let database = "bench-storm";
    delete_database(database).await;
    let (farm, persistence) = persisted_farm(database).await;
    put_devices(&farm, rows);
    persistence.flush().await;
    let before = persistence.metrics().get_untracked().records_written;
    let host = mount(farm.clone());
    two_frames().await;
    let handle = realtime(&farm);
    let started = now();
    let apply_ms = deliver_all(&handle, &frames).await;
    let flush_started = now();
    persistence.flush().await;
    let ended = now();
    let metrics = persistence.metrics().get_untracked();
    let written = metrics.records_written - before;
    handle.stop();
    let shown = table_rows();
    host.remove();
    json!({
        "impl": "data-farm", "scenario": "persist-storm", "rows": rows, "events": events,
        "applyMs": apply_ms, "baselineApplyMs": baseline_ms, "flushMs": ended - flush_started,
        "totalMs": ended - started, "recordsWritten": written,
        "recordsPerSec": written as f64 * 1000.0 / (ended - started),
        "writeFailures": metrics.write_failures,
        "ok": shown as u64 == rows && metrics.write_failures == 0,
    })
}

/// Runs the scenario named by `?persist=` and publishes its result.
pub fn run() {
    wasm_bindgen_futures::spawn_local(async {
        let scenario = params().get("persist").unwrap_or_default();
        let rows = number("rows", 1_000).max(1);
        let result = match scenario.as_str() {
            "hydrate" => hydrate(rows).await,
            "storm" => storm(rows, number("events", 10_000)).await,
            other => json!({ "ok": false, "error": format!("unknown persist scenario {other}") }),
        };
        if let Some(window) = web_sys::window() {
            let value = js_sys::JSON::parse(&result.to_string()).unwrap_or(JsValue::NULL);
            let _ = js_sys::Reflect::set(&window, &"__BENCH_RESULT__".into(), &value);
        }
    });
}
