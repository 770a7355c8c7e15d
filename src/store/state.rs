//! The store's data: rows with their optimistic overlays, tombstones, and query entries.

use std::collections::HashMap;

use futures_channel::oneshot;
use leptos::prelude::*;

use std::sync::Arc;

use super::membership::Page;
use super::record::{AnyPatch, Rec, RowSignal};
use super::view::{DetailView, ListView};
use crate::api::ApiError;
use crate::query::ListQuery;

/// A pending optimistic change, layered over the confirmed record.
pub enum Overlay {
    /// An update not yet confirmed (the kind's `Patch`).
    Patch(AnyPatch),
    /// A delete not yet confirmed.
    Delete,
    /// A create not yet confirmed (its row has a temporary id).
    Create(Rec),
}

/// One entity: what the server confirmed, what is pending, and the signal the UI reads.
pub struct Row {
    /// The last confirmed state (`None`: absent or deleted).
    pub confirmed: Option<Rec>,
    /// Whether `confirmed` reflects the server (as opposed to "never fetched").
    pub known: bool,
    /// Pending optimistic changes by mutation number, applied in order over `confirmed`.
    pub overlays: Vec<(u64, Overlay)>,
    /// `confirmed` with `overlays` applied: what everyone sees.
    pub visible: Option<Rec>,
    /// The signal carrying `visible`, once a reader asked for it (typed by the kind; rows
    /// nobody reads have none, and publish nothing).
    pub signal: Option<Arc<dyn RowSignal>>,
    /// Whether the signal was given to a reader (then the row is never collected).
    pub handed_out: bool,
    /// The snapshot epoch (see [`State::epoch`]) of the last fetch that returned this row:
    /// a list fetched later than that may already hold changes of it whose events are still
    /// on their way.
    pub seen_epoch: u64,
    /// Where `confirmed` last came from, and when (for the devtools panel).
    #[cfg(feature = "devtools")]
    pub source: (super::source::Source, Option<f64>),
}

impl Row {
    pub fn new() -> Self {
        Row {
            confirmed: None,
            known: false,
            overlays: Vec::new(),
            visible: None,
            signal: None,
            handed_out: false,
            seen_epoch: 0,
            #[cfg(feature = "devtools")]
            source: Default::default(),
        }
    }

    /// `confirmed` with every overlay applied.
    pub fn compute_visible(&self) -> Option<Rec> {
        self.overlays.iter().fold(
            self.confirmed.clone(),
            |value, (_, overlay)| match overlay {
                Overlay::Patch(patch) => {
                    value.map(|entity| entity.patched_by(&**patch).unwrap_or(entity))
                }
                Overlay::Delete => None,
                Overlay::Create(draft) => Some(value.unwrap_or_else(|| draft.clone())),
            },
        )
    }
}

/// The lifecycle every query shares: freshness, the fetch in flight and who waits for it,
/// observers and when the last one left.
#[derive(Default)]
pub struct QueryMeta {
    pub fetched_at: Option<f64>,
    /// When the last fetch started (for coalescing refetches).
    pub started_at: Option<f64>,
    /// An automatic refetch waits for its turn (see `spawn_list_fetch`).
    pub refetch_waiting: bool,
    pub invalidated: bool,
    pub in_flight: bool,
    pub waiters: Vec<oneshot::Sender<()>>,
    pub observers: usize,
    pub unobserved_since: Option<f64>,
    pub error: Option<ApiError>,
    /// Ids whose visible state changed while a fetch was in flight.
    pub touched: Vec<String>,
    /// A row shown with a pending change of this client would move this page in a way only
    /// the server can settle: it fetches again when that change ends, not before (it would
    /// fetch the same page again and again while the change waits).
    pub after_mutations: bool,
}

impl QueryMeta {
    pub fn observe(&mut self) {
        self.observers += 1;
        self.unobserved_since = None;
    }

    pub fn unobserve(&mut self, now: f64) {
        self.observers = self.observers.saturating_sub(1);
        if self.observers == 0 {
            self.unobserved_since = Some(now);
        }
    }

    /// Whether someone watches this query and its data is stale: then it refetches.
    pub fn observed_and_stale(&self, policy: &crate::cache::CachePolicy, now: f64) -> bool {
        self.observers > 0 && policy.is_stale(self.fetched_at, self.invalidated, now)
    }

    /// Joins the fetch in flight (a receiver that fires when it finishes), or marks a new one
    /// started (`None`: the caller fetches).
    pub fn join_or_start(&mut self) -> Option<oneshot::Receiver<()>> {
        if self.in_flight {
            let (tx, rx) = oneshot::channel();
            self.waiters.push(tx);
            Some(rx)
        } else {
            self.in_flight = true;
            None
        }
    }

    pub fn finish(&mut self) {
        self.in_flight = false;
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(());
        }
    }
}

/// A cached list page.
pub struct ListEntry {
    pub meta: QueryMeta,
    pub page: Page,
    /// The epoch of the snapshot `page` was installed from (see [`State::epoch`]).
    pub epoch: u64,
    pub signal: ArcRwSignal<ListView>,
}

impl ListEntry {
    pub fn new() -> Self {
        ListEntry {
            meta: QueryMeta::default(),
            page: Page::default(),
            epoch: 0,
            signal: ArcRwSignal::new(ListView::default()),
        }
    }
}

/// A detail query of one entity.
pub struct DetailEntry {
    pub meta: QueryMeta,
    pub signal: ArcRwSignal<DetailView>,
}

impl DetailEntry {
    pub fn new() -> Self {
        DetailEntry {
            meta: QueryMeta::default(),
            signal: ArcRwSignal::new(DetailView::default()),
        }
    }
}

/// Everything a store holds.
#[derive(Default)]
pub struct State {
    pub rows: HashMap<String, Row>,
    /// Deleted ids: the version of the delete and when it happened.
    pub tombstones: HashMap<String, (u64, f64)>,
    pub lists: HashMap<ListQuery, ListEntry>,
    pub details: HashMap<String, DetailEntry>,
    pub next_mutation: u64,
    /// Counts installed list snapshots. A row last fetched before a list's snapshot is
    /// *doubtful* for that list: whether the snapshot counted it, only the server knows.
    pub epoch: u64,
    /// Ids asked for by [`super::EntityStore::lookup`].
    pub lookups: Lookups,
}

/// The batch of ids [`super::EntityStore::lookup`] still has to fetch, and every id it asked
/// for (each is asked for once: one absent from the answer is not asked for again).
#[derive(Default)]
pub struct Lookups {
    pub asked: std::collections::HashSet<String>,
    pub batch: Vec<String>,
    pub scheduled: bool,
}
