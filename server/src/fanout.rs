//! Delivery of committed events to the realtime connections of this node.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::broadcast;

/// An event as committed to the log: its topic, its position and its wire text, serialized once
/// and shared by every connection that delivers it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    /// The topic, e.g. `team:team_1`.
    pub topic: String,
    /// Position in the topic.
    pub seq: u64,
    /// The complete `{"type":"event",…}` frame.
    pub frame: Utf8Bytes,
}

/// Hands committed events to live subscribers. Implementations must deliver the events of one
/// topic in `seq` order; a subscriber that falls behind sees a lag error and catches up from the
/// event log, so delivery may be lossy but never reordered.
///
/// The in-process implementation serves one node; a multi-node deployment implements this over
/// its stream engine (for example a NATS subject or a Redis stream per topic).
pub trait Fanout: Send + Sync + 'static {
    /// Delivers `event` to the current subscribers of its topic.
    fn publish(&self, event: Arc<StoredEvent>);
    /// Starts receiving every event published on `topic` from now on.
    fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<StoredEvent>>;
    /// Resolves once events published on `topic` by any node reach this node's receivers (a
    /// subscriber reads the log after it, so nothing falls between). At once within a process.
    fn until_live(&self, topic: &str) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let _ = topic;
        Box::pin(std::future::ready(()))
    }
}

/// [`Fanout`] within one process: a bounded broadcast channel per topic.
pub struct InProcessFanout {
    capacity: usize,
    topics: Mutex<HashMap<String, broadcast::Sender<Arc<StoredEvent>>>>,
}

impl InProcessFanout {
    /// A fanout whose subscribers may fall `capacity` events behind before they lag.
    pub fn new(capacity: usize) -> Self {
        InProcessFanout {
            capacity,
            topics: Mutex::new(HashMap::new()),
        }
    }
}

impl InProcessFanout {
    /// Whether anything here still receives `topic`.
    pub fn has_subscribers(&self, topic: &str) -> bool {
        self.topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(topic)
            .is_some_and(|sender| sender.receiver_count() > 0)
    }
}

impl Fanout for InProcessFanout {
    fn publish(&self, event: Arc<StoredEvent>) {
        let mut topics = self
            .topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sender) = topics.get(&event.topic) {
            if sender.receiver_count() == 0 {
                topics.remove(&event.topic);
            } else {
                let _ = sender.send(event);
            }
        }
    }

    fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<StoredEvent>> {
        let mut topics = self
            .topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        topics
            .entry(topic.to_owned())
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(topic: &str, seq: u64) -> Arc<StoredEvent> {
        Arc::new(StoredEvent {
            topic: topic.into(),
            seq,
            frame: Utf8Bytes::from(format!("{seq}")),
        })
    }

    #[tokio::test]
    async fn delivers_only_the_subscribed_topic_in_order() {
        let fanout = InProcessFanout::new(16);
        let mut rx = fanout.subscribe("team:a");
        fanout.publish(event("team:a", 1));
        fanout.publish(event("team:b", 1));
        fanout.publish(event("team:a", 2));
        assert_eq!(rx.recv().await.unwrap().seq, 1);
        assert_eq!(rx.recv().await.unwrap().seq, 2);
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_slow_subscriber_learns_it_lagged() {
        let fanout = InProcessFanout::new(2);
        let mut rx = fanout.subscribe("team:a");
        for seq in 1..=5 {
            fanout.publish(event("team:a", seq));
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
    }
}
