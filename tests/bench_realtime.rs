//! Browser benchmark (ignored in the test suite; run by `scripts/bench-realtime.sh`):
//! publish-to-store latency of realtime events, and reconnection time after a server restart.
//! The server simulates device renames at the rate the script chose; each event's `updated_at`
//! is stamped inside the server's write transaction, and the latency is taken when the store
//! has applied the event (its change is announced). Prints one `BENCH_RESULT {json}` line.
#![cfg(target_arch = "wasm32")]

use std::sync::{Arc, Mutex};

use data_farm::api::ApiClient;
use data_farm::change::Origin;
use data_farm::farm::DataFarmConfig;
use data_farm::protocol::Device;
use data_farm::realtime::{start_realtime, ConnectionState, RealtimeConfig};
use leptos::prelude::GetUntracked;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = match option_env!("DATA_FARM_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:18471",
};

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[wasm_bindgen_test]
#[ignore]
async fn realtime_latency_and_reconnection() {
    let client = ApiClient::new(SERVER);
    let session = client.login("alice", "alice").await.expect("login");
    let farm = DataFarmConfig::new(SERVER).builtin_kinds().build();
    let store = farm.store::<Device>().expect("registered");
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let sink = latencies.clone();
    let _subscription = farm.changes().subscribe(move |change| {
        if change.origin != Origin::Remote || change.kind != "device" {
            return;
        }
        if let Some(device) = store.peek(&change.id) {
            let stamped = js_sys::Date::parse(&device.updated_at);
            if stamped.is_finite() {
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(js_sys::Date::now() - stamped);
            }
        }
    });
    let team_ids = session.teams.iter().map(|t| t.id.clone()).collect();
    let live = start_realtime(&farm, &session.user.id, team_ids, RealtimeConfig::default());
    while live.state.get_untracked() != ConnectionState::Live {
        sleep(10).await;
    }
    sleep(500).await;
    latencies.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let started = js_sys::Date::now();
    sleep(5_000).await;
    let seconds = (js_sys::Date::now() - started) / 1000.0;
    let mut samples = std::mem::take(&mut *latencies.lock().unwrap_or_else(|p| p.into_inner()));
    samples.sort_by(f64::total_cmp);

    // Reconnection: from the restart request until live again (the server is down 200 ms).
    let asked = js_sys::Date::now();
    let _: serde_json::Value = client
        .post("/test/restart", &serde_json::json!({"down_ms": 200}))
        .await
        .unwrap_or_default();
    while live.state.get_untracked() == ConnectionState::Live {
        sleep(5).await;
    }
    let dropped = js_sys::Date::now();
    while live.state.get_untracked() != ConnectionState::Live {
        sleep(5).await;
    }
    let back = js_sys::Date::now();
    let result = serde_json::json!({
        "events": samples.len(),
        "events_per_sec": (samples.len() as f64 / seconds).round(),
        "latency_p50_ms": percentile(&samples, 0.5),
        "latency_p99_ms": percentile(&samples, 0.99),
        "reconnect_after_drop_ms": back - dropped,
        "restart_request_to_live_ms": back - asked,
        "counters": format!("{:?}", live.counters.get_untracked()),
    });
    leptos::logging::log!("BENCH_RESULT {result}");
    live.stop();
}
