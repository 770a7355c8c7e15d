//! Per-event cost of the store's write path (decode, merge rule, row signal, list membership)
//! for one cached, sorted list of 100, 1,000 and 10,000 devices.
//!
//! Two event shapes: `status` (only the status changes; position in a name-sorted list stays)
//! and `updated` renames (the entity moves within the list). Prints a table and writes
//! `bench/results/store-apply.json`. Run: `cargo bench -p data-farm --bench store_apply`.

use std::sync::Arc;
use std::time::Instant;

use data_farm::api::{ApiError, EntityApi};
use data_farm::cache::{CachePolicy, ManualEnvironment};
use data_farm::change::{ChangeBus, ChangeOp};
use data_farm::protocol::{
    CreateDevice, Device, DeviceStatus, ListResponse, Owner, OwnerType, PatchDevice,
};
use data_farm::query::ListQuery;
use data_farm::store::EntityStore;
use futures_util::future::LocalBoxFuture;
use leptos::prelude::WithUntracked;
use serde_json::json;

struct Seeded(Vec<Device>);

impl EntityApi<Device> for Seeded {
    fn get_one(&self, _id: &str) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        Box::pin(async {
            Err(ApiError::NotFound {
                message: "unused".into(),
            })
        })
    }
    fn get_many(
        &self,
        _query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Device>, ApiError>> {
        let items = self.0.clone();
        Box::pin(async move {
            Ok(ListResponse {
                total: items.len() as u64,
                items,
                drafts: Default::default(),
            })
        })
    }
    fn create(
        &self,
        _body: &CreateDevice,
        _key: &str,
    ) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        Box::pin(async {
            Err(ApiError::Forbidden {
                message: "unused".into(),
            })
        })
    }
    fn update(
        &self,
        _id: &str,
        _p: &PatchDevice,
        _v: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        Box::pin(async {
            Err(ApiError::Forbidden {
                message: "unused".into(),
            })
        })
    }
    fn delete(&self, _id: &str, _v: Option<u64>) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        Box::pin(async {
            Err(ApiError::Forbidden {
                message: "unused".into(),
            })
        })
    }
}

fn device(i: usize) -> Device {
    Device {
        id: format!("d{i}"),
        version: 1,
        updated_at: String::new(),
        name: format!("device-{i}"),
        team_id: "t1".into(),
        owner: Owner {
            owner_type: OwnerType::Team,
            id: "t1".into(),
        },
        status: DeviceStatus::Online,
    }
}

const STATUSES: [&str; 4] = ["online", "offline", "updating", "error"];

/// Median nanoseconds per event over 5 runs of `events` events, applied `batch` at a time
/// (1: each event on its own; 100: a frame's worth, as the realtime runtime delivers them).
fn measure(rows: usize, events: usize, rename: bool, batch: usize) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..5 {
        let env = ManualEnvironment::new();
        let store: EntityStore<Device> = EntityStore::new(
            Arc::new(Seeded((0..rows).map(device).collect())),
            Arc::new(env.clone()),
            CachePolicy::default(),
            ChangeBus::default(),
        );
        let mut query = ListQuery::new();
        query.per_page = rows as u32;
        let _observer = store.observe_list(query.clone());
        env.run_until_idle();
        assert_eq!(
            store
                .list_view(&query)
                .with_untracked(|view| view.ids.len()),
            rows
        );
        // Payloads are generated before timing, as they would arrive as text.
        let mut versions = vec![1u64; rows];
        let payloads: Vec<(String, u64, Box<serde_json::value::RawValue>, ChangeOp)> = (0..events)
            .map(|j| {
                let idx = (j * 7919) % rows;
                versions[idx] += 1;
                let version = versions[idx];
                if rename {
                    let mut d = device(idx);
                    d.version = version;
                    d.name = format!("device-{}", (idx * 31 + j) % rows);
                    (
                        d.id.clone(),
                        version,
                        serde_json::value::to_raw_value(&d).unwrap(),
                        ChangeOp::Updated,
                    )
                } else {
                    let fields = json!({"status": STATUSES[j % 4]});
                    (
                        format!("d{idx}"),
                        version,
                        serde_json::value::to_raw_value(&fields).unwrap(),
                        ChangeOp::Status,
                    )
                }
            })
            .collect();
        let start = Instant::now();
        for chunk in payloads.chunks(batch) {
            let items: Vec<_> = chunk
                .iter()
                .map(|(id, version, data, op)| (*op, id.as_str(), *version, Some(&**data)))
                .collect();
            store.apply_events(&items);
        }
        samples.push(start.elapsed().as_nanos() as f64 / events as f64);
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|i| {
            i.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    println!(
        "machine: {cpu}, {} cores (native, bench profile)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!("ns per event; 'batched' applies 100 events per call, like one animation frame");
    println!(
        "{:>7} {:>10} {:>10} {:>16} {:>16}",
        "rows", "status", "rename", "status batched", "rename batched"
    );
    let mut results = Vec::new();
    for rows in [100, 1_000, 10_000] {
        let events = if rows >= 10_000 { 2_000 } else { 10_000 };
        let status = measure(rows, events, false, 1);
        let rename = measure(rows, events / 2, true, 1);
        let status_batched = measure(rows, 20_000, false, 100);
        let rename_batched = measure(rows, 10_000, true, 100);
        println!(
            "{rows:>7} {status:>10.0} {rename:>10.0} {status_batched:>16.0} {rename_batched:>16.0}"
        );
        results.push(json!({
            "rows": rows,
            "status_ns_per_event": status.round(),
            "rename_ns_per_event": rename.round(),
            "status_batched_ns_per_event": status_batched.round(),
            "rename_batched_ns_per_event": rename_batched.round(),
        }));
    }
    let out =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results/store-apply.json");
    let _ = std::fs::create_dir_all(out.parent().unwrap_or(std::path::Path::new(".")));
    match std::fs::write(
        &out,
        serde_json::to_string_pretty(&json!({"machine": cpu, "results": results}))
            .unwrap_or_default(),
    ) {
        Ok(()) => println!("wrote {}", out.display()),
        Err(err) => eprintln!("could not write {}: {err}", out.display()),
    }
}
