//! Starting and stopping: attaching a storage, hydrating the stores and the outbox for a
//! user, forgetting a user or a team, and the remembered session.

use super::*;

impl Persistence {
    /// Uses `storage` from now on, checking its schema version first: data of another version
    /// is dropped (and refilled from the server). A storage that fails here is not used: the
    /// layer runs in memory and says so in [`SyncStatus::storage`].
    pub async fn attach(&self, storage: Arc<dyn Storage>) {
        let checked = async {
            let found = storage.read_prefix(keys::SCHEMA).await?;
            let version = found
                .iter()
                .find(|(k, _)| k == keys::SCHEMA)
                .and_then(|(_, v)| v.parse::<u32>().ok());
            if version != Some(SCHEMA_VERSION) {
                migrate(&*storage, version).await?;
            }
            Ok::<_, StorageError>(())
        }
        .await;
        match checked {
            Ok(()) => {
                self.lock().storage = Some(storage);
                self.inner
                    .status
                    .update(|s| s.storage = StorageHealth::Persistent);
            }
            Err(err) => self.degrade(err),
        }
    }

    /// Runs in memory only from now on, saying why.
    pub fn degrade(&self, err: StorageError) {
        {
            let mut st = self.lock();
            st.storage = None;
            st.queues.clear();
        }
        self.inner
            .status
            .update(|s| s.storage = StorageHealth::MemoryOnly(err.to_string()));
    }

