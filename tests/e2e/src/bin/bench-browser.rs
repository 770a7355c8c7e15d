//! The browser benchmark runner (`scripts/bench-browser.sh` builds the page first): serves
//! `target/bench-page` on loopback, drives headless Chromium, runs every scenario 5 times per
//! implementation (the two taking turns) with a fresh page each time, prints medians and
//! ratios, and writes them to `bench/results/browser.json`.
//!
//! Then the persistence benchmarks (`bench/page/persist.rs`): hydrate from IndexedDB to a painted
//! table, and the status storm with write-behind on against the same page without it, written
//! to `bench/results/persist.json`.
//!
//! Options: `--runs N` (default 5), `--out PATH`, `--persist-out PATH`, `--persist-only`,
//! `--only SCENARIO` (one scenario, e.g. `initial-load`; the persistence benchmarks are left
//! out then).

use std::time::Duration;

use data_farm_e2e::bench::{median, run_once, run_persist, serve_page, BenchResult, Impl};
use data_farm_e2e::Browser;
use serde_json::json;

struct Case {
    scenario: &'static str,
    rows: u64,
    events: u64,
}

const CASES: &[Case] = &[
    Case {
        scenario: "status-storm",
        rows: 1_000,
        events: 10_000,
    },
    Case {
        scenario: "churn",
        rows: 1_000,
        events: 2_000,
    },
    Case {
        scenario: "initial-load",
        rows: 1_000,
        events: 0,
    },
    Case {
        scenario: "initial-load",
        rows: 10_000,
        events: 0,
    },
    // Per-event cost as the table grows (it should stay flat).
    Case {
        scenario: "status-storm",
        rows: 100,
        events: 10_000,
    },
    Case {
        scenario: "status-storm",
        rows: 10_000,
        events: 10_000,
    },
    Case {
        scenario: "churn",
        rows: 10_000,
        events: 2_000,
    },
];

struct Summary {
    ms: f64,
    events_per_sec: f64,
    mutations: f64,
    heap_mb: Option<f64>,
    all_ok: bool,
}

