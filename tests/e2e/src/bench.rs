//! The browser benchmark page (`bench/page/`) driven from Rust: each run is a fresh page load
//! of one implementation with one scenario, read back from `window.__BENCH_RESULT__`.

use std::path::PathBuf;
use std::time::Duration;

use data_farm_server::Seed;
use serde::{Deserialize, Serialize};

use crate::demo::DemoServer;
use crate::webdriver::{Result, Session, WebDriverError};

/// Where `scripts/bench-browser.sh` (and `scripts/test.sh`) let trunk build the page.
pub fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-page")
}

/// The two implementations of the page contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// The library: real store, realtime subscriber and `EntityTable`.
    DataFarm,
    /// The hand-written vanilla-JS baseline.
    Vanilla,
}

impl Impl {
    /// The name the page reports in `impl`.
    pub fn name(self) -> &'static str {
        match self {
            Impl::DataFarm => "data-farm",
            Impl::Vanilla => "vanilla",
        }
    }

    fn page(self) -> &'static str {
        match self {
            Impl::DataFarm => "index.html",
            Impl::Vanilla => "vanilla.html",
        }
    }
}

/// One run's result, exactly as the page reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchResult {
    #[serde(rename = "impl")]
    pub implementation: String,
    pub scenario: String,
    pub rows: u64,
    pub events: u64,
    pub apply_ms: Option<f64>,
    pub events_per_sec: Option<f64>,
    pub ok: bool,
    #[serde(rename = "heapUsedMB")]
    pub heap_used_mb: Option<f64>,
    pub dom_mutations: Option<u64>,
    /// Where an initial load's time went, when the page says (data-farm's: `parseMs`,
    /// `storeMs`, `mountMs`; the rest of `applyMs` is style, layout and paint until two frames).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The page served on loopback by the reference server (nothing else of it is used).
pub async fn serve_page() -> DemoServer {
    DemoServer::start_with(|config| {
        config.dist_dir = Some(bench_dir());
        config.seed = Seed::None;
    })
    .await
}

/// Loads the page fresh and waits (up to `limit`) for its result.
pub async fn run_once(
    session: &Session,
    base_url: &str,
    implementation: Impl,
    scenario: &str,
    rows: u64,
    events: u64,
    limit: Duration,
) -> Result<BenchResult> {
    let url = format!(
        "{base_url}{}?scenario={scenario}&rows={rows}&events={events}",
        implementation.page()
    );
    session.goto(&url).await?;
    let what = format!(
        "{} {scenario} rows={rows} events={events}",
        implementation.name()
    );
    let value = wait_result(session, &what, limit).await?;
    serde_json::from_value(value).map_err(|e| WebDriverError(format!("{what}: {e}")))
}

/// Waits (up to `limit`) for the page's `window.__BENCH_RESULT__`.
async fn wait_result(session: &Session, what: &str, limit: Duration) -> Result<serde_json::Value> {
    session
        .wait_within(what, limit, || async {
            let value = session
                .execute("return window.__BENCH_RESULT__ || null", vec![])
                .await?;
            Ok((!value.is_null()).then_some(value))
        })
        .await
}

/// Runs one persistence benchmark (`bench/page/persist.rs`) on a fresh page load and returns
/// its JSON result (`ok`, timings in ms).
pub async fn run_persist(
    session: &Session,
    base_url: &str,
    scenario: &str,
    rows: u64,
    events: u64,
    limit: Duration,
) -> Result<serde_json::Value> {
    let url =
        format!("{base_url}persist/index.html?persist={scenario}&rows={rows}&events={events}");
    session.goto(&url).await?;
    let what = format!("persist {scenario} rows={rows} events={events}");
    let result = wait_result(session, &what, limit).await;
    match result {
        Ok(value) => Ok(value),
        Err(err) => {
            // Where the page got stuck, for the error.
            let step = session
                .execute("return window.__BENCH_STEP__ || null", vec![])
                .await
                .unwrap_or_default();
            Err(WebDriverError(format!("{err} (last step: {step})")))
        }
    }
}

/// The median of `values` (`None` when empty).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }
}
