use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::Change;

type Listener = Arc<dyn Fn(&Change) + Send + Sync>;

#[derive(Default)]
struct Listeners {
    next: AtomicU64,
    all: Mutex<Vec<(u64, Listener)>>,
}

/// Delivers every [`Change`] to its subscribers, in order. Cheap to clone; clones share subscribers.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use data_farm::change::{Change, ChangeBus, ChangeOp, Origin};
///
/// let bus = ChangeBus::default();
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// let subscription = bus.subscribe(move |change| sink.lock().unwrap().push(change.id.clone()));
/// bus.emit(&Change { kind: "device", op: ChangeOp::Created, id: "dev_1".into(), team_id: None, origin: Origin::Local });
/// drop(subscription);
/// bus.emit(&Change { kind: "device", op: ChangeOp::Deleted, id: "dev_1".into(), team_id: None, origin: Origin::Local });
/// assert_eq!(*seen.lock().unwrap(), vec!["dev_1".to_string()]);
/// ```
#[derive(Clone, Default)]
pub struct ChangeBus {
    listeners: Arc<Listeners>,
}

/// Keeps a subscription alive; dropping it unsubscribes.
#[must_use = "dropping the subscription unsubscribes at once"]
pub struct Subscription {
    id: u64,
    listeners: std::sync::Weak<Listeners>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(listeners) = self.listeners.upgrade() {
            listeners
                .all
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|(id, _)| *id != self.id);
        }
    }
}

impl Subscription {
    /// Keeps the subscription for the life of the program.
    pub fn forever(self) {
        std::mem::forget(self);
    }
}

impl ChangeBus {
    /// Calls `listener` for every change from now on.
    pub fn subscribe(&self, listener: impl Fn(&Change) + Send + Sync + 'static) -> Subscription {
        let id = self.listeners.next.fetch_add(1, Ordering::Relaxed);
        self.listeners
            .all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, Arc::new(listener)));
        Subscription {
            id,
            listeners: Arc::downgrade(&self.listeners),
        }
    }

    /// Delivers `change` to every subscriber.
    pub fn emit(&self, change: &Change) {
        // Listeners may subscribe or emit themselves: call them without holding the lock.
        let listeners: Vec<Listener> = self
            .listeners
            .all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        for listener in listeners {
            listener(change);
        }
    }
}
