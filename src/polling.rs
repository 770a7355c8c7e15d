//! Status-driven polling for long-running work: a pure [policy] (when to poll, from the
//! record and the environment), a [`Poller`] loop that follows it through the store's
//! version-guarded merge, and hooks for components ([`use_polled_run`], [`use_latest_report`]).
//!
//! Polling is the fallback that gets a view to the end without push: it steps aside while a
//! live realtime connection covers the team, pauses while the page is hidden or an interaction
//! guard is held, stops for good on a terminal record or a 401 / 404, and resumes its ladder
//! when the connection drops.
//!
//! ```no_run
//! use data_farm::polling::use_polled_run;
//! use leptos::prelude::*;
//!
//! #[component]
//! fn Run(id: String) -> impl IntoView {
//!     let run = use_polled_run(id);
//!     move || run.run.get().map(|r| format!("{} {}", r.op_type, r.status.as_str()))
//! }
//! ```

mod clock;
mod hooks;
pub mod policy;
mod poller;

pub use clock::epoch_ms;
pub use hooks::{use_latest_report, use_polled_run, UseLatestReport, UsePolledRun};
pub use policy::{ladder, report_interval, run_interval, PollContext};
pub use poller::{latest_report_query, poll_latest_report, poll_run, Conditions, Poller};

#[cfg(test)]
mod tests;
