//! The rows as plain DOM: new rows are written as escaped HTML and parsed by the browser in
//! one call, kept in a map by id, and moved, added and removed by one effect that follows
//! the list's order. A second effect, woken by the store's row watch, rewrites the text nodes
//! of the rows that changed, once per batch of changes. Clicks, Enter and selection changes are
//! heard once, on the table (the frame passes them on), and find their row by its index. View
//! cells (any view) are built and mounted by Leptos under an owner per row, so their effects end
//! with the row.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos::tachys::view::{Mountable, Render};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlTableRowElement, HtmlTableSectionElement, Node};

use super::{order, write_row, CellKind, RowHtml, RowKind, Rows, ViewCells};
use crate::components::entity_table::Selection;
use crate::store::{ListView, StoreCore};

/// Tables made so far, for their selection boxes' names: radios of one name form one group in
/// a document, so each table's boxes get a name of their own.
static TABLES: AtomicU64 = AtomicU64::new(0);

/// A text cell as shown: its text node is looked up at its first change (most rows never
/// change) and kept, so a later change costs one DOM call and keeps the node.
struct TextCell {
    /// The cell's index in its row.
    at: u32,
    node: Option<Node>,
    shown: String,
}

/// One row in the DOM.
struct Row {
    tr: HtmlTableRowElement,
    texts: Vec<TextCell>,
    /// The selection box (looked up when first needed) and the name its label shows.
    select: Option<(Option<HtmlInputElement>, String)>,
    /// The owner of the row's view cells and their mounted states (dropped with the row, which
    /// ends their effects).
    _views: Option<(Owner, MountedViews)>,
}

/// The rows of one table body.
struct List {
    tbody: HtmlTableSectionElement,
    document: web_sys::Document,
    kind: RowKind,
    selection: Option<(Selection, RwSignal<Vec<String>>)>,
    openable: bool,
    select_row: fn(&str) -> String,
    /// The name of this table's selection boxes.
    select_name: Rc<str>,
    /// Where the rows' owners hang (the table's owner).
    parent: Owner,
    /// The ids in the order shown.
    order: Vec<String>,
    rows: HashMap<String, Row>,
    /// Whether the body may still hold rows a server rendered (replaced at the first build).
    first: bool,
}

/// The rows of one table, in a `<tbody>` the table's frame hands over ([`Body::attach`]). The
/// frame passes on the events heard on the table ([`Body::click`], [`Body::key`],
/// [`Body::change`]); those of other elements are ignored here.
pub(in crate::components::entity_table) struct Body {
    list: Rc<RefCell<Option<List>>>,
    /// Kept until [`Body::attach`].
    rows: RefCell<Option<Rows>>,
    on_open: Option<Callback<String>>,
    selection: Option<(Selection, RwSignal<Vec<String>>)>,
    select_name: Rc<str>,
}

impl Body {
    /// The rows of `rows`, not yet in the document.
    pub fn new(rows: Rows) -> Body {
        Body {
            list: Rc::default(),
            on_open: rows.on_open,
            selection: rows.selection,
            select_name: format!(
                "df-row-selection-{}",
                TABLES.fetch_add(1, Ordering::Relaxed)
            )
            .into(),
            rows: RefCell::new(Some(rows)),
        }
    }

    /// Shows the rows in `tbody` (replacing rows a server wrote there) and keeps them current
    /// for as long as the current owner lives.
    pub fn attach(&self, tbody: Element) {
        let Some(rows) = self.rows.borrow_mut().take() else {
            return;
        };
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Rows {
            kind,
            core,
            view,
            selection,
            on_open,
            select_row,
        } = rows;
        *self.list.borrow_mut() = Some(List {
            tbody: tbody.unchecked_into(),
            document,
            kind,
            selection,
            openable: on_open.is_some(),
            select_row,
            select_name: self.select_name.clone(),
            parent: Owner::current().unwrap_or_default(),
            order: Vec::new(),
            rows: HashMap::new(),
            first: true,
        });
        start(self.list.clone(), &core, view, selection);
    }

