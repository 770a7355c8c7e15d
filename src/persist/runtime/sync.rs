//! The outbox's way to the server: going offline and back, sending what waits in order,
//! settling each answer (done, conflict, failure), and the user's resolve / retry / discard.

use super::*;

impl Persistence {
    /// Whether the page is offline (the browser says so, or the server could not be reached).
    pub fn set_browser_offline(&self, offline: bool) {
        {
            let mut st = self.lock();
            st.browser_offline = offline;
            if !offline {
                st.unreachable = false;
            }
        }
        self.publish();
        if !offline {
            self.spawn_sync();
        }
    }

    /// The server answered again: send what waits. The realtime subscriber calls this whenever
    /// its connection becomes live.
    pub fn reachable(&self) {
        let was = std::mem::replace(&mut self.lock().unreachable, false);
        if was {
            self.publish();
        }
        self.spawn_sync();
    }

    pub(super) fn spawn_sync(&self) {
        let this = self.clone();
        self.inner
            .env
            .spawn(Box::pin(async move { this.sync_now().await }));
    }

    /// Sends the outbox now, in order, until it is empty or the server cannot be reached.
    /// Items refused with a conflict wait for the user; other refusals stay, marked failed.
    pub async fn sync_now(&self) {
        {
            let mut st = self.lock();
            if st.syncing || st.browser_offline || st.follower || st.user.is_none() {
                return;
            }
            st.syncing = true;
        }
        self.publish();
        loop {
            let next = {
                let mut st = self.lock();
                let next = st.outbox.next_ready().cloned();
                if let Some(item) = &next {
                    if let Some(stored) = st.outbox.get_mut(item.seq) {
                        stored.state = ItemState::Syncing;
                        stored.attempts += 1;
                    }
                }
                next
            };
            let Some(item) = next else { break };
            self.persist_item(item.seq).await;
            self.publish();
            let mutation = self.lock().mutations.get(&item.seq).copied();
            let started = self.inner.env.now();
            let result = match self.store(&item.kind) {
                Some(store) => store.replay(ReplayItem::from(&item), mutation).await,
                None => Err(ApiError::Decode(format!("unknown kind {}", item.kind))),
            };
            let ended = self.inner.env.now();
            let offline = matches!(result, Err(ApiError::Network(_)));
            self.inner
                .metrics
                .update(|m| m.record_sync(result.is_ok(), ended - started, ended));
            self.settle(item, result).await;
            if offline {
                break;
            }
        }
        self.lock().syncing = false;
        self.publish();
    }

    pub(super) async fn settle(&self, item: OutboxItem, result: Result<Option<String>, ApiError>) {
        // Saved as a draft for approval: the change has left this client (the draft, a record
        // of its own, takes it from here), so it leaves the outbox and its overlay goes.
        let result = match result {
            Err(ApiError::Drafted { .. }) => {
                let mutation = self.lock().mutations.get(&item.seq).copied();
                if let (Some(store), Some(mutation)) = (self.store(&item.kind), mutation) {
                    store.release(&item.id, mutation);
                }
                Ok(None)
            }
            other => other,
        };
        match result {
            Ok(confirmed_id) => {
                let renamed = {
                    let mut st = self.lock();
                    st.unreachable = false;
                    st.outbox.remove(item.seq);
                    st.mutations.remove(&item.seq);
                    st.settled.insert(item.seq);
                    match (&confirmed_id, item.op) {
                        (Some(real), OutboxOp::Create) if *real != item.id => {
                            st.outbox.map_temp_id(&item.id, real)
                        }
                        _ => Vec::new(),
                    }
                };
                if let (Some(real), OutboxOp::Create) = (&confirmed_id, item.op) {
                    for store in self.stores() {
                        store.rewrite_reference(&item.id, real);
                    }
                }
                self.delete_item(item.seq).await;
                for seq in renamed {
                    self.persist_item(seq).await;
                }
            }
            Err(err) => {
                {
                    let mut st = self.lock();
                    let network = matches!(err, ApiError::Network(_));
                    if network {
                        st.unreachable = true;
                    }
                    if let Some(stored) = st.outbox.get_mut(item.seq) {
                        stored.state = match &err {
                            ApiError::Network(_) => ItemState::Pending,
                            ApiError::Conflict { current, .. } => ItemState::Conflict {
                                theirs: current
                                    .as_ref()
                                    .and_then(|current| current.decode().ok())
                                    .unwrap_or(Value::Null),
                            },
                            other => ItemState::Failed {
                                error: other.to_string(),
                            },
                        };
                    }
                }
                self.persist_item(item.seq).await;
            }
        }
        self.publish();
    }

