//! data-farm: reactive entity stores with realtime sync for Leptos browser UIs.
//!
//! This crate is the client half: it talks to any backend that speaks the data-farm protocol
//! (`docs/protocol.md`), such as the reference server in `server/`.
//!
//! ```no_run
//! use data_farm::api::{ApiClient, ApiError};
//!
//! # async fn demo() -> Result<(), ApiError> {
//! let api = ApiClient::new("");               // same origin as the page
//! let session = api.login("alice", "alice").await?;
//! println!("{} belongs to {} teams", session.user.display_name, session.teams.len());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod api;

pub use data_farm_protocol as protocol;
