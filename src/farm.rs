//! The farm: every store of an application, the change bus and the rules between them.

use std::any::{Any, TypeId};
use std::collections::HashMap;

#[cfg(feature = "hydrate")]
use data_farm_protocol::Positions;
use std::future::Future;
use std::sync::{Arc, Mutex, Weak};

use data_farm_protocol::{AuditEntry, ChangeOp, ListResponse, VersionEntry};
use futures_util::future::LocalBoxFuture;
use leptos::prelude::{ArcReadSignal, ArcRwSignal, Set, Update, WithUntracked};

use crate::api::{ApiClient, ApiError, HistoryApi};
use crate::cache::Environment;
use crate::change::{Change, ChangeBus, InvalidationRule, Subscription};
use crate::entity::Entity;
#[cfg(feature = "persist")]
use crate::persist::Persistence;
pub use crate::store::AnyStore;
use crate::store::{EntityStore, StoreCore};

struct FarmInner {
    client: ApiClient,
    env: Arc<dyn Environment>,
    bus: ChangeBus,
    /// The stores by kind, held as their concrete core: a store becomes an [`AnyStore`] trait
    /// object only where one is asked for ([`DataFarm::store_of_kind`]; persistence holds a
    /// narrower port of its own), so an app links only the store operations it reaches (a
    /// vtable links every method).
    by_kind: HashMap<&'static str, StoreCore>,
    by_type: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    rules: Vec<InvalidationRule>,
    rules_subscription: Mutex<Option<Subscription>>,
    live_topics: ArcRwSignal<Vec<String>>,
    guards: ArcRwSignal<u32>,
    #[cfg(feature = "persist")]
    persistence: Option<Persistence>,
    /// Drafts across stores, when the `Draft` kind is registered.
    drafts: std::sync::OnceLock<Box<dyn drafts::DraftIndex>>,
    /// Where history is read, when not from the client.
    history: Option<Arc<dyn HistoryApi>>,
    /// The earliest topic positions a server render read its data at (see
    /// [`DataFarm::resume_points`]).
    #[cfg(feature = "hydrate")]
    resume_points: Mutex<Positions>,
    /// Keeps the stores' cores while the farm lives (their handles are keys to them).
    _stores: Vec<crate::store::slot::Owned>,
}

/// Every store of an application, the change bus, and the invalidation rules. Cheap to clone.
/// Two farms share nothing, so two can live in one page.
#[derive(Clone)]
pub struct DataFarm {
    inner: Arc<FarmInner>,
}

impl DataFarm {
    /// Builds the stores of `config` and wires the rules to the bus.
    pub fn new(config: DataFarmConfig) -> Self {
        let parts = Parts {
            client: config.client,
            env: config.env,
            bus: ChangeBus::default(),
        };
        let mut by_kind = HashMap::new();
        let mut by_type = HashMap::new();
        let mut stores = Vec::new();
        for registrar in config.registrars {
            let registered = registrar(&parts);
            by_kind.insert(registered.kind, registered.core);
            by_type.insert(registered.type_id, registered.typed);
            stores.push(registered.slot);
        }
        #[cfg(feature = "persist")]
        let persistence = config.persist.map(|persist| {
            let persistence = Persistence::new(persist, parts.env.clone());
            persistence.connect(
                by_kind
                    .iter()
                    .map(|(kind, store)| {
                        (
                            *kind,
                            Arc::new(store.clone()) as Arc<dyn crate::store::PersistedStore>,
                        )
                    })
                    .collect(),
            );
            persistence
        });
        let inner = Arc::new(FarmInner {
            #[cfg(feature = "persist")]
            persistence,
            client: parts.client,
            env: parts.env,
            bus: parts.bus,
            by_kind,
            by_type,
            rules: config.rules,
            rules_subscription: Mutex::new(None),
            live_topics: ArcRwSignal::new(Vec::new()),
            guards: ArcRwSignal::new(0),
            drafts: std::sync::OnceLock::new(),
            history: config.history,
            #[cfg(feature = "hydrate")]
            resume_points: Mutex::new(Default::default()),
            _stores: stores,
        });
        if let Some(drafts) = config.wire_drafts.and_then(|wire| wire(&inner)) {
            let _ = inner.drafts.set(drafts);
        }
        let weak: Weak<FarmInner> = Arc::downgrade(&inner);
        let subscription = inner.bus.subscribe(move |change| {
            let Some(inner) = weak.upgrade() else { return };
            for rule in inner.rules.iter().filter(|rule| rule.matches(change)) {
                if let Some(store) = inner.by_kind.get(rule.target.as_str()) {
                    store.invalidate_for(rule, change);
                }
            }
        });
        *inner
            .rules_subscription
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(subscription);
        DataFarm { inner }
    }