    /// Starts persisting for `user`: fills the stores from what was stored for them (records,
    /// list pages, the outbox with its optimistic changes) and from then on records every
    /// change. Call it after sign-in (or when starting offline with a remembered session),
    /// before the first fetch.
    ///
    /// Starting again for the user already started does nothing (their data is in the stores,
    /// their queued changes shown once). Sign-out ([`Persistence::forget_user`]) comes before
    /// starting for another user.
    pub async fn start(&self, user: &str) -> HydrateReport {
        let hydrated = self.inner.status.with_untracked(|s| s.hydrated);
        let storage = {
            let mut st = self.lock();
            if hydrated && st.user.as_deref() == Some(user) {
                return HydrateReport::default();
            }
            st.user = Some(user.to_owned());
            st.storage.clone()
        };
        let mut report = HydrateReport::default();
        let entries = match &storage {
            Some(storage) => match storage.read_prefix(&keys::user(user)).await {
                Ok(entries) => entries,
                Err(err) => {
                    self.degrade(err);
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let mut corrupt = Vec::new();
        let mut records: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut lists: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut items = Vec::new();
        let records_prefix = keys::all_records(user);
        let lists_prefix = keys::all_lists(user);
        let outbox_prefix = keys::outbox(user);
        for (key, value) in entries {
            if let Some(kind) = keys::kind_after(&key, &records_prefix).map(str::to_owned) {
                records.entry(kind).or_default().push((key, value));
            } else if let Some(kind) = keys::kind_after(&key, &lists_prefix).map(str::to_owned) {
                lists.entry(kind).or_default().push((key, value));
            } else if key.starts_with(&outbox_prefix) {
                match serde_json::from_str::<OutboxItem>(&value) {
                    Ok(item) => items.push(item),
                    Err(_) => corrupt.push(key),
                }
            } else {
                corrupt.push(key);
            }
        }
        let mut kinds: Vec<String> = records.keys().chain(lists.keys()).cloned().collect();
        crate::sort::sort_by(&mut kinds, Ord::cmp);
        kinds.dedup();
        for kind in kinds {
            let recs = records.remove(&kind).unwrap_or_default();
            let pages = lists.remove(&kind).unwrap_or_default();
            match self.store(&kind).filter(|_| self.settings(&kind).enabled) {
                Some(store) => {
                    let (loaded, listed, bad) = store.hydrate_json(recs, pages);
                    report.records += loaded;
                    report.lists += listed;
                    corrupt.extend(bad);
                }
                // A kind no longer registered or persisted: its data is of no use.
                None => corrupt.extend(recs.into_iter().chain(pages).map(|(k, _)| k)),
            }
        }
        let stored_seqs: Vec<u64> = items.iter().map(|i| i.seq).collect();
        let mut outbox = Outbox::restore(items);
        outbox.set_nonce(self.inner.nonce);
        let mut mutations = HashMap::new();
        for item in outbox.items() {
            if let Some(store) = self.store(&item.kind) {
                if let Some(mutation) = store.restore_overlay(item.op, &item.id, &item.body) {
                    mutations.insert(item.seq, mutation);
                }
            }
        }
        report.outbox = outbox.len();
        report.corrupt = corrupt.len();
        {
            let mut st = self.lock();
            st.outbox = outbox;
            st.mutations = mutations;
            st.stored = stored_seqs.into_iter().collect();
        }
        if let (Some(storage), false) = (&storage, corrupt.is_empty()) {
            let _ = storage
                .write(corrupt.into_iter().map(Write::Delete).collect())
                .await;
        }
        let config = self.inner.config.with_untracked(Clone::clone);
        for store in self.stores() {
            store.set_persisting(config.settings(store.kind()).enabled);
        }
        self.inner.status.update(|s| {
            s.hydrated = true;
            s.corrupt_dropped += report.corrupt;
        });
        self.publish();
        let (pending, follower) = {
            let st = self.lock();
            (st.outbox.has_pending(), st.follower)
        };
        if pending && !follower {
            self.spawn_sync();
        }
        report
    }

    /// Forgets the current user's persisted data (records, lists, outbox, remembered session)
    /// and stops persisting: what sign-out must do, so nothing of theirs stays in the browser.
    pub async fn forget_user(&self) {
        let (storage, user) = {
            let mut st = self.lock();
            let user = st.user.take();
            st.queues.clear();
            st.outbox = Outbox::default();
            st.outbox.set_nonce(self.inner.nonce);
            st.mutations.clear();
            st.stored.clear();
            (st.storage.clone(), user)
        };
        for store in self.stores() {
            store.set_persisting(false);
        }
        if let (Some(storage), Some(user)) = (storage, user) {
            let _ = storage.delete_prefix(&keys::user(&user)).await;
            let _ = storage
                .write(vec![Write::Delete(keys::SESSION.to_owned())])
                .await;
        }
        self.inner.status.update(|s| s.hydrated = false);
        self.publish();
    }

    /// Deletes what is stored of `team`'s entities (access to it was revoked).
    pub async fn forget_team(&self, team: &str) {
        let (storage, user) = {
            let st = self.lock();
            (st.storage.clone(), st.user.clone())
        };
        let stores = self.stores();
        let owned_by_team = |kind: &str, json: &str| {
            stores
                .iter()
                .find(|s| s.kind() == kind)
                .and_then(|s| s.team_of_json(json))
                .is_some_and(|t| t == team)
        };
        {
            let mut st = self.lock();
            for (kind, queue) in st.queues.iter_mut() {
                queue.retain(|write| match write {
                    Write::Put(_, json) => !owned_by_team(kind, json),
                    Write::Delete(_) => true,
                });
            }
        }
        let (Some(storage), Some(user)) = (storage, user) else {
            return;
        };
        let prefix = keys::all_records(&user);
        let Ok(entries) = storage.read_prefix(&prefix).await else {
            return;
        };
        let doomed: Vec<Write> = entries
            .into_iter()
            .filter(|(key, json)| {
                keys::kind_after(key, &prefix).is_some_and(|kind| owned_by_team(kind, json))
            })
            .map(|(key, _)| Write::Delete(key))
            .collect();
        if !doomed.is_empty() {
            let _ = storage.write(doomed).await;
        }
    }

    /// Remembers a session (its JSON) so the application can start offline after a reload.
    pub async fn remember_session(&self, json: String) {
        let storage = self.lock().storage.clone();
        if let Some(storage) = storage {
            let _ = storage
                .write(vec![Write::Put(keys::SESSION.to_owned(), json)])
                .await;
        }
    }

    /// The session remembered by [`Persistence::remember_session`], if any.
    pub async fn remembered_session(&self) -> Option<String> {
        let storage = self.lock().storage.clone()?;
        let entries = storage.read_prefix(keys::SESSION).await.ok()?;
        entries
            .into_iter()
            .find(|(k, _)| k == keys::SESSION)
            .map(|(_, v)| v)
    }
}
