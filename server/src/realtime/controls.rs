//! The registry of open realtime connections, so that a membership change or a logout reaches
//! the connections it concerns at once: on this node directly, on the others through the relay
//! a cluster sets ([`Controls::relay_to`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use data_farm_protocol::Topic;
use tokio::sync::mpsc;

/// An instruction to one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// The user lost access to this topic.
    Revoke(Topic),
    /// The session ended: close the connection.
    Close,
}

struct Registration {
    conn_id: u64,
    session_id: String,
    tx: mpsc::UnboundedSender<Control>,
}

/// A control to pass on to the other nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `user`'s connections lost `topic`.
    Revoke {
        /// The user.
        user: String,
        /// The topic.
        topic: Topic,
    },
    /// The session ended: its connections close.
    CloseSession(String),
}

/// Open connections by user.
#[derive(Default)]
pub struct Controls {
    next_id: AtomicU64,
    by_user: Mutex<HashMap<String, Vec<Registration>>>,
    relay: OnceLock<mpsc::UnboundedSender<Notice>>,
}

/// A connection's end of the registry; dropping it unregisters the connection.
pub struct ControlHandle {
    conn_id: u64,
    user_id: String,
    controls: Arc<Controls>,
    rx: mpsc::UnboundedReceiver<Control>,
}

impl ControlHandle {
    /// The next instruction; `None` never happens while the registry lives.
    pub async fn recv(&mut self) -> Option<Control> {
        self.rx.recv().await
    }
}

impl Drop for ControlHandle {
    fn drop(&mut self) {
        let mut by_user = self
            .controls
            .by_user
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(list) = by_user.get_mut(&self.user_id) {
            list.retain(|r| r.conn_id != self.conn_id);
            if list.is_empty() {
                by_user.remove(&self.user_id);
            }
        }
    }
}

impl Controls {
    /// Registers a connection of `user_id` opened with `session_id`.
    pub fn register(self: &Arc<Self>, user_id: &str, session_id: &str) -> ControlHandle {
        let conn_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        self.by_user
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(user_id.to_owned())
            .or_default()
            .push(Registration {
                conn_id,
                session_id: session_id.to_owned(),
                tx,
            });
        ControlHandle {
            conn_id,
            user_id: user_id.to_owned(),
            controls: Arc::clone(self),
            rx,
        }
    }

    /// From now on, every revocation and closed session is also sent to `relay` (the other
    /// nodes of a cluster). Set once.
    pub fn relay_to(&self, relay: mpsc::UnboundedSender<Notice>) {
        let _ = self.relay.set(relay);
    }

    fn relay(&self, notice: Notice) {
        if let Some(relay) = self.relay.get() {
            let _ = relay.send(notice);
        }
    }

    /// Tells every connection of `user_id`, on every node, that it lost `topic`.
    pub fn revoke(&self, user_id: &str, topic: &Topic) {
        self.revoke_here(user_id, topic);
        self.relay(Notice::Revoke {
            user: user_id.to_owned(),
            topic: topic.clone(),
        });
    }

    /// Closes every connection opened with `session_id`, on every node.
    pub fn close_session(&self, session_id: &str) {
        self.close_session_here(session_id);
        self.relay(Notice::CloseSession(session_id.to_owned()));
    }

    /// Applies a notice another node relayed, to this node's connections only.
    pub fn apply(&self, notice: &Notice) {
        match notice {
            Notice::Revoke { user, topic } => self.revoke_here(user, topic),
            Notice::CloseSession(session_id) => self.close_session_here(session_id),
        }
    }

    fn revoke_here(&self, user_id: &str, topic: &Topic) {
        let by_user = self.by_user.lock().unwrap_or_else(|p| p.into_inner());
        for registration in by_user.get(user_id).into_iter().flatten() {
            let _ = registration.tx.send(Control::Revoke(topic.clone()));
        }
    }

    fn close_session_here(&self, session_id: &str) {
        let by_user = self.by_user.lock().unwrap_or_else(|p| p.into_inner());
        for registration in by_user
            .values()
            .flatten()
            .filter(|r| r.session_id == session_id)
        {
            let _ = registration.tx.send(Control::Close);
        }
    }

    /// How many realtime connections are open.
    pub fn connection_count(&self) -> usize {
        self.by_user
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(Vec::len)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn revocations_reach_only_that_users_connections() {
        let controls = Arc::new(Controls::default());
        let mut alice = controls.register("alice", "s1");
        let mut bob = controls.register("bob", "s2");
        controls.revoke("alice", &Topic::Team("t1".into()));
        assert_eq!(
            alice.recv().await,
            Some(Control::Revoke(Topic::Team("t1".into())))
        );
        assert!(bob.rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn logout_closes_only_that_sessions_connections() {
        let controls = Arc::new(Controls::default());
        let mut tab = controls.register("alice", "s1");
        let mut phone = controls.register("alice", "s2");
        controls.close_session("s1");
        assert_eq!(tab.recv().await, Some(Control::Close));
        assert!(phone.rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn controls_are_relayed_and_relayed_ones_stay_here() {
        let controls = Arc::new(Controls::default());
        let (tx, mut relayed) = mpsc::unbounded_channel();
        controls.relay_to(tx);
        let mut tab = controls.register("alice", "s1");
        controls.close_session("s1");
        assert_eq!(tab.recv().await, Some(Control::Close));
        assert_eq!(
            relayed.recv().await,
            Some(Notice::CloseSession("s1".into()))
        );
        let notice = Notice::Revoke {
            user: "alice".into(),
            topic: Topic::Team("t1".into()),
        };
        controls.apply(&notice);
        assert_eq!(
            tab.recv().await,
            Some(Control::Revoke(Topic::Team("t1".into())))
        );
        assert!(
            relayed.try_recv().is_err(),
            "an applied notice is not relayed again"
        );
    }

    #[test]
    fn dropping_a_handle_unregisters_it() {
        let controls = Arc::new(Controls::default());
        let handle = controls.register("alice", "s1");
        assert_eq!(controls.connection_count(), 1);
        drop(handle);
        assert_eq!(controls.connection_count(), 0);
    }
}