fn summarize(results: &[BenchResult]) -> Summary {
    let pick = |f: &dyn Fn(&BenchResult) -> Option<f64>| {
        let mut v: Vec<f64> = results.iter().filter_map(f).collect();
        median(&mut v)
    };
    Summary {
        ms: pick(&|r| r.apply_ms).unwrap_or(f64::NAN),
        events_per_sec: pick(&|r| r.events_per_sec).unwrap_or(f64::NAN),
        mutations: pick(&|r| r.dom_mutations.map(|m| m as f64)).unwrap_or(f64::NAN),
        heap_mb: pick(&|r| r.heap_used_mb),
        all_ok: results.iter().all(|r| r.ok),
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores, headless Chromium")
}

#[tokio::main]
async fn main() {
    let runs: usize = arg("--runs").and_then(|r| r.parse().ok()).unwrap_or(5);
    let out = arg("--out").unwrap_or_else(|| "bench/results/browser.json".into());
    let server = serve_page().await;
    let browser =
        Browser::chromium_with(&["--enable-precise-memory-info", "--js-flags=--expose-gc"])
            .await
            .expect("headless Chromium");
    let machine = machine();
    println!("machine: {machine}; {runs} runs per cell, fresh page each; medians");
    println!(
        "{:<13} {:>6} {:>6} | {:>10} {:>10} {:>6} | {:>9} {:>9} | {:>8} {:>8} | {:>7} {:>7} | ok",
        "scenario",
        "rows",
        "events",
        "df ms",
        "vanilla ms",
        "ratio",
        "df µs/ev",
        "va µs/ev",
        "df muts",
        "va muts",
        "df MB",
        "va MB"
    );
    let mut report = Vec::new();
    let persist_only = std::env::args().any(|a| a == "--persist-only");
    // `--only initial-load`: one scenario (while working on it).
    let only = arg("--only");
    for case in CASES
        .iter()
        .filter(|_| !persist_only)
        .filter(|case| only.as_deref().is_none_or(|s| s == case.scenario))
    {
        // The implementations take turns, run by run: a slow spell of the (shared) machine
        // then falls on both instead of on all the runs of one (it used to move the 1,000-row
        // initial-load ratio between 1.1 and 1.7 from one sitting to the next).
        let implementations = [Impl::DataFarm, Impl::Vanilla];
        let mut results: [Vec<_>; 2] = [Vec::new(), Vec::new()];
        for _ in 0..runs {
            for (implementation, results) in implementations.iter().zip(results.iter_mut()) {
                match run_once(
                    &browser.session,
                    &server.url(),
                    *implementation,
                    case.scenario,
                    case.rows,
                    case.events,
                    Duration::from_secs(300),
                )
                .await
                {
                    Ok(result) => results.push(result),
                    Err(err) => eprintln!("{} {}: {err}", implementation.name(), case.scenario),
                }
            }
        }
        let per_impl: Vec<_> = implementations
            .into_iter()
            .zip(results)
            .map(|(implementation, results)| (implementation, summarize(&results), results))
            .collect();
        let (df, va) = (&per_impl[0].1, &per_impl[1].1);
        let count = if case.events == 0 {
            case.rows
        } else {
            case.events
        } as f64;
        let per_event = |ms: f64| ms * 1_000.0 / count;
        let mb = |m: Option<f64>| m.map_or("-".to_owned(), |m| format!("{m:.1}"));
        println!(
            "{:<13} {:>6} {:>6} | {:>10.1} {:>10.1} {:>6.2} | {:>9.2} {:>9.2} | {:>8.0} {:>8.0} | {:>7} {:>7} | {}",
            case.scenario,
            case.rows,
            case.events,
            df.ms,
            va.ms,
            df.ms / va.ms,
            per_event(df.ms),
            per_event(va.ms),
            df.mutations,
            va.mutations,
            mb(df.heap_mb),
            mb(va.heap_mb),
            if df.all_ok && va.all_ok { "yes" } else { "NO" }
        );
        // Where each implementation's initial load spends its time (medians of each phase).
        let phases: Vec<serde_json::Value> = per_impl
            .iter()
            .map(|(implementation, _, results)| {
                let phase = |name: &str| {
                    let mut v: Vec<f64> = results
                        .iter()
                        .filter_map(|r| r.phases.as_ref()?.get(name)?.as_f64())
                        .collect();
                    median(&mut v)
                };
                let names = ["parseMs", "storeMs", "mountMs", "buildMs", "layoutMs", "framesMs"];
                let found: Vec<(&str, f64)> = names
                    .iter()
                    .filter_map(|name| Some((*name, phase(name)?)))
                    .collect();
                if !found.is_empty() {
                    let text: Vec<String> =
                        found.iter().map(|(n, ms)| format!("{n} {ms:.1}")).collect();
                    println!("{:<13} {:>6}   {}: {}", "", case.rows, implementation.name(), text.join(", "));
                }
                json!({
                    "impl": implementation.name(),
                    "median_ms": found.iter().map(|(n, ms)| (n.to_string(), json!(ms))).collect::<serde_json::Map<_, _>>(),
                })
            })
            .collect();
        report.push(json!({
            "scenario": case.scenario, "rows": case.rows, "events": case.events,
            "phases": phases,
            "ratio": df.ms / va.ms,
            "implementations": per_impl.iter().map(|(i, s, results)| json!({
                "impl": i.name(),
                "median_apply_ms": s.ms,
                "median_events_per_sec": s.events_per_sec,
                "median_us_per_event": per_event(s.ms),
                "median_dom_mutations": s.mutations,
                "median_heap_used_mb": s.heap_mb,
                "all_ok": s.all_ok,
                "runs": results,
            })).collect::<Vec<_>>(),
        }));
    }
    if !persist_only {
        let doc = json!({ "machine": machine, "runs": runs, "cases": report });
        write_json(&out, &doc);
    }
    if only.is_some() && !persist_only {
        browser.close().await;
        return;
    }
    let persist_out = arg("--persist-out").unwrap_or_else(|| "bench/results/persist.json".into());
    let persist = persistence(&browser.session, &server.url(), runs).await;
    browser.close().await;
    write_json(
        &persist_out,
        &json!({ "machine": machine, "runs": runs, "cases": persist }),
    );
}

fn write_json(out: &str, doc: &serde_json::Value) {
    match serde_json::to_string_pretty(doc) {
        Ok(text) => match std::fs::write(out, text + "\n") {
            Ok(()) => println!("wrote {out}"),
            Err(err) => eprintln!("cannot write {out}: {err}"),
        },
        Err(err) => eprintln!("cannot encode the report: {err}"),
    }
}

/// The persistence cases: medians of every timing the page reports.
async fn persistence(
    session: &data_farm_e2e::Session,
    url: &str,
    runs: usize,
) -> Vec<serde_json::Value> {
    const PERSIST: &[(&str, u64, u64)] = &[
        ("hydrate", 1_000, 0),
        ("hydrate", 10_000, 0),
        ("storm", 1_000, 10_000),
    ];
    println!();
    println!(
        "{:<8} {:>6} {:>6} | {:>10} {:>9} {:>9} | {:>10} {:>10} {:>9} {:>10} | ok",
        "persist",
        "rows",
        "events",
        "hydrate ms",
        "paint ms",
        "total ms",
        "apply ms",
        "no-persist",
        "flush ms",
        "records/s"
    );
    let mut report = Vec::new();
    for &(scenario, rows, events) in PERSIST {
        let mut results = Vec::new();
        for _ in 0..runs {
            match run_persist(
                session,
                url,
                scenario,
                rows,
                events,
                Duration::from_secs(300),
            )
            .await
            {
                Ok(result) => results.push(result),
                Err(err) => eprintln!("persist {scenario}: {err}"),
            }
        }
        let pick = |field: &str| {
            let mut v: Vec<f64> = results.iter().filter_map(|r| r[field].as_f64()).collect();
            median(&mut v)
        };
        let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.1}"));
        let all_ok = !results.is_empty() && results.iter().all(|r| r["ok"] == true);
        println!(
            "{:<8} {:>6} {:>6} | {:>10} {:>9} {:>9} | {:>10} {:>10} {:>9} {:>10} | {}",
            scenario,
            rows,
            events,
            show(pick("hydrateMs")),
            show(pick("paintMs")),
            show(pick("applyMs").filter(|_| scenario == "hydrate")),
            show(pick("applyMs").filter(|_| scenario == "storm")),
            show(pick("baselineApplyMs")),
            show(pick("flushMs")),
            show(pick("recordsPerSec")),
            if all_ok { "yes" } else { "NO" }
        );
        let fields = [
            "hydrateMs",
            "paintMs",
            "applyMs",
            "baselineApplyMs",
            "flushMs",
            "totalMs",
            "recordsWritten",
            "recordsPerSec",
        ];
        let medians: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .filter_map(|f| pick(f).map(|v| (format!("median_{f}"), json!(v))))
            .collect();
        report.push(json!({
            "scenario": scenario, "rows": rows, "events": events, "all_ok": all_ok,
            "medians": medians, "runs": results,
        }));
    }
    report
}
