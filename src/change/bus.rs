use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::Change;

type Listener<A> = Arc<dyn Fn(&A) + Send + Sync>;

/// The listeners of one kind of announcement (the farm's changes, a store's changed rows):
/// called in the order they subscribed, outside the lock, until their [`Subscription`] drops.
pub(crate) struct Listeners<A: ?Sized + 'static> {
    next: AtomicU64,
    /// How many there are, read without the lock (a store asks on every row change).
    count: AtomicUsize,
    all: Mutex<Vec<(u64, Listener<A>)>>,
}

impl<A: ?Sized + 'static> Default for Listeners<A> {
    fn default() -> Self {
        Listeners {
            next: AtomicU64::new(0),
            count: AtomicUsize::new(0),
            all: Mutex::new(Vec::new()),
        }
    }
}

impl<A: ?Sized + 'static> Listeners<A> {
    /// Calls `listener` for every announcement from now on.
    pub(crate) fn subscribe(
        self: &Arc<Self>,
        listener: impl Fn(&A) + Send + Sync + 'static,
    ) -> Subscription {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        all.push((id, Arc::new(listener)));
        self.count.store(all.len(), Ordering::Relaxed);
        let listeners: Weak<dyn Unsubscribe> = Arc::downgrade(self) as Weak<Self>;
        Subscription { id, listeners }
    }

    /// Whether anyone listens (a store collects changed rows only then).
    #[cfg(any(test, all(target_arch = "wasm32", feature = "components")))]
    pub(crate) fn any(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Delivers `value` to every listener.
    pub(crate) fn emit(&self, value: &A) {
        // Listeners may subscribe, unsubscribe or emit themselves: call them without the lock.
        let listeners: Vec<Listener<A>> = self
            .all
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        for listener in listeners {
            listener(value);
        }
    }
}

/// What a [`Subscription`] needs of its listeners, whatever they listen to.
trait Unsubscribe: Send + Sync {
    fn unsubscribe(&self, id: u64);
}

impl<A: ?Sized + 'static> Unsubscribe for Listeners<A> {
    fn unsubscribe(&self, id: u64) {
        let mut all = self.all.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|(listener, _)| *listener != id);
        self.count.store(all.len(), Ordering::Relaxed);
    }
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
    listeners: Arc<Listeners<Change>>,
}

/// Keeps a subscription alive; dropping it unsubscribes.
#[must_use = "dropping the subscription unsubscribes at once"]
pub struct Subscription {
    id: u64,
    listeners: Weak<dyn Unsubscribe>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(listeners) = self.listeners.upgrade() {
            listeners.unsubscribe(self.id);
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
        self.listeners.subscribe(listener)
    }

    /// Delivers `change` to every subscriber.
    pub fn emit(&self, change: &Change) {
        self.listeners.emit(change);
    }
}
