mod frame;
mod html;
mod rows;

use std::sync::Arc;

use leptos::prelude::*;

use crate::entity::Entity;
use crate::hooks::use_list;
use crate::query::ListQuery;
use crate::store::{EntityStore, UntypedStore};

/// One column of an [`EntityTable`]: a header, how to render a cell, and optionally the field
/// its header sorts by.
pub struct Column<E> {
    header: String,
    sort: Option<String>,
    cell: Cell<E>,
}

/// How a column renders its cells.
enum Cell<E> {
    /// Any view, rebuilt when the row changes; and what makes a table's view cells.
    View(Arc<dyn Fn(&E) -> AnyView + Send + Sync>, MakeViews<E>),
    /// Text: the cell's one text node is updated in place, and only when the text changed.
    Text(Arc<dyn Fn(&E) -> String + Send + Sync>),
}

impl<E> Clone for Column<E> {
    fn clone(&self) -> Self {
        Column {
            header: self.header.clone(),
            sort: self.sort.clone(),
            cell: match &self.cell {
                Cell::View(f, make) => Cell::View(Arc::clone(f), *make),
                Cell::Text(f) => Cell::Text(Arc::clone(f)),
            },
        }
    }
}

impl<E> Column<E> {
    /// A column titled `header` whose cells `cell` renders.
    ///
    /// ```
    /// use data_farm::components::Column;
    /// use data_farm::prelude::*;
    /// use leptos::prelude::*;
    /// let name = Column::new("Name", |d: &Device| d.name.clone().into_any()).sortable("name");
    /// # let _ = name;
    /// ```
    pub fn new(
        header: impl Into<String>,
        cell: impl Fn(&E) -> AnyView + Send + Sync + 'static,
    ) -> Self
    where
        E: Entity,
    {
        Column {
            header: header.into(),
            sort: None,
            cell: Cell::View(Arc::new(cell), view_cells::<E>),
        }
    }

    /// A column of plain text: the cheapest kind to keep live, since a change to the row
    /// touches the DOM only where the text differs (a status change rewrites one text node).
    ///
    /// ```
    /// use data_farm::components::Column;
    /// use data_farm::prelude::*;
    /// let status = Column::text("Status", |d: &Device| d.status.as_str().to_owned());
    /// # let _ = status;
    /// ```
    pub fn text(
        header: impl Into<String>,
        text: impl Fn(&E) -> String + Send + Sync + 'static,
    ) -> Self {
        Column {
            header: header.into(),
            sort: None,
            cell: Cell::Text(Arc::new(text)),
        }
    }

    /// Makes the header a button that sorts by `field`.
    pub fn sortable(mut self, field: impl Into<String>) -> Self {
        self.sort = Some(field.into());
        self
    }
}

/// Makes a table's view cells from its store and columns: only [`Column::new`] names it, so a
/// table of text columns links no code that builds views in cells.
type MakeViews<E> = fn(UntypedStore, Vec<Column<E>>) -> rows::ViewCells;

/// The view cells of a table of `E` with these columns.
fn view_cells<E: Entity>(store: UntypedStore, columns: Vec<Column<E>>) -> rows::ViewCells {
    let store = EntityStore::<E>::of_untyped(store);
    rows::ViewCells::new(Arc::new(move |id: &str, index: usize| {
        let Some(Cell::View(cell, _)) = columns.get(index).map(|c| &c.cell) else {
            return ().into_any();
        };
        // A view cell follows its row's entity through the row's signal.
        let (cell, entity) = (Arc::clone(cell), store.get(id));
        (move || entity.with(|e| e.as_ref().map(|e| cell(e)))).into_any()
    }))
}

/// A filter offered above an [`EntityTable`]: a labelled select over one field's values.
#[derive(Debug, Clone, PartialEq)]
pub struct TableFilter {
    /// The select's label.
    pub label: String,
    /// The field filtered on (a query filter name such as `status`).
    pub field: String,
    /// The choices: (value, label). An "All" choice clears the filter.
    pub options: Vec<(String, String)>,
}

impl TableFilter {
    /// A filter on `field` labelled `label` with these (value, label) choices.
    pub fn new(label: &str, field: &str, options: &[(&str, &str)]) -> Self {
        TableFilter {
            label: label.to_owned(),
            field: field.to_owned(),
            options: options
                .iter()
                .map(|(v, l)| (v.to_string(), l.to_string()))
                .collect(),
        }
    }
}

pub use crate::hooks::Selection;

/// A live table of one kind: search (debounced), sortable headers, pagination (none for an
/// [`unpaged`](ListQuery::unpaged) query), skeleton rows on the first load only, a thin
/// progress bar while refreshing cached rows, empty and error states. An update touches only
/// the cells whose text changed (and the view cells of its row); a row whose place changed is
/// moved, the others stay.
#[component]
pub fn EntityTable<E: Entity>(
    /// Accessible name of the table (and of its search box and pagination).
    #[prop(into)]
    label: String,
    /// The columns.
    columns: Vec<Column<E>>,
    /// The query shown; the table changes its search, sort and page.
    query: RwSignal<ListQuery>,
    /// Called with the id of a row activated by click or Enter.
    #[prop(optional, into)]
    on_open: Option<Callback<String>>,
    /// Filters offered above the table.
    #[prop(optional)]
    filters: Vec<TableFilter>,
    /// How rows can be selected. Defaults to not at all.
    #[prop(optional)]
    selection: Selection,
    /// The selected ids (required for selection to be shown).
    #[prop(optional)]
    selected: Option<RwSignal<Vec<String>>>,
    /// Whether a search box (debounced into the query's search) stands above the table.
    /// Defaults to `true`; a table that lists a fixed set can leave it out.
    #[prop(default = true)]
    searchable: bool,
) -> impl IntoView {
    let list = use_list::<E>(query);
    let headers = columns
        .iter()
        .map(|column| (column.header.clone(), column.sort.clone()))
        .collect();
    let store = list.store;
    // The only code of the table compiled per kind: a row's texts, view cells and name.
    let cells = columns
        .iter()
        .map(|column| match column.cell {
            Cell::Text(_) => rows::CellKind::Text,
            Cell::View(..) => rows::CellKind::View,
        })
        .collect();
    let texts: Vec<_> = columns
        .iter()
        .filter_map(|column| match &column.cell {
            Cell::Text(text) => Some(Arc::clone(text)),
            Cell::View(..) => None,
        })
        .collect();
    let make_views = columns.iter().find_map(|column| match column.cell {
        Cell::View(_, make) => Some(make),
        Cell::Text(_) => None,
    });
    let kind = rows::RowKind {
        cells,
        texts: Arc::new(move |id: &str| {
            store.peek_with(id, |e| texts.iter().map(|text| text(e)).collect())
        }),
        views: make_views.map(|make| make(store.untyped(), columns)),
        name: Arc::new(move |id: &str| {
            store
                .peek_with(id, |e| e.name().to_owned())
                .unwrap_or_default()
        }),
    };
    frame::table(frame::Frame {
        label,
        headers,
        query,
        on_open,
        filters,
        selection,
        selected,
        searchable,
        core: list.store.core(),
        view: list.view,
        kind,
    })
}