    /// The id of the row (of this body) an event happened in.
    fn row_id(&self, target: Option<web_sys::EventTarget>) -> Option<String> {
        let tr: HtmlTableRowElement = target?
            .dyn_into::<Element>()
            .ok()?
            .closest("tr")
            .ok()??
            .dyn_into()
            .ok()?;
        let list = self.list.borrow();
        let list = list.as_ref()?;
        // A header row, or a row of a table inside a view cell, is not one of these rows.
        if !list.tbody.is_same_node(tr.parent_node().as_ref()) {
            return None;
        }
        let index = usize::try_from(tr.section_row_index()).ok()?;
        list.order.get(index).cloned()
    }

    /// A click: opens the row, unless it was on an input (the selection box selects).
    pub fn click(&self, ev: &web_sys::Event) {
        let Some(open) = self.on_open else { return };
        let on_input = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            .is_some();
        if !on_input {
            if let Some(id) = self.row_id(ev.target()) {
                open.run(id);
            }
        }
    }

    /// A key: Enter opens the row.
    pub fn key(&self, ev: &web_sys::KeyboardEvent) {
        if let (Some(open), "Enter") = (self.on_open, ev.key().as_str()) {
            if let Some(id) = self.row_id(ev.target()) {
                open.run(id);
            }
        }
    }

    /// A change: a row's selection box selects or unselects its row.
    pub fn change(&self, ev: &web_sys::Event) {
        let Some((mode, selected)) = self.selection else {
            return;
        };
        // Only the row's selection box selects (a view cell may hold inputs of its own).
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            .filter(|input| *input.name() == *self.select_name)
        else {
            return;
        };
        let Some(id) = self.row_id(ev.target()) else {
            return;
        };
        let on = input.checked();
        selected.update(|s| {
            if mode == Selection::Single {
                s.clear();
            }
            s.retain(|x| *x != id);
            if on {
                s.push(id);
            }
        });
    }
}

/// Starts the effects that keep `list` current: its order, its rows' texts, its selection.
fn start(
    list: Rc<RefCell<Option<List>>>,
    core: &StoreCore,
    view: Signal<ListView>,
    selection: Option<(Selection, RwSignal<Vec<String>>)>,
) {
    // The ids whose rows changed since the texts were last brought up to date.
    let changed: Arc<Mutex<HashSet<String>>> = Arc::default();
    let wake = ArcTrigger::new();
    let watch = {
        let (changed, wake) = (changed.clone(), wake.clone());
        core.watch_rows(move |ids| {
            changed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(ids.iter().cloned());
            wake.notify();
        })
    };
    let order = {
        let list = list.clone();
        RenderEffect::new(move |_: Option<()>| {
            let ids = view.with(|v| v.ids.clone());
            if let Some(list) = list.borrow_mut().as_mut() {
                list.show(ids);
            }
        })
    };
    let texts = {
        let list = list.clone();
        RenderEffect::new(move |_: Option<()>| {
            wake.track();
            let ids: Vec<String> = changed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .drain()
                .collect();
            if let Some(list) = list.borrow_mut().as_mut() {
                list.refresh(&ids);
            }
        })
    };
    let checks = selection.map(|(_, selected)| {
        RenderEffect::new(move |before: Option<()>| {
            selected.with(|s| {
                // At the first run the rows were just made checked as selected: only later
                // changes of the selection need a pass over them.
                if before.is_none() {
                    return;
                }
                if let Some(list) = list.borrow_mut().as_mut() {
                    list.check(s);
                }
            });
        })
    });
    // The table's owner ends with the table: so do the effects and the watch.
    on_cleanup(move || drop((order, texts, checks, watch)));
}