    /// Settles a conflict as the user chose. Keeping mine or merging re-sends over the
    /// server's current version; taking theirs drops my change (the server's version shows).
    pub async fn resolve(&self, seq: u64, resolution: Resolution) {
        let (item, mutation, still_queued) = {
            let mut st = self.lock();
            let Some(item) = st.outbox.get(seq).cloned() else {
                return;
            };
            let Some(still_queued) = st.outbox.resolve(seq, resolution.clone()) else {
                return;
            };
            let mutation = if still_queued {
                st.mutations.get(&seq).copied()
            } else {
                st.mutations.remove(&seq)
            };
            (item, mutation, still_queued)
        };
        let store = self.store(&item.kind);
        if let (Some(store), Some(mutation)) = (&store, mutation) {
            match (&resolution, still_queued) {
                (Resolution::TakeTheirs, _) | (_, false) => store.release(&item.id, mutation),
                (Resolution::Merge(body), true) => {
                    // The merged body replaces the change shown.
                    store.release(&item.id, mutation);
                    if let Some(next) = store.restore_overlay(item.op, &item.id, body) {
                        self.lock().mutations.insert(seq, next);
                    }
                }
                (Resolution::KeepMine, true) => {}
            }
        }
        if still_queued {
            self.persist_item(seq).await;
        } else {
            self.delete_item(seq).await;
        }
        self.publish();
        if still_queued {
            self.spawn_sync();
        }
    }

    /// Puts a failed item back in line and syncs.
    pub async fn retry(&self, seq: u64) {
        let retried = self.lock().outbox.retry(seq);
        if retried {
            self.persist_item(seq).await;
            self.publish();
            self.spawn_sync();
        }
    }

    /// Drops a queued item and its optimistic change (the entity shows as the server has it).
    pub async fn discard(&self, seq: u64) {
        let (item, mutation) = {
            let mut st = self.lock();
            (st.outbox.remove(seq), st.mutations.remove(&seq))
        };
        let Some(item) = item else { return };
        if let (Some(store), Some(mutation)) = (self.store(&item.kind), mutation) {
            store.release(&item.id, mutation);
        }
        self.delete_item(seq).await;
        self.publish();
    }

    /// Stores outbox item `seq` as it is now.
    pub(super) async fn persist_item(&self, seq: u64) {
        let write = {
            let st = self.lock();
            st.user
                .as_deref()
                .zip(st.outbox.get(seq))
                .and_then(|(user, item)| stored_item(item, user))
        };
        if self.write_now(write.into_iter().collect()).await {
            self.lock().stored.insert(seq);
            self.announce();
        }
    }

    /// Writes `writes` at once, in one transaction (outbox changes wait for no timer); a
    /// failure is counted.
    /// failure is counted. Whether something was written.
    pub(super) async fn write_now(&self, writes: Vec<Write>) -> bool {
        let storage = self.lock().storage.clone();
        if let (Some(storage), false) = (storage, writes.is_empty()) {
            return match storage.write(writes).await {
                Ok(()) => true,
                Err(err) => {
                    self.count_write_failure(err);
                    false
                }
            };
        }
        false
    }

    /// Deletes the stored items `seqs` (dropped together, e.g. a create and what was queued
    /// for it). Only these: other tabs keep their own items in the same storage.
    pub(super) async fn delete_items(&self, seqs: Vec<u64>) {
        let user = self.lock().user.clone();
        if let (Some(user), false) = (user, seqs.is_empty()) {
            let writes = seqs
                .iter()
                .map(|seq| Write::Delete(keys::outbox_item(&user, *seq)))
                .collect();
            if self.write_now(writes).await {
                self.announce();
            }
        }
    }

    pub(super) async fn delete_item(&self, seq: u64) {
        self.delete_items(vec![seq]).await;
    }

    pub(super) fn count_write_failure(&self, err: StorageError) {
        self.inner.metrics.update(|m| m.write_failures += 1);
        if matches!(err, StorageError::Quota(_)) {
            self.degrade(err);
        }
    }
}
