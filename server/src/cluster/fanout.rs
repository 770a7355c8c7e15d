//! [`Fanout`] across nodes: committed events go out on NATS, and each node follows only the
//! topics its own connections hold.
//!
//! Delivery to a node's connections may come out of order or with a hole (another node's event
//! overtook, NATS dropped one while reconnecting); every connection's feed already turns a hole
//! into a catch-up from the log and drops what it has sent (see `realtime/feed.rs`). What this
//! adds for the case where no later event reveals the hole: every [`CHECK_EVERY`], and at once
//! when NATS reconnects, the node compares the log's head of each topic it follows with the last
//! `seq` it delivered and delivers what it missed from the log. A hole is only ever read, never
//! waited for: a topic's `seq` is handed out inside the committing transaction, under a row lock
//! held to its commit, so when `seq` n is published everything up to n is committed.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use tokio::sync::{broadcast, mpsc, watch, Notify};
use tokio::task::JoinHandle;
use tokio_stream::StreamExt;

use super::wire;
use crate::fanout::{Fanout, InProcessFanout, StoredEvent};
use crate::store::{EventLog, Replay};

/// How often a node compares the topics it follows with the log.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// How long a subscription waits for the broker to confirm the node follows its topic before
/// it reads the log anyway (the next check covers what that lets through).
const LIVE_PATIENCE: Duration = Duration::from_secs(2);

/// Events published on NATS, and events followed from it.
pub struct ClusterFanout {
    shared: Arc<Shared>,
}

struct Shared {
    node: String,
    local: InProcessFanout,
    nats: async_nats::Client,
    outbound: mpsc::UnboundedSender<(String, Bytes)>,
    followed: Mutex<HashMap<String, Followed>>,
    attached: OnceLock<Attached>,
}

/// What the fanout learns once the database is open.
struct Attached {
    log: Weak<dyn EventLog>,
    cluster: String,
}

/// A topic this node follows.
struct Followed {
    /// The highest `seq` delivered here.
    seen: u64,
    /// Becomes true once the broker delivers this topic's events to this node.
    live: watch::Receiver<bool>,
    task: JoinHandle<()>,
}

impl ClusterFanout {
    /// A fanout over `nats` for node `node`, whose subscribers may fall `capacity` events
    /// behind. Its tasks stop when `shutdown` turns true; `reconnected` is notified by the NATS
    /// connection each time it is (re)established.
    pub fn start(
        nats: async_nats::Client,
        node: String,
        capacity: usize,
        reconnected: Arc<Notify>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let (outbound, queue) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            node,
            local: InProcessFanout::new(capacity),
            nats,
            outbound,
            followed: Mutex::new(HashMap::new()),
            attached: OnceLock::new(),
        });
        tokio::spawn(publish(shared.nats.clone(), queue, shutdown.clone()));
        tokio::spawn(check(Arc::clone(&shared), reconnected, shutdown));
        ClusterFanout { shared }
    }

    /// Where missed events are read from (the database, opened after the fanout) and the
    /// cluster's id in it. Until then events are delivered on this node only (a seed's), and the
    /// other nodes read them from the log.
    pub fn attach(&self, log: Weak<dyn EventLog>, cluster: String) {
        let _ = self.shared.attached.set(Attached { log, cluster });
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Followed>> {
        self.followed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn log(&self) -> Option<Arc<dyn EventLog>> {
        self.attached
            .get()
            .and_then(|attached| attached.log.upgrade())
    }

    fn note_seen(&self, topic: &str, seq: u64) {
        if let Some(followed) = self.lock().get_mut(topic) {
            followed.seen = followed.seen.max(seq);
        }
    }

    fn deliver(&self, event: Arc<StoredEvent>) {
        self.note_seen(&event.topic, event.seq);
        self.local.publish(event);
    }
}

/// Sends committed events to NATS in commit order.
async fn publish(
    nats: async_nats::Client,
    mut queue: mpsc::UnboundedReceiver<(String, Bytes)>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            next = queue.recv() => {
                let Some((subject, payload)) = next else { return };
                if let Err(err) = nats.publish(subject, payload).await {
                    // Other nodes read it from the log at their next check.
                    tracing::warn!(%err, "an event did not reach NATS");
                }
            }
            _ = super::stopped(&mut shutdown) => return,
        }
    }
}