    /// Where realtime resumes each topic after hydration: the earliest position a server
    /// render read the data it handed over at (noted by [`DataFarm::hydrate`] and by
    /// suspended lists, `hydration::use_suspended_list`). A session started with no positions
    /// of its own resumes from these. Feature `hydrate`.
    #[cfg(feature = "hydrate")]
    pub fn resume_points(&self) -> Positions {
        self.inner
            .resume_points
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Notes positions data was read at (the earliest per topic is kept).
    #[cfg(feature = "hydrate")]
    pub(crate) fn note_resume_points(&self, positions: &Positions) {
        let mut points = self
            .inner
            .resume_points
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for (topic, &seq) in positions.iter() {
            match points.get_mut(topic) {
                Some(known) => *known = (*known).min(seq),
                None => {
                    points.insert(topic.to_owned(), seq);
                }
            }
        }
    }

    /// The topics a live realtime connection currently delivers, in order (empty while it is
    /// not live). Polling steps aside for records of a team whose `team:` topic is here.
    pub fn live_topics(&self) -> ArcReadSignal<Vec<String>> {
        self.inner.live_topics.read_only()
    }

    /// Whether realtime currently keeps `team`'s records current.
    pub fn realtime_covers(&self, team: &str) -> bool {
        self.inner
            .live_topics
            .with_untracked(|topics| topics.iter().any(|t| t.strip_prefix("team:") == Some(team)))
    }

    /// Records the live topics: those of `positions` when `live`, none otherwise. Allocates and
    /// notifies only when they differ from the last ones (the realtime runtime calls this each
    /// time it publishes: once per animation frame of events, and on every other change).
    #[cfg_attr(
        not(all(target_arch = "wasm32", feature = "realtime")),
        allow(dead_code)
    )]
    pub(crate) fn set_live_topics(&self, positions: &data_farm_protocol::Positions, live: bool) {
        let same = self.inner.live_topics.with_untracked(|topics| match live {
            true => topics.iter().map(String::as_str).eq(positions.keys()),
            false => topics.is_empty(),
        });
        if !same {
            let topics = match live {
                true => positions.keys().map(str::to_owned).collect(),
                false => Vec::new(),
            };
            self.inner.live_topics.set(topics);
        }
    }

    /// How many interaction guards are held (an open modal or edit form holds one; polling
    /// pauses while any is). See [`DataFarm::hold_interaction_guard`].
    pub fn interaction_guards(&self) -> ArcReadSignal<u32> {
        self.inner.guards.read_only()
    }

    /// Holds an interaction guard until the returned value is dropped.
    ///
    /// ```
    /// use data_farm::prelude::*;
    /// use leptos::prelude::GetUntracked;
    /// let farm = DataFarm::new(DataFarmConfig::new("").builtin_kinds());
    /// let guard = farm.hold_interaction_guard();
    /// assert_eq!(farm.interaction_guards().get_untracked(), 1);
    /// drop(guard);
    /// assert_eq!(farm.interaction_guards().get_untracked(), 0);
    /// ```
    pub fn hold_interaction_guard(&self) -> InteractionGuard {
        self.inner.guards.update(|n| *n += 1);
        InteractionGuard {
            guards: self.inner.guards.clone(),
        }
    }

    /// The persistence layer, when turned on ([`DataFarmConfig::persist`]).
    #[cfg(feature = "persist")]
    pub fn persistence(&self) -> Option<Persistence> {
        self.inner.persistence.clone()
    }

    /// The store of kind `E`, when registered.
    pub fn store<E: Entity>(&self) -> Option<EntityStore<E>> {
        self.inner
            .by_type
            .get(&TypeId::of::<E>())?
            .downcast_ref::<EntityStore<E>>()
            .copied()
    }

    /// The open draft (waiting for approval) of entity `id` of `kind`, as far as this client
    /// knows: drafts answered beside a list asked with
    /// [`DraftsMode::Include`](crate::query::DraftsMode) or `Only`, and drafts announced by
    /// realtime. Tracked: read in a reactive context, it follows the draft (and returns `None`
    /// once it ended). `None` without [`DataFarmConfig::drafts`].
    ///
    /// ```
    /// use data_farm::prelude::*;
    /// let farm = DataFarm::new(DataFarmConfig::new("").builtin_kinds());
    /// assert!(farm.draft_of("device", "dev_1").is_none());
    /// ```
    pub fn draft_of(&self, kind: &str, id: &str) -> Option<data_farm_protocol::Draft> {
        self.inner.drafts.get()?.draft_of(kind, id)
    }

    /// The open drafted creates of `kind` (proposed entities that do not exist yet) in `team`,
    /// or in every team for `None`, newest first; known like [`DataFarm::draft_of`]'s. Tracked.
    pub fn drafted_creates(
        &self,
        kind: &str,
        team: Option<&str>,
    ) -> Vec<data_farm_protocol::Draft> {
        self.inner
            .drafts
            .get()
            .map(|drafts| drafts.drafted_creates(kind, team))
            .unwrap_or_default()
    }

    /// A page (1-based) of the kept versions of entity `id` of kind `E`, newest first: through
    /// [`DataFarmConfig::history`], or the protocol's `GET /{kinds}/{id}/versions`.
    /// [`use_versions`](crate::hooks::use_versions) keeps one live.
    pub fn versions<E: Entity>(
        &self,
        id: &str,
        page: u32,
        per_page: u32,
    ) -> LocalBoxFuture<'static, Result<ListResponse<VersionEntry>, ApiError>> {
        match &self.inner.history {
            Some(api) => api.versions(E::PLURAL, id, page, per_page),
            None => self.inner.client.versions(E::PLURAL, id, page, per_page),
        }
    }

    /// A page (1-based) of the audit trail of entity `id` of kind `E` (who changed which
    /// fields, when), newest first; for a [`Team`](data_farm_protocol::Team), the whole team's trail. Read like
    /// [`DataFarm::versions`]; [`use_audit`](crate::hooks::use_audit) keeps one live.
    pub fn audit<E: Entity>(
        &self,
        id: &str,
        page: u32,
        per_page: u32,
    ) -> LocalBoxFuture<'static, Result<ListResponse<AuditEntry>, ApiError>> {
        match &self.inner.history {
            Some(api) => api.audit(E::PLURAL, id, page, per_page),
            None => self.inner.client.audit(E::PLURAL, id, page, per_page),
        }
    }

    /// The store of a kind by its singular name (`"device"`), type-erased.
    pub fn store_of_kind(&self, kind: &str) -> Option<Arc<dyn AnyStore>> {
        let store = self.inner.by_kind.get(kind)?.clone();
        Some(Arc::new(store))
    }

    /// The store of a kind by its singular name, as its concrete core: what the library's own
    /// modules use, so that no [`AnyStore`] vtable (and every method it links) is built for them.
    #[cfg_attr(
        not(any(
            feature = "realtime",
            feature = "devtools",
            feature = "ssr",
            feature = "hydrate"
        )),
        allow(dead_code)
    )]
    pub(crate) fn core_of_kind(&self, kind: &str) -> Option<&StoreCore> {
        self.inner.by_kind.get(kind)
    }

    /// The registered kinds.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.inner.by_kind.keys().copied().collect();
        crate::sort::sort_by(&mut kinds, Ord::cmp);
        kinds
    }

    /// The change bus: subscribe for an after-mutation hook.
    pub fn changes(&self) -> &ChangeBus {
        &self.inner.bus
    }

    /// The HTTP client of the backend.
    pub fn client(&self) -> &ApiClient {
        &self.inner.client
    }

    /// The environment.
    pub fn environment(&self) -> &Arc<dyn Environment> {
        &self.inner.env
    }

    /// Announces a change made outside the stores (e.g. by a custom write call): the kind's
    /// queries that may show it become stale (observed ones refetch), then the change goes on
    /// the bus (rules and subscribers see it).
    pub fn announce(&self, change: Change) {
        if let Some(store) = self.inner.by_kind.get(change.kind) {
            let rule = InvalidationRule::when(change.kind)
                .invalidate(change.kind, crate::change::Scope::SameTeam);
            store.invalidate_for(&rule, &change);
        }
        self.inner.bus.emit(&change);
    }

    /// Runs a custom write call and, when it succeeds, announces the changes it declares.
    ///
    /// ```no_run
    /// # async fn demo(farm: data_farm::farm::DataFarm) -> Result<(), data_farm::api::ApiError> {
    /// use data_farm::change::{Change, ChangeOp, Origin};
    /// let body = serde_json::json!({});
    /// let restart = farm.client().post::<_, serde_json::Value>("/instances/inst_1/actions/restart", &body);
    /// farm.call_and_announce(restart, vec![Change {
    ///     kind: "instance", op: ChangeOp::Updated, id: "inst_1".into(), team_id: None, origin: Origin::Local,
    /// }]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_and_announce<T>(
        &self,
        call: impl Future<Output = Result<T, ApiError>>,
        announces: Vec<Change>,
    ) -> Result<T, ApiError> {
        let result = call.await;
        if result.is_ok() {
            for change in announces {
                self.announce(change);
            }
        }
        result
    }

    /// Refetches every observed stale query of every store (on focus and reconnect).
    pub fn revalidate_observed(&self) {
        for store in self.inner.by_kind.values() {
            store.revalidate_observed();
        }
    }

    /// Marks every query of every store stale (observed ones refetch).
    pub fn invalidate_all(&self) {
        for store in self.inner.by_kind.values() {
            store.invalidate_all();
        }
    }

    /// Marks stale, in every store, what may show entities of `team_id` (lists filtered to it or
    /// across teams, details of its entities); observed ones refetch now. What a `resync` needs.
    pub fn invalidate_team(&self, team_id: &str) {
        for (kind, store) in &self.inner.by_kind {
            let change = Change {
                kind,
                op: ChangeOp::Updated,
                id: String::new(),
                team_id: Some(team_id.to_owned()),
                origin: crate::change::Origin::Remote,
            };
            let rule =
                InvalidationRule::when(kind).invalidate(kind, crate::change::Scope::SameTeam);
            store.invalidate_for(&rule, &change);
        }
    }

    /// Forgets everything of a team in every store.
    pub fn purge_team(&self, team_id: &str) {
        for store in self.inner.by_kind.values() {
            store.purge_team(team_id);
        }
        #[cfg(feature = "persist")]
        if let Some(persistence) = self.persistence() {
            let team = team_id.to_owned();
            self.inner.env.spawn(Box::pin(async move {
                persistence.forget_team(&team).await;
            }));
        }
    }

    /// Forgets everything in every store: what sign-out must do (after stopping realtime), so
    /// the next user of the page sees nothing of this one. With persistence on, the user's
    /// persisted data is deleted too ([`Persistence::forget_user`]).
    pub fn clear(&self) {
        #[cfg(feature = "persist")]
        if let Some(persistence) = self.persistence() {
            self.inner.env.spawn(Box::pin(async move {
                persistence.forget_user().await;
            }));
        }
        for store in self.inner.by_kind.values() {
            store.clear();
        }
    }

    /// Collects unobserved data in every store.
    pub fn collect_garbage(&self) {
        for store in self.inner.by_kind.values() {
            store.collect_garbage();
        }
    }
}

/// A held interaction guard (see [`DataFarm::hold_interaction_guard`]); released on drop.
pub struct InteractionGuard {
    guards: ArcRwSignal<u32>,
}

impl Drop for InteractionGuard {
    fn drop(&mut self) {
        self.guards.update(|n| *n = n.saturating_sub(1));
    }
}

mod config;
mod drafts;
#[cfg(test)]
mod tests;

pub use config::DataFarmConfig;
use config::Parts;