impl List {
    /// Shows the rows of `ids`, in this order: rows gone are removed, new rows made, and the
    /// fewest rows moved (those outside the longest run still in their old order).
    fn show(&mut self, ids: Vec<String>) {
        if std::mem::take(&mut self.first) && self.tbody.first_child().is_some() {
            // A server's rows, with no state of their own here: made again below.
            self.tbody.set_text_content(None);
        }
        let wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        self.rows.retain(|id, row| {
            let keep = wanted.contains(id.as_str());
            if !keep {
                row.tr.remove();
            }
            keep
        });
        // New ids, each once (a list never names an id twice, but a row made twice would stay
        // in the DOM unowned).
        let mut made_once = HashSet::new();
        let fresh: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| !self.rows.contains_key(*id) && made_once.insert(*id))
            .collect();
        if self.rows.is_empty() {
            // Every row is new (the first render): made in place, in order.
            let made = self.make(&fresh, &self.tbody);
            self.rows.extend(made);
        } else {
            let was: HashMap<&str, usize> = self
                .order
                .iter()
                .enumerate()
                .map(|(at, id)| (id.as_str(), at))
                .collect();
            let old: Vec<Option<usize>> =
                ids.iter().map(|id| was.get(id.as_str()).copied()).collect();
            let stay = order::staying(&old);
            if !fresh.is_empty() {
                // New rows are made apart, then put in their places below.
                if let Some(scratch) = self.scratch() {
                    let made = self.make(&fresh, &scratch);
                    self.rows.extend(made);
                }
            }
            // From the end, each row that moves (or is new) goes before the row after it.
            let mut next: Option<&HtmlTableRowElement> = None;
            for (id, stays) in ids.iter().zip(stay).rev() {
                let Some(row) = self.rows.get(id) else {
                    continue;
                };
                if !stays {
                    let _ = self
                        .tbody
                        .insert_before(&row.tr, next.map(|tr| tr.as_ref()));
                }
                next = Some(&row.tr);
            }
        }
        self.order = ids;
        if self.order.len() != self.rows.len() {
            // A row could not be made (or an id came twice): the order is of the rows shown.
            let mut seen = HashSet::new();
            let rows = &self.rows;
            self.order
                .retain(|id| rows.contains_key(id) && seen.insert(id.clone()));
        }
    }

    /// An empty body outside the document, where new rows are made before they are placed.
    fn scratch(&self) -> Option<HtmlTableSectionElement> {
        Some(self.document.create_element("tbody").ok()?.unchecked_into())
    }

    /// Makes the rows of `ids` for their entities now, appended to `body`. Their HTML is
    /// written ([`write_row`]) and parsed by the browser in one call: a row made by a dozen DOM
    /// calls from wasm, each passing its strings across, costs several times more. View cells
    /// are then built and mounted by Leptos.
    fn make(&self, ids: &[&str], body: &HtmlTableSectionElement) -> Vec<(String, Row)> {
        let mut html = String::with_capacity(ids.len() * 64);
        let mut rows = Vec::with_capacity(ids.len());
        let skip = u32::from(self.selection.is_some());
        let row = RowHtml {
            kind: &self.kind,
            selection: self.selection,
            openable: self.openable,
            select_row: self.select_row,
            select_name: &self.select_name,
        };
        for id in ids {
            let (texts, name) = write_row(&mut html, &row, id, &mut |_, _| {});
            // The text cells' places in the row, in column order.
            let places = (skip..)
                .zip(&self.kind.cells)
                .filter(|(_, cell)| **cell == CellKind::Text)
                .map(|(at, _)| at);
            let cells = places
                .zip(texts)
                .map(|(at, shown)| TextCell {
                    at,
                    node: None,
                    shown,
                })
                .collect::<Vec<_>>();
            rows.push((id.to_string(), cells, name.map(|name| (None, name))));
        }
        let before = body.rows().length();
        if body.insert_adjacent_html("beforeend", &html).is_err() {
            return Vec::new();
        }
        let made = body.rows();
        rows.into_iter()
            .zip(before..)
            .filter_map(|((id, texts, select), at)| {
                let tr: HtmlTableRowElement = made.item(at)?.unchecked_into();
                let views = self.kind.views.as_ref().map(|views| {
                    let owner = self.parent.with(Owner::new);
                    let states = (views.mount)(views, &self.kind.cells, &owner, &id, &tr, skip);
                    (owner, states)
                });
                Some((
                    id,
                    Row {
                        tr,
                        texts,
                        select,
                        _views: views,
                    },
                ))
            })
            .collect()
    }

    /// Brings the texts of the rows of `ids` up to date, touching only cells whose text changed.
    fn refresh(&mut self, ids: &[String]) {
        for id in ids {
            let Some(row) = self.rows.get_mut(id) else {
                continue;
            };
            // Not held any more: the order effect removes the row.
            let Some(texts) = (self.kind.texts)(id) else {
                continue;
            };
            for (cell, text) in row.texts.iter_mut().zip(texts) {
                if text == cell.shown {
                    continue;
                }
                let td = match &cell.node {
                    Some(_) => None,
                    None => row.tr.cells().item(cell.at),
                };
                if let Some(td) = &td {
                    cell.node = td.first_child();
                }
                match (&cell.node, td) {
                    (Some(node), _) => node.set_node_value(Some(&text)),
                    // An empty cell has no text node: its text makes one (found next time).
                    (None, Some(td)) => td.set_text_content(Some(&text)),
                    (None, None) => {}
                }
                cell.shown = text;
            }
            if let Some((input, shown)) = &mut row.select {
                let name = (self.kind.name)(id);
                if name != *shown {
                    if let Some(input) = select_box(&row.tr, input) {
                        let _ = input.set_attribute("aria-label", &(self.select_row)(&name));
                    }
                    *shown = name;
                }
            }
        }
    }

    /// Checks the selection boxes of the `selected` rows, and only theirs.
    fn check(&mut self, selected: &[String]) {
        for (id, row) in &mut self.rows {
            if let Some((input, _)) = &mut row.select {
                if let Some(input) = select_box(&row.tr, input) {
                    let on = selected.contains(id);
                    if input.checked() != on {
                        input.set_checked(on);
                    }
                }
            }
        }
    }
}

