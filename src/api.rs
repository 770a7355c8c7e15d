//! Talking to the backend over HTTP: the typed [`ApiError`], the [`ApiClient`], and the
//! [`EntityApi`] contract stores fetch and mutate through.

mod client;
mod entity_api;
mod error;
mod method;

pub use client::ApiClient;
pub use entity_api::{EntityApi, HttpEntityApi};
pub use error::ApiError;
pub use method::Method;
