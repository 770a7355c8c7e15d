//! Talking to the backend over HTTP: the typed [`ApiError`] and the [`ApiClient`].

mod client;
mod error;

pub use client::ApiClient;
pub use error::ApiError;
