//! How a farm is built: the backend, the kinds registered (each a store made when the farm
//! is built), the cache policy, drafts, persistence and the invalidation rules.

use std::any::{Any, TypeId};
use std::sync::Arc;

use data_farm_protocol::{Application, Device, Instance, Operation, Report, Team};

use super::{drafts, DataFarm, FarmInner};
use crate::api::{ApiClient, EntityApi, HistoryApi};
use crate::cache::{BrowserEnvironment, CachePolicy, Environment};
use crate::change::{ChangeBus, InvalidationRule};
use crate::entity::Entity;
#[cfg(feature = "persist")]
use crate::persist::PersistConfig;
use crate::store::{on_routes, over_api, EntityStore, Ops, StoreCore};

type Registrar = Box<dyn FnOnce(&Parts) -> Registered + Send + Sync>;

pub(super) struct Parts {
    pub client: ApiClient,
    pub env: Arc<dyn Environment>,
    pub bus: ChangeBus,
}

pub(super) struct Registered {
    pub kind: &'static str,
    pub type_id: TypeId,
    pub core: StoreCore,
    pub typed: Arc<dyn Any + Send + Sync>,
    /// Keeps the store while the farm lives.
    pub slot: crate::store::slot::Owned,
}

/// How to build a [`DataFarm`]: the backend, the kinds, the cache policy, the rules.
///
/// ```
/// use data_farm::change::{ChangeOp, InvalidationRule, Scope};
/// use data_farm::farm::DataFarmConfig;
///
/// let config = DataFarmConfig::new("")          // the page's own origin
///     .builtin_kinds()
///     .rule(InvalidationRule::when("instance")
///         .ops(&[ChangeOp::Created, ChangeOp::Deleted])
///         .invalidate("application", Scope::SameTeam));
/// let farm = config.build();
/// assert!(farm.store::<data_farm::protocol::Device>().is_some());
/// ```
pub struct DataFarmConfig {
    pub(super) client: ApiClient,
    pub(super) env: Arc<dyn Environment>,
    policy: CachePolicy,
    pub(super) registrars: Vec<Registrar>,
    pub(super) rules: Vec<InvalidationRule>,
    #[cfg(feature = "persist")]
    pub(super) persist: Option<PersistConfig>,
    /// Wires drafts across the stores (set by [`DataFarmConfig::drafts`]; a function pointer,
    /// so that an app that never asks links nothing of it).
    pub(super) wire_drafts: Option<WireDrafts>,
    pub(super) history: Option<Arc<dyn HistoryApi>>,
}

/// How [`DataFarmConfig::drafts`] wires drafts into a farm being built.
type WireDrafts = fn(&Arc<FarmInner>) -> Option<Box<dyn drafts::DraftIndex>>;

impl DataFarmConfig {
    /// A farm for the backend at `origin` (`""` for the page's origin) with no kinds registered:
    /// add each kind the app shows with [`register`](Self::register).
    pub fn new(origin: impl Into<String>) -> Self {
        DataFarmConfig {
            client: ApiClient::new(origin),
            env: Arc::new(BrowserEnvironment),
            policy: CachePolicy::default(),
            registrars: Vec::new(),
            rules: Vec::new(),
            #[cfg(feature = "persist")]
            persist: None,
            wire_drafts: None,
            history: None,
        }
    }

    /// Talks to the backend through `client` instead of `ApiClient::new(origin)`: one with
    /// another timeout, or, on a server rendering a page, one forwarding the user's cookie
    /// (`ApiClient::forward_cookie`, feature `ssr`). Every kind registered with the protocol's
    /// routes uses it.
    ///
    /// ```
    /// use data_farm::prelude::*;
    /// let farm = DataFarmConfig::new("")
    ///     .client(ApiClient::new("http://127.0.0.1:8080").timeout(5_000))
    ///     .register::<Device>()
    ///     .build();
    /// assert_eq!(farm.client().timeout_ms(), 5_000);
    /// ```
    pub fn client(mut self, client: ApiClient) -> Self {
        self.client = client;
        self
    }

