//! Talking to the backend over HTTP: the typed [`ApiError`], the [`ApiClient`], the
//! [`EntityApi`] contract stores fetch and mutate through, and the [`HistoryApi`] that reads
//! version history and audit trails.

mod client;
mod draft_answer;
mod entity_api;
mod error;
mod history_api;
mod method;
mod routes;

pub(crate) use client::undecodable;
pub use client::ApiClient;
pub use draft_answer::DraftAnswer;
pub use entity_api::{EntityApi, HttpEntityApi};
pub use error::ApiError;
pub use history_api::HistoryApi;
pub use method::Method;
pub(crate) use routes::{json_of, Routes, Text};
