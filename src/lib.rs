//! data-farm: reactive entity stores with realtime sync for Leptos browser UIs.
//!
//! One store per entity kind owns fetching and caching; components call store actions and read
//! store signals, never HTTP. Every write (fetch, mutation response, realtime event) goes through
//! one version-guarded merge, so lists, details and counts that read the same record can never
//! diverge. The client talks to any backend that speaks the data-farm protocol
//! (`docs/protocol.md`), such as the reference server in `server/`.
//!
//! # Cargo features
//!
//! The core (stores, cache, change bus, HTTP API, hooks, [`session`]) is always compiled; the
//! rest is opt-in and costs nothing when off. The crate turns on no Leptos rendering feature:
//! the app chooses `csr`, `hydrate` or `ssr`.
//!
//! | feature | default | adds |
//! | --- | --- | --- |
//! | `realtime` | yes | the realtime subscriber (WebSocket, polling fallback, app-carried transports) |
//! | `sse` | no | Server-Sent Events as a transport (implies `realtime`) |
//! | `polling` | no | status-driven polling of long-running work |
//! | `persist` | no | IndexedDB hydration, write-behind, the offline outbox, sync metrics |
//! | `components` | yes | skeleton-first components and their stylesheet |
//! | `ssr` | no | [`DataFarm::dehydrate`](farm::DataFarm): the stores' state for a server-rendered page |
//! | `hydrate` | no | `DataFarm::hydrate`: install that state in the browser, fresh, no refetch |
//!
//! ```no_run
//! use data_farm::prelude::*;
//! use leptos::prelude::*;
//!
//! #[component]
//! fn App() -> impl IntoView {
//!     provide_data_farm(DataFarmConfig::new("").builtin_kinds());
//!     let devices = use_list::<Device>(ListQuery::new().team("team_1").filter("status", "online"));
//!     view! {
//!         <p aria-busy=move || devices.view.get().state.is_fetching().to_string()>
//!             {move || format!("{} online", devices.view.get().total)}
//!         </p>
//!     }
//! }
//! ```
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
pub mod cache;
pub mod change;
#[cfg(feature = "components")]
pub mod components;
mod effect;
pub mod entity;
pub mod farm;
pub mod hooks;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod hydration;
#[cfg(feature = "persist")]
pub mod persist;
#[cfg(feature = "polling")]
pub mod polling;
pub mod query;
#[cfg(feature = "realtime")]
pub mod realtime;
pub mod session;
mod sort;
pub mod store;
#[cfg(feature = "tabs")]
pub mod tabs;

pub use data_farm_protocol as protocol;

/// The names most applications need.
pub mod prelude {
    pub use crate::api::{ApiClient, ApiError, EntityApi, HttpEntityApi};
    pub use crate::cache::CachePolicy;
    pub use crate::change::{Change, ChangeOp, InvalidationRule, Origin, Scope};
    pub use crate::entity::{Entity, FieldValue};
    pub use crate::farm::{DataFarm, DataFarmConfig};
    pub use crate::hooks::{
        provide_data_farm, provide_farm, use_data_farm, use_draft_of, use_entity, use_list,
        use_list_controller, use_store, ListController, Selection, UseEntity, UseList,
    };
    pub use crate::query::{DraftsMode, ListQuery, Order};
    pub use crate::session::{Session, SessionConfig};
    pub use crate::store::{DetailView, EntityEvent, EntityStore, ListView, LoadState};
    pub use data_farm_protocol::{
        Application, Device, DeviceStatus, Draft, DraftStatus, Instance, InstanceStatus, Operation,
        OperationStatus, Outcome, Report, ReportStatus, Team,
    };
}
