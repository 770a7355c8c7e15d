//! What every request handler shares.

use std::sync::Arc;

use tokio::sync::watch;

use crate::cluster::Broker;
use crate::config::{DatabaseLocation, Seed, ServerConfig};
use crate::fanout::{Fanout, InProcessFanout};
use crate::limits::Limits;
use crate::realtime::Controls;
use crate::seed;
use crate::store::{Db, EventLog, StoreError};

/// Events a live subscriber may fall behind before it catches up from the log.
const FANOUT_CAPACITY: usize = 4_096;

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Arc<ServerConfig>,
    db: Arc<Db>,
    fanout: Arc<dyn Fanout>,
    controls: Arc<Controls>,
    limits: Limits,
    shutdown: watch::Receiver<bool>,
    restart: Option<tokio::sync::mpsc::UnboundedSender<u64>>,
}

impl AppState {
    /// Opens the database (seeding a new one as configured) and wires the parts together.
    pub async fn open(
        config: Arc<ServerConfig>,
        shutdown: watch::Receiver<bool>,
        restart: Option<tokio::sync::mpsc::UnboundedSender<u64>>,
    ) -> Result<Self, crate::StartError> {
        let controls = Arc::new(Controls::default());
        let (fanout, cluster): (Arc<dyn Fanout>, _) = match &config.broker {
            None => (Arc::new(InProcessFanout::new(FANOUT_CAPACITY)), None),
            Some(url) => {
                if !matches!(config.database, DatabaseLocation::Postgres(_)) {
                    return Err(crate::StartError::Cluster(
                        "a broker joins nodes that share one PostgreSQL database; give a postgres:// database".into(),
                    ));
                }
                let broker = Broker::connect(url)
                    .await
                    .map_err(|err| crate::StartError::Cluster(err.to_string()))?;
                let fanout = Arc::new(broker.fanout(FANOUT_CAPACITY, shutdown.clone()));
                (fanout.clone() as Arc<dyn Fanout>, Some((broker, fanout)))
            }
        };
        let db = {
            let (config, fanout, controls) = (config.clone(), fanout.clone(), controls.clone());
            let clustered = cluster.is_some();
            tokio::task::spawn_blocking(move || -> Result<(Db, Option<String>), StoreError> {
                let (db, created) =
                    Db::open(&config.database, fanout, controls, config.event_window)?;
                if created && config.seed != Seed::None {
                    seed::apply(&db, config.seed)
                        .map_err(|err| StoreError::Task(err.body.message))?;
                }
                let cluster_id = match clustered {
                    true => Some(
                        db.cluster_id()
                            .map_err(|err| StoreError::Task(err.body.message))?,
                    ),
                    false => None,
                };
                Ok((db, cluster_id))
            })
            .await
            .map_err(|err| StoreError::Task(err.to_string()))??
        };
        let (db, cluster_id) = db;
        let db = Arc::new(db);
        let mut nodes = None;
        if let (Some((broker, fanout)), Some(cluster_id)) = (cluster, cluster_id) {
            let log: Arc<dyn EventLog> = db.clone();
            fanout.attach(Arc::downgrade(&log), cluster_id.clone());
            broker
                .relay_controls(Arc::clone(&controls), &cluster_id, shutdown.clone())
                .await
                .map_err(|err| crate::StartError::Cluster(err.to_string()))?;
            nodes = Some(
                broker
                    .track_nodes(&cluster_id, shutdown.clone())
                    .await
                    .map_err(|err| crate::StartError::Cluster(err.to_string()))?,
            );
            tracing::info!(
                node = broker.node(),
                cluster = cluster_id,
                "joined the cluster"
            );
        }
        let state = AppState(Arc::new(Inner {
            limits: Limits::new(config.api_rate_per_sec),
            config,
            db,
            fanout,
            controls,
            shutdown,
            restart,
        }));
        if let Some(mut nodes) = nodes {
            // Each node allows its share of every user's rate (see `limits`).
            let shared = state.clone();
            tokio::spawn(async move {
                while nodes.changed().await.is_ok() {
                    let count = *nodes.borrow();
                    tracing::info!(nodes = count, "nodes serving the cluster");
                    shared.0.limits.set_nodes(count);
                }
            });
        }
        Ok(state)
    }

    /// The configuration it was started with.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    /// The database.
    pub fn db(&self) -> &Arc<Db> {
        &self.0.db
    }

    /// The read side of the event log.
    pub fn log(&self) -> Arc<dyn EventLog> {
        self.0.db.clone()
    }

    /// Live delivery of committed events.
    pub fn fanout(&self) -> &Arc<dyn Fanout> {
        &self.0.fanout
    }

    /// The registry of open realtime connections.
    pub fn controls(&self) -> &Arc<Controls> {
        &self.0.controls
    }

    /// Becomes `true` when the server shuts down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.0.shutdown.clone()
    }

    /// Asks the process to restart after `down_ms` (test control); `false` when not enabled.
    pub fn request_restart(&self, down_ms: u64) -> bool {
        self.0
            .restart
            .as_ref()
            .is_some_and(|tx| tx.send(down_ms).is_ok())
    }

    /// Charges one REST request to `user_id`; `false` when over the rate.
    pub fn allow_request(&self, user_id: &str) -> bool {
        self.0.limits.allow_request(user_id)
    }

    /// Charges one login attempt to `username`; `false` when over the rate.
    pub fn allow_login(&self, username: &str) -> bool {
        self.0.limits.allow_login(username)
    }

    /// How many nodes serve this node's cluster (1 without one), as last counted.
    pub fn nodes(&self) -> usize {
        self.0.limits.nodes()
    }
}
