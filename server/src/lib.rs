//! The data-farm reference backend: the "backend half" that a data-farm client talks to.
//!
//! It implements the wire contract in `docs/protocol.md` over an embedded SQLite database:
//! sessions, CRUD for teams, applications, instances and devices with access control,
//! lifecycle events with a per-topic sequence number, and realtime delivery over WebSocket
//! and Server-Sent Events. It also serves the built SPA, so a deployment is one binary.
//!
//! Several nodes can serve one address instead: each given the same PostgreSQL database
//! ([`DatabaseLocation::Postgres`]) and the same NATS broker ([`ServerConfig::broker`]); see
//! the `cluster` module's docs for what holds across nodes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use data_farm_server::{ServerConfig, Seed, start};
//!
//! let config = ServerConfig { seed: Seed::Demo, ..ServerConfig::default() };
//! let server = start(config).await?;
//! println!("listening on http://{}", server.addr());
//! server.wait().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod auth;
mod cluster;
mod config;
mod error;
mod fanout;
mod limits;
mod realtime;
mod routes;
mod seed;
mod simulate;
mod state;
mod store;
mod time_fmt;
mod work;

pub use config::{DatabaseLocation, Seed, ServerConfig, WorkOutcome};
pub use error::ApiError;
pub use fanout::{Fanout, InProcessFanout, StoredEvent};
pub use state::AppState;
pub use store::{EventLog, Replay, StoreError};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened, migrated or seeded.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// The broker could not be reached, or was given without a database nodes can share.
    #[error("cluster: {0}")]
    Cluster(String),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A server started by [`start`]; dropping it does not stop it, [`RunningServer::shutdown`] does.
pub struct RunningServer {
    addr: SocketAddr,
    state: AppState,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    simulator: Option<JoinHandle<()>>,
    runner: JoinHandle<()>,
    restart: Option<tokio::sync::mpsc::UnboundedReceiver<u64>>,
}

impl RunningServer {
    /// The address it listens on (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, e.g. `http://127.0.0.1:8080`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state, for in-process tools such as benchmarks.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Closes every realtime connection with "going away", stops accepting requests and waits
    /// for in-flight ones to finish, at most [`SHUTDOWN_GRACE`]: a client that holds a request
    /// open past it does not keep the address (the listener is dropped; the connection's own
    /// task ends when its client goes).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Some(simulator) = self.simulator {
            simulator.abort();
        }
        self.runner.abort();
        let mut task = self.task;
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
            .await
            .is_err()
        {
            tracing::warn!(
                grace_ms = SHUTDOWN_GRACE.as_millis() as u64,
                "requests still open after the shutdown grace; stopping without them"
            );
            task.abort();
            let _ = task.await;
        }
    }

    /// Resolves when a test suite asked for a restart (see [`ServerConfig::test_control`]) with
    /// the downtime it asked for; never when test control is off.
    pub async fn restart_requested(&mut self) -> u64 {
        match self.restart.as_mut() {
            Some(rx) => match rx.recv().await {
                Some(down_ms) => down_ms,
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    }

    /// Waits until the server stops (on Ctrl-C / SIGTERM when started by the binary).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// How long [`RunningServer::shutdown`] waits for in-flight requests.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Opens the database, seeds it when asked, binds the address and starts serving.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.addr,
        source,
    })?;
    let (stop, stopped) = watch::channel(false);
    let (restart_tx, restart) = match config.test_control {
        true => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            (Some(tx), Some(rx))
        }
        false => (None, None),
    };
    let state = AppState::open(Arc::new(config), stopped.clone(), restart_tx).await?;
    let app = routes::router(state.clone());
    let simulator = (state.config().simulate_rate > 0.0).then(|| simulate::spawn(state.clone()));
    let leading = state.db().leads_work().await.unwrap_or(false);
    if leading {
        match work::recover(&state).await {
            Ok((0, 0)) => {}
            Ok((operations, reports)) => {
                tracing::info!(
                    operations,
                    reports,
                    "ended work interrupted by the last shutdown"
                )
            }
            Err(err) => tracing::warn!(error = %err.body.message, "could not end interrupted work"),
        }
    }
    let runner = work::spawn(state.clone(), leading);
    let mut shutdown = stopped;
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        });
        if let Err(err) = serve.await {
            tracing::error!(%err, "server stopped with an error");
        }
    });
    Ok(RunningServer {
        addr,
        state,
        stop,
        task,
        simulator,
        runner,
        restart,
    })
}
