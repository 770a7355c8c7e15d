//! The table around the rows: toolbar, headers, states, pagination. Nothing here knows the
//! kind, so it is compiled once however many kinds an app shows in tables.
//!
//! The frame is written as HTML ([`markup`]) from snapshots of what it shows. A server sends
//! that text; a browser parses it in one call, or finds it in a server's page when hydrating,
//! and then keeps it current by hand (`dom`): three effects, one per signal followed (the list,
//! the query, the selection), each writing only what changed since its last snapshot, and four
//! listeners on the frame's root for every control in it (the rows' events included).
//!
//! As Leptos views, the frame cost about 26 KB of gzipped wasm in an app with one table (the
//! bench page: 187,012 bytes, against 160,694 with only a bare `<table>` around the rows),
//! because every element, attribute and reactive text is a type of its own with its own build,
//! rebuild and mount code. Written this way the page is 172,294 bytes.

#[cfg(target_arch = "wasm32")]
mod dom;
mod markup;

use markup::{ListNow, QueryNow, SelectNow, Shape};

use leptos::prelude::*;

use super::rows::Rows;
use super::{Selection, TableFilter};
use crate::query::ListQuery;
use crate::store::{ListView, StoreCore};

/// Everything the table needs, without the kind.
pub(super) struct Frame {
    pub label: String,
    /// Each column's header and the field it sorts by.
    pub headers: Vec<(String, Option<String>)>,
    pub query: RwSignal<ListQuery>,
    pub on_open: Option<Callback<String>>,
    pub filters: Vec<TableFilter>,
    pub selection: Selection,
    pub selected: Option<RwSignal<Vec<String>>>,
    /// Whether a search box stands above the table.
    pub searchable: bool,
    /// The store, for a retry.
    pub core: StoreCore,
    pub view: Signal<ListView>,
    /// What the rows need of the kind.
    pub kind: super::rows::RowKind,
}

/// The signals the frame follows, and the store to retry.
#[derive(Clone)]
pub(super) struct Live {
    pub query: RwSignal<ListQuery>,
    pub view: Signal<ListView>,
    /// The selected ids, when selection is shown.
    pub selected: Option<RwSignal<Vec<String>>>,
    /// The store, for a retry (a server's render has no button to press).
    #[cfg(target_arch = "wasm32")]
    pub core: StoreCore,
}

impl Live {
    /// The three snapshots now, read without tracking.
    fn now(&self, shape: &Shape) -> (ListNow, QueryNow, SelectNow) {
        self.view.with_untracked(|v| {
            let (list, query) = self
                .query
                .with_untracked(|q| (ListNow::of(v, q.per_page), QueryNow::of(q, shape, v.total)));
            let select = self.selected.map_or(SelectNow::of(&[], &[]), |s| {
                s.with_untracked(|s| SelectNow::of(&v.ids, s))
            });
            (list, query, select)
        })
    }
}

/// The table of `frame`.
pub(super) fn table(frame: Frame) -> impl IntoView {
    let Frame {
        label,
        headers,
        query,
        on_open,
        filters,
        selection,
        selected,
        searchable,
        core,
        view,
        kind,
    } = frame;
    let messages = crate::components::use_messages();
    let selected = selected.filter(|_| selection != Selection::None);
    let shape = Shape {
        label,
        searchable,
        search: query.with_untracked(|q| q.search.clone().unwrap_or_default()),
        filters,
        select: selected.map(|_| selection),
        headers,
        messages,
    };
    let rows = Rows {
        kind,
        #[cfg(target_arch = "wasm32")]
        core: core.clone(),
        view,
        selection: selected.map(|selected| (selection, selected)),
        on_open,
        select_row: messages.table.select_row,
    };
    let live = Live {
        query,
        view,
        selected,
        #[cfg(target_arch = "wasm32")]
        core,
    };
    #[cfg(target_arch = "wasm32")]
    {
        dom::table(shape, live, rows)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        drop(core);
        // Written when the page is rendered, from the stores as they are then.
        let html = move || {
            let (list, query, select) = live.now(&shape);
            markup::frame(
                &shape,
                &list,
                &query,
                select,
                &super::rows::server_html(&rows),
            )
        };
        view! { <div class="df-table" inner_html=html></div> }
    }
}
