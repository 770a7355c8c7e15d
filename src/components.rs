//! Dumb, accessible views over store getters: they render what they are given and never fetch.
//! Styled only through `df-`-prefixed classes and CSS custom properties (`style/data-farm.css`),
//! so an embedding app restyles them without touching Rust.

mod conflict_dialog;
mod connection_indicator;
mod duration_chart;
mod entity_table;
mod error_display;
mod field_error;
mod pending_badge;
mod progress_bar;
mod relative_time;
mod skeleton;
mod status_badge;
mod sync_dashboard;

pub use conflict_dialog::ConflictDialog;
pub use connection_indicator::ConnectionIndicator;
pub use duration_chart::DurationChart;
pub use entity_table::{Column, EntityTable, Selection, TableFilter};
pub use error_display::{describe, ErrorDisplay};
pub use field_error::{field_message, FieldError};
pub use pending_badge::PendingBadge;
pub use progress_bar::ProgressBar;
pub use relative_time::{relative, RelativeTime};
pub use skeleton::{SkeletonRows, SkeletonText};
pub use status_badge::StatusBadge;
pub use sync_dashboard::SyncDashboard;
