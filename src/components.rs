//! Dumb, accessible views over store getters: they render what they are given and never fetch.
//! Styled only through `df-`-prefixed classes and CSS custom properties (`style/data-farm.css`),
//! so an embedding app restyles them without touching Rust.
//!
//! The stylesheet ships with the crate as [`STYLESHEET`]; render [`Styles`] once (or copy the
//! text into the app's own CSS pipeline) to use it. With the `realtime` feature there is a
//! [`ConnectionIndicator`]; with `persist` the sync dashboard, conflict dialog and pending badge.
//!
//! Every text they show or announce comes from one [`Messages`] (English by default): an app
//! translates them all in one place with [`provide_messages`].

#[cfg(feature = "persist")]
mod conflict_dialog;
#[cfg(feature = "realtime")]
mod connection_indicator;
mod decimal;
#[cfg(feature = "devtools")]
mod devtools;
mod duration_chart;
mod entity_table;
mod error_display;
mod field_error;
mod focus;
mod messages;
#[cfg(feature = "persist")]
mod pending_badge;
mod progress_bar;
mod relative_time;
mod skeleton;
mod status_badge;
#[cfg(feature = "persist")]
mod sync_dashboard;

#[cfg(feature = "persist")]
pub use conflict_dialog::ConflictDialog;
#[cfg(feature = "realtime")]
pub use connection_indicator::ConnectionIndicator;
#[cfg(feature = "devtools")]
pub use devtools::DataFarmDevtools;
pub use duration_chart::DurationChart;
pub use entity_table::{Column, EntityTable, Selection, TableFilter};
pub use error_display::{describe, ErrorDisplay};
pub use field_error::{field_message, FieldError};
pub use focus::dialog_focus;
#[cfg(feature = "realtime")]
pub use messages::ConnectionMessages;
pub use messages::{
    provide_messages, use_messages, ChartMessages, ErrorMessages, Messages, TableMessages,
};
#[cfg(feature = "persist")]
pub use messages::{ConflictMessages, SyncMessages};
#[cfg(feature = "persist")]
pub use pending_badge::PendingBadge;
pub use progress_bar::ProgressBar;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub use relative_time::provide_render_clock;
pub use relative_time::{
    format_number, provide_clock, relative, relative_parts, Clock, RelativeTime, TICK_MS,
};
pub use skeleton::{SkeletonRows, SkeletonText};
pub use status_badge::StatusBadge;
#[cfg(feature = "persist")]
pub use sync_dashboard::SyncDashboard;

/// The components' stylesheet (`style/data-farm.css`): every class is `df-`-prefixed and every
/// colour, radius and spacing a CSS custom property, so an app restyles without touching Rust.
///
/// ```
/// assert!(data_farm::components::STYLESHEET.contains(".df-table"));
/// ```
pub const STYLESHEET: &str = include_str!("../style/data-farm.css");

/// Renders [`STYLESHEET`] in a `<style>` element: put it once near the root of the app.
///
/// ```no_run
/// use data_farm::components::Styles;
/// use leptos::prelude::*;
///
/// #[component]
/// fn App() -> impl IntoView {
///     view! { <Styles/> <main>"…"</main> }
/// }
/// ```
#[leptos::component]
pub fn Styles() -> impl leptos::IntoView {
    use leptos::prelude::*;
    view! { <style>{STYLESHEET}</style> }
}
