//! The table's rows, without the kind. In the browser they are plain DOM kept by one
//! subscription for the whole table (`dom`); on a server they render once as HTML.
//!
//! A keyed view per row (Leptos's `For`, an owner, an entity signal and an effect per row)
//! cost 15-19 µs a row to mount, four times a hand-written page's whole build; a table of
//! 10,000 rows spent 190 ms before its first layout. Here new rows are written as HTML and
//! parsed by the browser in one call, the list's order is kept by one effect, and the text
//! cells of changed rows by another, woken by the store's row watch with the ids that changed.

#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(any(target_arch = "wasm32", test))]
mod order;

use std::sync::Arc;

use leptos::prelude::*;

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

/// What the rows need of the kind.
#[derive(Clone)]
pub(super) struct RowKind {
    /// Each column's kind of cell.
    pub cells: Vec<CellKind>,
    /// The texts of a row's text cells, in column order, for its entity now (`None` when the
    /// store does not hold it).
    pub texts: Texts,
    /// The view cell of a row at a column index (called under the row's owner).
    pub view: ViewCell,
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

/// The `<tbody>` of the rows.
pub(super) fn body(rows: Rows) -> impl IntoView {
    #[cfg(target_arch = "wasm32")]
    {
        dom::body(rows)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        server_body(rows)
    }
}

/// The rows as a server renders them: once, as HTML. A hydrating browser replaces them with
/// its own (the same rows), so nothing here is hydrated.
#[cfg(not(target_arch = "wasm32"))]
fn server_body(rows: Rows) -> impl IntoView {
    let Rows {
        kind,
        view,
        selection,
        on_open,
        select_row,
        ..
    } = rows;
    let kind = Arc::new(kind);
    let openable = on_open.is_some();
    view! {
        <tbody>
            {move || {
                let ids = view.with(|v| v.ids.clone());
                ids.iter()
                    .map(|id| server_row(&kind, id, selection, openable, select_row))
                    .collect_view()
            }}
        </tbody>
    }
}

/// One row as HTML.
#[cfg(not(target_arch = "wasm32"))]
fn server_row(
    kind: &RowKind,
    id: &str,
    selection: Option<(Selection, RwSignal<Vec<String>>)>,
    openable: bool,
    select_row: fn(&str) -> String,
) -> AnyView {
    let select = selection.map(|(mode, selected)| {
        let input_type = if mode == Selection::Multiple { "checkbox" } else { "radio" };
        let label = select_row(&(kind.name)(id));
        let checked = selected.with_untracked(|s| s.iter().any(|x| x == id));
        view! { <td><input type=input_type name="df-row-selection" aria-label=label checked=checked/></td> }
    });
    let mut texts = (kind.texts)(id).unwrap_or_default().into_iter();
    let cells = kind
        .cells
        .iter()
        .enumerate()
        .map(|(index, cell)| match cell {
            CellKind::Text => view! { <td>{texts.next().unwrap_or_default()}</td> }.into_any(),
            CellKind::View => view! { <td>{(kind.view)(id, index)}</td> }.into_any(),
        })
        .collect_view();
    view! {
        <tr tabindex=openable.then_some("0") class=openable.then_some("df-row--openable")>
            {select}{cells}
        </tr>
    }
    .into_any()
}

/// Appends `text` to `html`, escaped for an element's text or a quoted attribute value.
#[cfg(any(target_arch = "wasm32", test))]
fn escape(html: &mut String, text: &str) {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        html.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped_for_elements_and_attributes() {
        let mut html = String::from("<td>");
        super::escape(&mut html, r#"<img src=x onerror="a&b">'"#);
        assert_eq!(
            html,
            "<td>&lt;img src=x onerror=&quot;a&amp;b&quot;&gt;&#39;"
        );
        let mut plain = String::new();
        super::escape(&mut plain, "portal-canary 2 · ünïcode");
        assert_eq!(plain, "portal-canary 2 · ünïcode");
    }
}
