//! One outbox shared by the tabs of a browser: they queue into the same storage, one of them
//! (the leader, see [`crate::tabs`]) sends, and every tab shows what waits.

use std::collections::HashSet;
use std::sync::Arc;

use super::super::keys;
use super::super::outbox::OutboxItem;
use super::Persistence;

impl Persistence {
    /// Whether this page sends the outbox (`true`, the default: a page alone, or the leader of
    /// its tabs) or only queues into the shared storage for the leader to send (`false`, a
    /// follower). Turning it on sends what waits.
    pub fn set_replaying(&self, replaying: bool) {
        let pending = {
            let mut st = self.lock();
            st.follower = !replaying;
            st.outbox.has_pending()
        };
        self.publish();
        if replaying && pending {
            self.spawn_sync();
        }
    }

    /// Calls `announce` whenever this page changed the outbox in storage (queued, sent,
    /// resolved or dropped an item), so that the other tabs can look again
    /// ([`Persistence::reconcile_outbox`]).
    pub fn on_outbox_change(&self, announce: impl Fn() + Send + Sync + 'static) {
        *self
            .inner
            .announce
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(announce));
    }

    pub(super) fn announce(&self) {
        let announce = self
            .inner
            .announce
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(announce) = announce {
            announce();
        }
    }

    /// Brings this page's outbox in line with the shared storage, where other tabs of the
    /// browser queue too: items queued elsewhere are taken in (with their optimistic changes
    /// shown here); in a follower, items another tab sent are dropped (the leader's relay
    /// brings the confirmed entities) and the others take the state stored for them (a
    /// conflict shows in every tab). A sending page then sends what it took in.
    pub async fn reconcile_outbox(&self) {
        let (storage, user) = {
            let st = self.lock();
            (st.storage.clone(), st.user.clone())
        };
        let (Some(storage), Some(user)) = (storage, user) else {
            return;
        };
        let Ok(entries) = storage.read_prefix(&keys::outbox(&user)).await else {
            return;
        };
        let stored: Vec<OutboxItem> = entries
            .iter()
            .filter_map(|(_, value)| serde_json::from_str(value).ok())
            .collect();
        let present: HashSet<u64> = stored.iter().map(|i| i.seq).collect();
        let (adopted, gone, follower) = {
            let mut st = self.lock();
            if st.user.as_deref() != Some(user.as_str()) {
                return;
            }
            let follower = st.follower;
            let mut adopted = Vec::new();
            for item in stored {
                st.stored.insert(item.seq);
                if st.settled.contains(&item.seq) {
                    continue;
                }
                match st.outbox.get_mut(item.seq) {
                    Some(mine) if follower => *mine = item,
                    Some(_) => {}
                    None => {
                        if st.outbox.adopt(item.clone()) {
                            adopted.push(item);
                        }
                    }
                }
            }
            let mut gone = Vec::new();
            if follower {
                let seqs: Vec<u64> = st
                    .outbox
                    .items()
                    .iter()
                    .map(|i| i.seq)
                    .filter(|seq| st.stored.contains(seq) && !present.contains(seq))
                    .collect();
                for seq in seqs {
                    let mutation = st.mutations.remove(&seq);
                    if let Some(item) = st.outbox.remove(seq) {
                        gone.push((item, mutation));
                    }
                }
            }
            (adopted, gone, follower)
        };
        for item in adopted {
            if let Some(store) = self.store(&item.kind) {
                if let Some(mutation) = store.restore_overlay(item.op, &item.id, &item.body) {
                    self.lock().mutations.insert(item.seq, mutation);
                }
            }
        }
        for (item, mutation) in gone {
            if let (Some(store), Some(mutation)) = (self.store(&item.kind), mutation) {
                store.release(&item.id, mutation);
            }
        }
        self.publish();
        if !follower && self.lock().outbox.has_pending() {
            self.spawn_sync();
        }
    }
}
