//! What the probes (`src/bin/*-probe.rs`) share: their command-line options, the demo server
//! with the simulator running, and where their numbers go.

use data_farm_server::Seed;

use crate::DemoServer;

/// The value after `--name` on the command line, or `default`.
pub fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

/// The demo (its demo seed) with the simulator changing `rate` device statuses a second,
/// serving the page built in `dist` (the workspace's `dist/` when empty).
pub async fn demo_with_simulator(rate: f64, dist: &str) -> DemoServer {
    DemoServer::start_with(|config| {
        config.seed = Seed::Demo;
        config.simulate_rate = rate;
        if !dist.is_empty() {
            config.dist_dir = Some(dist.into());
        }
    })
    .await
}

/// Writes `result` as pretty JSON to `out` (creating its folder); says so when it cannot.
pub fn write_json(out: &str, result: &serde_json::Value) {
    if let Some(dir) = std::path::Path::new(out).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match serde_json::to_string_pretty(result) {
        Ok(text) => {
            if let Err(err) = std::fs::write(out, text + "\n") {
                eprintln!("cannot write {out}: {err}");
            }
        }
        Err(err) => eprintln!("{err}"),
    }
}
