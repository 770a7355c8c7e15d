//! The registry of open realtime connections, so that a membership change or a logout reaches
//! the connections it concerns at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// Open connections by user.
#[derive(Default)]
pub struct Controls {
    next_id: AtomicU64,
    by_user: Mutex<HashMap<String, Vec<Registration>>>,
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

    /// Tells every connection of `user_id` that it lost `topic`.
    pub fn revoke(&self, user_id: &str, topic: &Topic) {
        let by_user = self.by_user.lock().unwrap_or_else(|p| p.into_inner());
        for registration in by_user.get(user_id).into_iter().flatten() {
            let _ = registration.tx.send(Control::Revoke(topic.clone()));
        }
    }

    /// Closes every connection opened with `session_id`.
    pub fn close_session(&self, session_id: &str) {
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

    #[test]
    fn dropping_a_handle_unregisters_it() {
        let controls = Arc::new(Controls::default());
        let handle = controls.register("alice", "s1");
        assert_eq!(controls.connection_count(), 1);
        drop(handle);
        assert_eq!(controls.connection_count(), 0);
    }
}
