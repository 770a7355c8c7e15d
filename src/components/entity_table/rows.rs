//! The table's rows, without the kind. In the browser they are plain DOM kept by one
//! subscription for the whole table (`dom`); on a server they are written once as HTML
//! ([`server_html`]). Both write a row with [`write_row`].
//!
//! A keyed view per row (Leptos's `For`, an owner, an entity signal and an effect per row)
//! cost 15-19 µs a row to mount, four times a hand-written page's whole build; a table of
//! 10,000 rows spent 190 ms before its first layout. Here new rows are written as HTML and
//! parsed by the browser in one call, the list's order is kept by one effect, and the text
//! cells of changed rows by another, woken by the store's row watch with the ids that changed.

#[cfg(target_arch = "wasm32")]
pub(super) mod dom;
#[cfg(any(target_arch = "wasm32", test))]
mod order;

use std::sync::Arc;

use leptos::prelude::*;

use super::html::{attribute, escape};
use super::Selection;
use crate::store::ListView;

/// How a column's cells are made.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum CellKind {
    /// Plain text, from the row's texts (in column order among the text cells).
    Text,
    /// A view of its own, reactive to the row's entity.
    View,
}

/// The texts of a row's text cells (see [`RowKind::texts`]).
pub(super) type Texts = Arc<dyn Fn(&str) -> Option<Vec<String>> + Send + Sync>;

/// A row's view cell at a column index.
pub(super) type ViewCell = Arc<dyn Fn(&str, usize) -> AnyView + Send + Sync>;

/// The view cells of a table's rows. Only a table with a view column has them, and only
/// [`Column::new`](super::Column::new) makes them: a table of text columns links none of the
/// code that builds, mounts and renders views in cells.
#[derive(Clone)]
pub(super) struct ViewCells {
    /// The view cell of a row at a column index (called under the row's owner).
    pub cell: ViewCell,
    /// Builds and mounts a row's view cells in the browser (reached only through here).
    #[cfg(target_arch = "wasm32")]
    pub mount: dom::MountViews,
}

impl ViewCells {
    /// The view cells that `cell` makes.
    pub fn new(cell: ViewCell) -> Self {
        ViewCells {
            cell,
            #[cfg(target_arch = "wasm32")]
            mount: dom::mount_views,
        }
    }
}

/// What the rows need of the kind.
#[derive(Clone)]
pub(super) struct RowKind {
    /// Each column's kind of cell.
    pub cells: Vec<CellKind>,
    /// The texts of a row's text cells, in column order, for its entity now (`None` when the
    /// store does not hold it).
    pub texts: Texts,
    /// The view cells, when a column has any.
    pub views: Option<ViewCells>,
    /// The row's entity's name now (the selection box's label).
    pub name: Arc<dyn Fn(&str) -> String + Send + Sync>,
}

/// Everything the rows need, without the kind.
pub(super) struct Rows {
    pub kind: RowKind,
    /// The store, whose row watch keeps the text cells current.
    #[cfg(target_arch = "wasm32")]
    pub core: crate::store::StoreCore,
    pub view: Signal<ListView>,
    /// How rows are selected, and the selected ids (only when selection is on).
    pub selection: Option<(Selection, RwSignal<Vec<String>>)>,
    pub on_open: Option<Callback<String>>,
    /// A row's selection box's label, from its entity's name.
    pub select_row: fn(&str) -> String,
}

/// What writing a row needs besides its id.
pub(super) struct RowHtml<'a> {
    pub kind: &'a RowKind,
    pub selection: Option<(Selection, RwSignal<Vec<String>>)>,
    pub openable: bool,
    pub select_row: fn(&str) -> String,
    /// The name of the table's selection boxes (one group per table).
    pub select_name: &'a str,
}

/// A written row: its text cells' texts in column order, and with selection the entity name
/// its box's label shows.
pub(super) type Written = (Vec<String>, Option<String>);

/// Appends the row of `id`, for its entity now, to `html`. View cells are filled by `view`
/// (a server writes their HTML; the browser leaves them empty and mounts them).
pub(super) fn write_row(
    html: &mut String,
    row: &RowHtml<'_>,
    id: &str,
    view: &mut dyn FnMut(&mut String, usize),
) -> Written {
    let texts = (row.kind.texts)(id).unwrap_or_default();
    html.push_str(if row.openable {
        r#"<tr tabindex="0" class="df-row--openable">"#
    } else {
        "<tr>"
    });
    let name = row.selection.map(|(mode, selected)| {
        let name = (row.kind.name)(id);
        html.push_str("<td><input");
        attribute(
            html,
            "type",
            if mode == Selection::Multiple {
                "checkbox"
            } else {
                "radio"
            },
        );
        attribute(html, "name", row.select_name);
        attribute(html, "aria-label", &(row.select_row)(&name));
        if selected.with_untracked(|s| s.iter().any(|x| x == id)) {
            html.push_str(" checked");
        }
        html.push_str("></td>");
        name
    });
    let mut shown = texts.iter();
    for (index, cell) in row.kind.cells.iter().enumerate() {
        html.push_str("<td>");
        match cell {
            CellKind::Text => escape(html, shown.next().map_or("", String::as_str)),
            CellKind::View => view(html, index),
        }
        html.push_str("</td>");
    }
    html.push_str("</tr>");
    (texts, name)
}

/// The rows as a server writes them: once, as HTML (view cells rendered to HTML too). A
/// hydrating browser replaces them with its own (the same rows), so nothing here is hydrated.
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn server_html(rows: &Rows) -> String {
    use leptos::tachys::view::RenderHtml;
    let row = RowHtml {
        kind: &rows.kind,
        selection: rows.selection,
        openable: rows.on_open.is_some(),
        select_row: rows.select_row,
        select_name: "df-row-selection",
    };
    let mut html = String::new();
    rows.view.with(|v| {
        for id in &v.ids {
            let mut view = |html: &mut String, index: usize| {
                if let Some(views) = &rows.kind.views {
                    html.push_str(&(views.cell)(id, index).to_html());
                }
            };
            write_row(&mut html, &row, id, &mut view);
        }
    });
    html
}