/// Mounted view cells: their states, in column order.
type MountedViews = Vec<<AnyView as Render>::State>;

/// How a row's view cells are built and mounted (see [`ViewCells`]).
pub(in crate::components::entity_table) type MountViews =
    fn(&ViewCells, &[CellKind], &Owner, &str, &HtmlTableRowElement, u32) -> MountedViews;

/// Builds the view cells of the row `id` under `owner` and mounts them in their cells of
/// `tr` (whose first `skip` cells are not columns).
pub(in crate::components::entity_table) fn mount_views(
    views: &ViewCells,
    cells: &[CellKind],
    owner: &Owner,
    id: &str,
    tr: &HtmlTableRowElement,
    skip: u32,
) -> MountedViews {
    let tds = tr.cells();
    let mut states = Vec::new();
    for ((index, cell), at) in cells.iter().enumerate().zip(skip..) {
        if *cell != CellKind::View {
            continue;
        }
        if let Some(td) = tds.item(at) {
            let mut state = owner.with(|| (views.cell)(id, index).build());
            state.mount(&td, None);
            states.push(state);
        }
    }
    states
}

/// The selection box of the row `tr` (the only child of its first cell), looked up once and
/// kept in `kept`.
fn select_box<'a>(
    tr: &HtmlTableRowElement,
    kept: &'a mut Option<HtmlInputElement>,
) -> Option<&'a HtmlInputElement> {
    if kept.is_none() {
        *kept = tr
            .cells()
            .item(0)
            .and_then(|cell| cell.first_element_child())
            .and_then(|input| input.dyn_into().ok());
    }
    kept.as_ref()
}
