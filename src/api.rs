//! Talking to the backend over HTTP: the typed [`ApiError`], the [`ApiClient`], and the
//! [`EntityApi`] contract stores fetch and mutate through.

mod client;
mod entity_api;
mod error;

pub use client::ApiClient;
pub use entity_api::{EntityApi, HttpEntityApi};
pub use error::ApiError;