    /// Registers the reference backend's kinds: teams, applications, instances, devices, the
    /// long-running work kinds operations and reports, and drafts (what the demo shows). An app with
    /// kinds of its own registers those instead.
    pub fn builtin_kinds(self) -> Self {
        self.register::<Team>()
            .register::<Application>()
            .register::<Instance>()
            .register::<Device>()
            .register::<Operation>()
            .register::<Report>()
            .drafts()
    }

    /// Registers drafts (the `draft` kind: changes waiting for approval) and wires them into
    /// the other kinds: the drafts their lists answer
    /// ([`ListQuery::drafts`](crate::query::ListQuery::drafts)) go into the `Draft` store,
    /// [`DataFarm::draft_of`] finds an entity's open draft, and a draft's change refetches the
    /// `drafts=only` lists of its kind. `builtin_kinds` calls it.
    ///
    /// ```
    /// use data_farm::prelude::*;
    /// let farm = DataFarmConfig::new("").register::<Device>().drafts().build();
    /// assert_eq!(farm.kinds(), ["device", "draft"]);
    /// ```
    pub fn drafts(mut self) -> Self {
        self.wire_drafts = Some(drafts::wire);
        self.register::<data_farm_protocol::Draft>()
    }

    #[cfg(feature = "persist")]
    /// Turns on offline-first persistence (see [`crate::persist`]); off by default.
    ///
    /// ```
    /// use data_farm::farm::DataFarmConfig;
    /// use data_farm::persist::PersistConfig;
    /// let farm = DataFarmConfig::new("").builtin_kinds().persist(PersistConfig::new("my-app")).build();
    /// assert!(farm.persistence().is_some());
    /// assert!(DataFarmConfig::new("").builtin_kinds().build().persistence().is_none());
    /// ```
    pub fn persist(mut self, config: PersistConfig) -> Self {
        self.persist = Some(config);
        self
    }

    /// The default cache policy of kinds registered after this call.
    pub fn policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The environment (clock, timers, tasks); the browser's by default.
    pub fn environment(mut self, env: Arc<dyn Environment>) -> Self {
        self.env = env;
        self
    }

    /// Registers kind `E`, served by the protocol's REST routes.
    pub fn register<E: Entity>(self) -> Self {
        self.register_kind::<E>(on_routes::<E>, None)
    }

    /// Registers kind `E` with its own API (e.g. a backend with other routes, or a test double)
    /// and, when given, its own cache policy.
    pub fn register_with<E: Entity>(
        self,
        api: Arc<dyn EntityApi<E>>,
        policy: Option<CachePolicy>,
    ) -> Self {
        self.register_kind::<E>(move |_: &ApiClient| over_api(api), policy)
    }

    /// Registers kind `E` fetching through the [`Ops`] that `ops` makes for the farm's
    /// client (a kind on the routes never links the path of a kind with an API of its own).
    fn register_kind<E: Entity>(
        mut self,
        ops: impl FnOnce(&ApiClient) -> Ops + Send + Sync + 'static,
        policy: Option<CachePolicy>,
    ) -> Self {
        let default_policy = self.policy.clone();
        self.registrars.push(Box::new(move |parts: &Parts| {
            let (store, slot) = EntityStore::<E>::owned(
                ops(&parts.client),
                parts.env.clone(),
                policy.unwrap_or(default_policy),
                parts.bus.clone(),
            );
            Registered {
                kind: E::KIND,
                type_id: TypeId::of::<E>(),
                core: store.core(),
                typed: Arc::new(store),
                slot,
            }
        }));
        self
    }

    /// Reads version history and audit trails through `api` instead of the protocol's routes
    /// on the farm's client (see [`DataFarm::versions`]).
    pub fn history(mut self, api: Arc<dyn HistoryApi>) -> Self {
        self.history = Some(api);
        self
    }

    /// Adds an invalidation rule.
    pub fn rule(mut self, rule: InvalidationRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Builds the farm.
    pub fn build(self) -> DataFarm {
        DataFarm::new(self)
    }
}