/// Follows one topic on NATS for as long as this node's connections hold it.
async fn follow(shared: Arc<Shared>, topic: String, live: watch::Sender<bool>) {
    let Some(cluster) = shared.attached.get().map(|a| a.cluster.clone()) else {
        let _ = live.send(true);
        return;
    };
    let subscription = shared
        .nats
        .subscribe(wire::event_subject(&cluster, &topic))
        .await;
    // Once the broker has the subscription, whatever is published from now on arrives: the
    // head read after that is where this node's delivery starts.
    let flushed = shared.nats.flush().await;
    if flushed.is_ok() {
        if let Some(log) = shared.log() {
            let name = topic.clone();
            if let Ok(Ok(head)) = tokio::task::spawn_blocking(move || log.head(&name)).await {
                shared.note_seen(&topic, head);
            }
        }
    }
    let _ = live.send(true);
    let Ok(mut subscription) = subscription else {
        tracing::warn!(
            topic,
            "could not follow a topic on NATS; the log checks cover it"
        );
        return;
    };
    while let Some(message) = subscription.next().await {
        let Some(event) = wire::decode_event(&message.payload) else {
            tracing::warn!(topic, "a message on an event subject is not an event");
            continue;
        };
        if event.node == shared.node {
            continue;
        }
        shared.deliver(Arc::new(StoredEvent {
            topic: topic.clone(),
            seq: event.seq,
            frame: Utf8Bytes::from(event.frame),
        }));
    }
}

/// Every [`CHECK_EVERY`] and after each reconnect: stops following topics no connection holds,
/// and delivers from the log what the followed ones missed.
async fn check(shared: Arc<Shared>, reconnected: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(CHECK_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = reconnected.notified() => {}
            _ = super::stopped(&mut shutdown) => {
                for (_, followed) in shared.lock().drain() {
                    followed.task.abort();
                }
                return;
            }
        }
        let positions: Vec<(String, u64)> = {
            let mut followed = shared.lock();
            followed.retain(|topic, entry| {
                let keep = shared.local.has_subscribers(topic);
                if !keep {
                    entry.task.abort();
                }
                keep
            });
            followed
                .iter()
                .filter(|(_, entry)| *entry.live.borrow())
                .map(|(topic, entry)| (topic.clone(), entry.seen))
                .collect()
        };
        if positions.is_empty() {
            continue;
        }
        let Some(log) = shared.log() else { continue };
        let missed = tokio::task::spawn_blocking(move || missed_events(log.as_ref(), positions))
            .await
            .unwrap_or_default();
        for (topic, replay) in missed {
            match replay {
                Replay::Events { events, .. } => {
                    for event in events {
                        shared.deliver(Arc::new(event));
                    }
                }
                // Older than the log keeps: the connections' feeds meet the hole at the next
                // event and tell their clients to resync.
                Replay::TooOld { head } => shared.note_seen(&topic, head),
            }
        }
    }
}

/// What the log holds past each position, for the topics it holds more of.
fn missed_events(log: &dyn EventLog, positions: Vec<(String, u64)>) -> Vec<(String, Replay)> {
    let topics: Vec<String> = positions.iter().map(|(topic, _)| topic.clone()).collect();
    let heads = match log.heads(&topics) {
        Ok(heads) => heads,
        Err(err) => {
            tracing::warn!(%err, "could not read the log's heads");
            return Vec::new();
        }
    };
    positions
        .into_iter()
        .zip(heads)
        .filter(|((_, seen), head)| head > seen)
        .filter_map(|((topic, seen), _)| match log.replay(&topic, seen) {
            Ok(replay) => Some((topic, replay)),
            Err(err) => {
                tracing::warn!(%err, topic, "could not read missed events");
                None
            }
        })
        .collect()
}

impl Fanout for ClusterFanout {
    fn publish(&self, event: Arc<StoredEvent>) {
        let outgoing = self.shared.attached.get().map(|attached| {
            (
                wire::event_subject(&attached.cluster, &event.topic),
                wire::encode_event(&self.shared.node, event.seq, event.frame.as_str()),
            )
        });
        self.shared.deliver(event);
        if let Some(outgoing) = outgoing {
            let _ = self.shared.outbound.send(outgoing);
        }
    }

    fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<StoredEvent>> {
        let receiver = self.shared.local.subscribe(topic);
        let mut followed = self.shared.lock();
        if !followed.contains_key(topic) {
            let (live_tx, live) = watch::channel(false);
            let task = tokio::spawn(follow(Arc::clone(&self.shared), topic.to_owned(), live_tx));
            followed.insert(
                topic.to_owned(),
                Followed {
                    seen: 0,
                    live,
                    task,
                },
            );
        }
        receiver
    }

    fn until_live(&self, topic: &str) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let live = self
            .shared
            .lock()
            .get(topic)
            .map(|entry| entry.live.clone());
        Box::pin(async move {
            if let Some(mut live) = live {
                let _ = tokio::time::timeout(LIVE_PATIENCE, live.wait_for(|live| *live)).await;
            }
        })
    }
}
