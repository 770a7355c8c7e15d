//! Several server nodes behind one address: state and the event log in one PostgreSQL database,
//! committed events and session controls carried between nodes by NATS.
//!
//! What holds, and why:
//! - **A change and its event commit together**, in one PostgreSQL transaction, and a topic's
//!   `seq` is assigned inside it under a row lock held to the commit: no gap, no reuse, commit
//!   order, whichever node writes.
//! - **Resuming with `since` reads PostgreSQL**, never NATS. The log in PostgreSQL is the one
//!   written in the change's transaction, so it holds an event exactly when its change exists
//!   and answers `head` consistently with what a client fetched. A stream in the broker would be
//!   a second copy, filled after the commit, that can lag behind or lose the tail when a node
//!   dies between commit and publish.
//! - **NATS carries live delivery only** (core subjects, one per topic, followed by a node
//!   while its connections hold the topic). What it drops or delivers late is read from the
//!   log: see [`fanout`].
//! - **Controls** (revocations, closed sessions) go to every node on one subject, so signing out
//!   through node A closes the session's sockets on node B.
//! - **Rate limits** are shared: nodes count each other on a presence subject, and each allows
//!   1/N of every per-user rate (the balancer spreads a user's requests over the nodes).
//! - **The work runner runs on one node at a time**, the holder of a PostgreSQL advisory lock;
//!   when that node dies its connection and the lock go, and another node takes over.

mod fanout;
mod wire;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Notify};
use tokio_stream::StreamExt;

use crate::realtime::{Controls, Notice};

pub use fanout::ClusterFanout;

/// How often a node tells the others it is up.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(1);

/// Resolves when `shutdown` turns true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// A connection to the NATS broker, and this node's name in it.
pub struct Broker {
    client: async_nats::Client,
    node: String,
    reconnected: Arc<Notify>,
}

/// The broker could not be reached at start.
#[derive(Debug, thiserror::Error)]
#[error("broker {url}: {source}")]
pub struct BrokerError {
    url: String,
    source: async_nats::ConnectError,
}

impl Broker {
    /// Connects to NATS at `url` (`nats://host:port`). Once connected, a lost connection is
    /// retried for as long as the node runs.
    pub async fn connect(url: &str) -> Result<Self, BrokerError> {
        let node = {
            use rand::RngCore;
            format!("{}-{:08x}", std::process::id(), rand::rng().next_u32())
        };
        let reconnected = Arc::new(Notify::new());
        let notify = Arc::clone(&reconnected);
        let client = async_nats::ConnectOptions::new()
            .name(format!("data-farm-server {node}"))
            .max_reconnects(None)
            .event_callback(move |event| {
                let notify = Arc::clone(&notify);
                async move {
                    match event {
                        async_nats::Event::Connected => {
                            tracing::info!("connected to NATS");
                            notify.notify_one();
                        }
                        other => tracing::warn!(event = %other, "NATS"),
                    }
                }
            })
            .connect(url)
            .await
            .map_err(|source| BrokerError {
                url: url.to_owned(),
                source,
            })?;
        Ok(Broker {
            client,
            node,
            reconnected,
        })
    }

    /// This node's name in the cluster.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The fanout for this node (see [`ClusterFanout`]).
    pub fn fanout(&self, capacity: usize, shutdown: watch::Receiver<bool>) -> ClusterFanout {
        ClusterFanout::start(
            self.client.clone(),
            self.node.clone(),
            capacity,
            Arc::clone(&self.reconnected),
            shutdown,
        )
    }

    /// Counts the nodes of `cluster` that are up: every node says so on the presence subject
    /// every [`PRESENCE_EVERY`], and one unheard of for three times that is gone. The count
    /// includes this node; it changes on the returned receiver until `shutdown`.
    pub async fn track_nodes(
        &self,
        cluster: &str,
        shutdown: watch::Receiver<bool>,
    ) -> Result<watch::Receiver<usize>, async_nats::SubscribeError> {
        let subject = wire::presence_subject(cluster);
        let mut heard = self.client.subscribe(subject.clone()).await?;
        let (count_tx, count) = watch::channel(1);
        let (client, node) = (self.client.clone(), self.node.clone());
        let mut stop = shutdown;
        tokio::spawn(async move {
            let mut seen: HashMap<String, Instant> = HashMap::new();
            let mut ticker = tokio::time::interval(PRESENCE_EVERY);
            loop {
                tokio::select! {
                    _ = ticker.tick() => {
                        let _ = client.publish(subject.clone(), node.clone().into()).await;
                    }
                    next = heard.next() => {
                        let Some(message) = next else { return };
                        if let Ok(from) = std::str::from_utf8(&message.payload) {
                            if from != node {
                                seen.insert(from.to_owned(), Instant::now());
                            }
                        }
                    }
                    _ = stopped(&mut stop) => return,
                }
                seen.retain(|_, at| at.elapsed() < PRESENCE_EVERY * 3);
                count_tx.send_if_modified(|count| {
                    let now = seen.len() + 1;
                    std::mem::replace(count, now) != now
                });
            }
        });
        Ok(count)
    }

    /// Sends `controls`' revocations and closed sessions to the other nodes of `cluster`, and
    /// applies theirs here, until `shutdown`.
    pub async fn relay_controls(
        &self,
        controls: Arc<Controls>,
        cluster: &str,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), async_nats::SubscribeError> {
        let subject = wire::control_subject(cluster);
        let mut incoming = self.client.subscribe(subject.clone()).await?;
        let (tx, mut outgoing) = mpsc::unbounded_channel::<Notice>();
        controls.relay_to(tx);
        let (client, node) = (self.client.clone(), self.node.clone());
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    next = outgoing.recv() => {
                        let Some(notice) = next else { return };
                        let payload = wire::encode_notice(&node, &notice);
                        if let Err(err) = client.publish(subject.clone(), payload).await {
                            tracing::warn!(%err, ?notice, "a control did not reach NATS");
                        }
                    }
                    _ = stopped(&mut stop) => return,
                }
            }
        });
        let node = self.node.clone();
        let mut stop = shutdown;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    next = incoming.next() => {
                        let Some(message) = next else { return };
                        match wire::decode_notice(&message.payload) {
                            Some((from, notice)) if from != node => controls.apply(&notice),
                            Some(_) => {}
                            None => tracing::warn!("a message on the control subject is not a control"),
                        }
                    }
                    _ = stopped(&mut stop) => return,
                }
            }
        });
        Ok(())
    }
}
