//! A smoke run of the browser benchmark page with tiny sizes, so the page cannot rot: both
//! implementations, every scenario, each ending with the DOM verified cell by cell (`ok`).
//! The measuring run is `scripts/bench-browser.sh`.

use std::time::Duration;

use data_farm_e2e::bench::{run_once, run_persist, serve_page, Impl};
use data_farm_e2e::Browser;

#[tokio::test]
async fn every_scenario_ends_with_the_expected_table_in_both_implementations() {
    let server = serve_page().await;
    let browser = Browser::chromium().await.expect("browser");
    for implementation in [Impl::DataFarm, Impl::Vanilla] {
        for (scenario, rows, events) in [
            ("status-storm", 30, 250),
            ("churn", 30, 120),
            ("initial-load", 40, 0),
        ] {
            let result = run_once(
                &browser.session,
                &server.url(),
                implementation,
                scenario,
                rows,
                events,
                Duration::from_secs(30),
            )
            .await
            .expect("the page reports a result");
            assert!(
                result.ok,
                "{} {scenario}: the table does not show the expected final state: {result:?}",
                implementation.name()
            );
            assert_eq!(result.implementation, implementation.name());
            assert_eq!((result.scenario.as_str(), result.rows), (scenario, rows));
            assert!(result.apply_ms.is_some_and(|ms| ms > 0.0), "{result:?}");
            assert!(
                result.dom_mutations.is_some_and(|n| n > 0),
                "the timed window changed the table: {result:?}"
            );
        }
    }
    browser.close().await;
}

#[tokio::test]
async fn the_persistence_benchmarks_hydrate_and_persist_a_storm() {
    let server = serve_page().await;
    let browser = Browser::chromium().await.expect("browser");
    let hydrate = run_persist(
        &browser.session,
        &server.url(),
        "hydrate",
        40,
        0,
        Duration::from_secs(30),
    )
    .await
    .expect("a hydrate result");
    assert_eq!(
        hydrate["ok"], true,
        "all 40 stored rows painted after the reload: {hydrate}"
    );
    assert!(
        hydrate["hydrateMs"].as_f64().is_some_and(|ms| ms > 0.0),
        "{hydrate}"
    );
    let storm = run_persist(
        &browser.session,
        &server.url(),
        "storm",
        30,
        250,
        Duration::from_secs(30),
    )
    .await
    .expect("a storm result");
    assert_eq!(storm["ok"], true, "{storm}");
    // 250 updates of 30 devices: each device written once (latest wins), plus the list page.
    let written = storm["recordsWritten"].as_u64().unwrap_or_default();
    assert!((30..=31).contains(&written), "{storm}");
    browser.close().await;
}
