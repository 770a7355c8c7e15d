//! The reference server serving the built demo, on an ephemeral port with a temporary database.

use std::path::PathBuf;

use data_farm_server::{start, DatabaseLocation, RunningServer, Seed, ServerConfig, WorkOutcome};

/// A running demo.
pub struct DemoServer {
    pub server: Option<RunningServer>,
    config: ServerConfig,
    _dir: tempfile::TempDir,
}

/// The `dist/` folder trunk builds at the workspace root.
pub fn dist_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dist")
}

impl DemoServer {
    /// Starts the server with the small seed; panics with advice when the SPA is not built.
    pub async fn start() -> DemoServer {
        Self::start_with(|_| {}).await
    }

    /// Like [`DemoServer::start`], with changes to the configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> DemoServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = ServerConfig {
            addr: "127.0.0.1:0".parse().expect("address"),
            database: DatabaseLocation::File(dir.path().join("e2e.sqlite")),
            seed: Seed::Small,
            dist_dir: Some(dist_dir()),
            api_rate_per_sec: 0,
            // Long-running work quick and always successful, so scenarios are deterministic.
            work_step: std::time::Duration::from_millis(500),
            work_outcome: WorkOutcome::Succeed,
            ..ServerConfig::default()
        };
        tweak(&mut config);
        let dist = config.dist_dir.clone().unwrap_or_default();
        assert!(
            dist.join("index.html").exists(),
            "no page built in {}: run `trunk build --offline` at the workspace root \
             (scripts/test.sh does; the bench page: scripts/bench-browser.sh)",
            dist.display()
        );
        let server = start(config.clone()).await.expect("server starts");
        config.addr = server.addr();
        DemoServer {
            server: Some(server),
            config,
            _dir: dir,
        }
    }

    /// The page URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.config.addr)
    }

    /// Stops the server (realtime connections get "going away").
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Starts it again on the same address and database.
    pub async fn start_again(&mut self) {
        self.server = Some(start(self.config.clone()).await.expect("server restarts"));
    }
}
