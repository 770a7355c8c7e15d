//! data-farm: reactive entity stores with realtime sync for Leptos browser UIs.
#![deny(missing_docs)]

pub use data_farm_protocol as protocol;
