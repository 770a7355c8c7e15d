//! The frame in the browser: its HTML parsed in one call (or found, when hydrating a server's
//! page), then kept current by hand. Each effect follows one signal, keeps its last snapshot
//! and writes only the parts that differ. Controls are heard by one listener on the root (for
//! clicks, changes, keys and input), which tells them apart by their `data-df` attribute and
//! passes the rest on to the rows.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

use super::markup::{self, ListNow, QueryNow, SelectNow, Shape};
use super::Live;
use crate::components::entity_table::rows::{dom::Body, Rows};
use crate::query::ListQuery;

/// The frame's elements that change.
struct Nodes {
    root: Element,
    filters: Vec<Element>,
    selected: Option<Element>,
    total: Option<Element>,
    progress: Option<Element>,
    table: Option<Element>,
    all: Option<HtmlInputElement>,
    /// The headers' cells, in column order.
    sorts: Vec<Element>,
    /// The loading and empty states' body, and the rows' body after it.
    states: Option<Element>,
    rows: Option<Element>,
    /// The alert shown for an error, while there is one.
    error: RefCell<Option<Element>>,
    nav: Option<Element>,
    previous: Option<Element>,
    page: Option<Element>,
    next: Option<Element>,
}

/// The frame's own element marked `data-df="{name}"` (not one inside a view cell).
fn own(root: &Element, name: &str) -> Option<Element> {
    all_own(root, name).into_iter().next()
}

/// Every element of the frame's own marked `data-df="{name}"`, in document order.
fn all_own(root: &Element, name: &str) -> Vec<Element> {
    let Ok(found) = root.query_selector_all(&format!("[data-df=\"{name}\"]")) else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|at| found.item(at)?.dyn_into::<Element>().ok())
        .filter(|el| is_own(root, el))
        .collect()
}

/// Whether `el` belongs to this frame rather than to a table inside one of its cells.
fn is_own(root: &Element, el: &Element) -> bool {
    el.closest(".df-table")
        .ok()
        .flatten()
        .is_some_and(|table| table.is_same_node(Some(root)))
}

fn set_attribute(el: &Option<Element>, name: &str, value: &str) {
    if let Some(el) = el {
        let _ = el.set_attribute(name, value);
    }
}

fn set_flag(el: &Option<Element>, name: &str, on: bool) {
    if let Some(el) = el {
        let _ = el.toggle_attribute_with_force(name, on);
    }
}

fn set_text(el: &Option<Element>, text: &str) {
    if let Some(el) = el {
        el.set_text_content(Some(text));
    }
}

/// Whether a snapshot's part changed (always, when there is no earlier snapshot).
fn changed<T: PartialEq + ?Sized>(before: Option<&T>, now: &T) -> bool {
    before != Some(now)
}

impl Nodes {
    fn find(root: Element) -> Nodes {
        let table = root.query_selector(":scope > table").ok().flatten();
        let bodies = table
            .as_ref()
            .and_then(|t| t.query_selector_all(":scope > tbody").ok());
        let body = |at| {
            bodies
                .as_ref()
                .and_then(|b| b.item(at)?.dyn_into::<Element>().ok())
        };
        Nodes {
            filters: all_own(&root, "filter"),
            selected: own(&root, "selected"),
            total: own(&root, "total"),
            progress: own(&root, "progress"),
            all: own(&root, "all").and_then(|el| el.dyn_into().ok()),
            sorts: all_own(&root, "sort"),
            states: body(0),
            rows: body(1),
            error: RefCell::new(own(&root, "error")),
            nav: root.query_selector(":scope > nav").ok().flatten(),
            previous: own(&root, "previous"),
            page: own(&root, "page"),
            next: own(&root, "next"),
            table,
            root,
        }
    }

    /// Writes what changed of the list.
    fn show_list(&self, shape: &Shape, before: Option<&ListNow>, now: &ListNow) {
        let m = shape.messages;
        if changed(before.map(|b| &b.total), &now.total) {
            set_text(&self.total, &markup::total_text(m, now.total));
        }
        if changed(before.map(|b| &b.refreshing), &now.refreshing) {
            set_attribute(
                &self.progress,
                "class",
                markup::progress_class(now.refreshing),
            );
        }
        if changed(before.map(|b| &b.busy), &now.busy) {
            set_attribute(&self.table, "aria-busy", markup::busy(now.busy));
        }
        if changed(before.map(|b| &b.body), &now.body) {
            if let Some(states) = &self.states {
                states.set_inner_html(&markup::state_body(shape, now.body));
            }
        }
        if changed(before.map(|b| &b.error), &now.error) {
            if let Some(shown) = self.error.borrow_mut().take() {
                shown.remove();
            }
            if let Some(err) = &now.error {
                // Before the pagination, where the markup puts it.
                let anchor = self.nav.as_ref().unwrap_or(&self.root);
                let place = if self.nav.is_some() {
                    "beforebegin"
                } else {
                    "beforeend"
                };
                if anchor
                    .insert_adjacent_html(place, &markup::error(m, err))
                    .is_ok()
                {
                    *self.error.borrow_mut() = own(&self.root, "error");
                }
            }
        }
    }

    /// Writes what changed of the query.
    fn show_query(&self, shape: &Shape, before: Option<&QueryNow>, now: &QueryNow) {
        for (at, (select, value)) in self.filters.iter().zip(&now.filters).enumerate() {
            if changed(before.and_then(|b| b.filters.get(at)), value) {
                let _ = js_sys::Reflect::set(select, &"value".into(), &value.into());
            }
        }
        for (at, (th, sort)) in self.sorts.iter().zip(&now.sorts).enumerate() {
            if changed(before.and_then(|b| b.sorts.get(at)), sort) {
                let _ = th.set_attribute("aria-sort", sort);
            }
        }
        if changed(before.map(|b| &b.paged), &now.paged) {
            set_flag(&self.nav, "hidden", !now.paged);
        }
        if changed(
            before.map(|b| (b.page, b.pages)).as_ref(),
            &(now.page, now.pages),
        ) {
            set_flag(&self.previous, "disabled", now.page <= 1);
            set_flag(&self.next, "disabled", now.page >= now.pages);
            set_text(&self.page, &now.page_text(shape.messages));
        }
    }

    /// Writes what changed of the selection.
    fn show_select(&self, shape: &Shape, before: Option<&SelectNow>, now: &SelectNow) {
        if changed(before.map(|b| &b.count), &now.count) {
            let text = now.text(shape.messages);
            set_attribute(&self.selected, "aria-label", &text);
            set_text(&self.selected, &text);
        }
        if let Some(all) = &self.all {
            if all.checked() != now.all {
                all.set_checked(now.all);
            }
        }
    }
}

/// The table: a root element whose content is the frame's HTML.
pub(super) fn table(shape: Shape, live: Live, rows: Rows) -> impl IntoView {
    let shape = Rc::new(shape);
    let body = Rc::new(Body::new(rows));
    let nodes: Rc<RefCell<Option<Rc<Nodes>>>> = Rc::default();
    let attach = {
        let (shape, live, body, nodes) = (shape.clone(), live.clone(), body.clone(), nodes.clone());
        move |root: Element| {
            let (list, query, select) = live.now(&shape);
            // While hydrating, the server's frame is kept and everything in it is written once
            // from here. Otherwise the frame is written, also over the frame of another table
            // when Leptos rebuilds this element in place of that table's (same view type).
            let hydrating = Owner::current_shared_context().is_some_and(|c| c.during_hydration());
            let ours = !(hydrating && root.first_element_child().is_some());
            if ours {
                root.set_inner_html(&markup::frame(&shape, &list, &query, select, ""));
            }
            let found = Rc::new(Nodes::find(root));
            let Some(tbody) = found.rows.clone() else {
                leptos::logging::warn!("data-farm: a table's frame has no body for its rows");
                return;
            };
            *nodes.borrow_mut() = Some(found.clone());
            body.attach(tbody);
            start(&shape, &live, &found, ours.then_some((list, query, select)));
        }
    };
    // One listener on the root hears every control (click, change, keydown, input) and tells
    // the events apart by type: four `on:` handlers would each compile Leptos's listener code
    // for their own event and closure types (about 6 KB of wasm).
    let typed = Rc::new(Cell::new(0u64));
    let on_event = {
        let (shape, live, body, nodes) = (shape.clone(), live.clone(), body.clone(), nodes.clone());
        move |ev: web_sys::Event| match ev.type_().as_str() {
            "click" => match control(&nodes, ev.target()) {
                Some((name, el)) => clicked(&shape, &live, &name, &el),
                None => body.click(&ev),
            },
            "change" => match control(&nodes, ev.target()) {
                Some((name, el)) => changed_control(&shape, &live, &name, &el),
                None => body.change(&ev),
            },
            "keydown" => {
                if let Some(key) = ev.dyn_ref::<web_sys::KeyboardEvent>() {
                    body.key(key);
                }
            }
            "input" => searched(&nodes, &live, &typed, &ev),
            _ => {}
        }
    };
    let listening = Rc::new(Listening {
        listener: Closure::new(on_event),
        root: RefCell::new(None),
    });
    let listen = {
        let listening = Rc::downgrade(&listening);
        move |root: Element| {
            if let Some(listening) = listening.upgrade() {
                listening.listen(&root);
            }
            attach(root);
        }
    };
    // The listener lives as long as the table (its owner), and leaves the element with it.
    StoredValue::new_local(listening);
    view! { <div class="df-table" use:listen></div> }
}

/// The events the frame's root listens to.
const EVENTS: [&str; 4] = ["click", "change", "keydown", "input"];

/// The frame's one listener and the element it listens on.
struct Listening {
    listener: Closure<dyn FnMut(web_sys::Event)>,
    root: RefCell<Option<Element>>,
}

impl Listening {
    /// Listens on `root` (and no longer on an element listened on before).
    fn listen(&self, root: &Element) {
        self.stop();
        for name in EVENTS {
            let _ =
                root.add_event_listener_with_callback(name, self.listener.as_ref().unchecked_ref());
        }
        *self.root.borrow_mut() = Some(root.clone());
    }

    fn stop(&self) {
        let Some(root) = self.root.borrow_mut().take() else {
            return;
        };
        for name in EVENTS {
            let _ = root
                .remove_event_listener_with_callback(name, self.listener.as_ref().unchecked_ref());
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        // An element Leptos reuses for another table must not call a dropped closure.
        self.stop();
    }
}

/// Typing in the search box sets the query's search after 250 ms of quiet.
fn searched(
    nodes: &RefCell<Option<Rc<Nodes>>>,
    live: &Live,
    typed: &Rc<Cell<u64>>,
    ev: &web_sys::Event,
) {
    if !matches!(control(nodes, ev.target()), Some((name, _)) if name == "search") {
        return;
    }
    let text = event_target_value(ev);
    let mine = typed.get() + 1;
    typed.set(mine);
    let (typed, query) = (typed.clone(), live.query);
    set_timeout(
        move || {
            if typed.get() == mine {
                query.update(|q| *q = q.clone().search(text));
            }
        },
        std::time::Duration::from_millis(250),
    );
}

/// The frame's control an event happened on: its `data-df` name and element.
fn control(
    nodes: &RefCell<Option<Rc<Nodes>>>,
    target: Option<web_sys::EventTarget>,
) -> Option<(String, Element)> {
    let nodes = nodes.borrow().clone()?;
    let el = target?
        .dyn_into::<Element>()
        .ok()?
        .closest("[data-df]")
        .ok()??;
    let name = el.get_attribute("data-df")?;
    is_own(&nodes.root, &el).then_some((name, el))
}

/// The `data-at` index of a control.
fn index(el: &Element) -> Option<usize> {
    el.get_attribute("data-at")?.parse().ok()
}

/// A click on one of the frame's controls.
fn clicked(shape: &Shape, live: &Live, name: &str, el: &Element) {
    let query = live.query;
    match name {
        "sort-by" => {
            let Some((_, Some(field))) = index(el).and_then(|at| shape.headers.get(at)) else {
                return;
            };
            let field = field.clone();
            query.update(move |q| *q = q.clone().toggle_sort(&field));
        }
        "previous" => query.update(|q| q.page = q.page.saturating_sub(1).max(1)),
        "next" => query.update(|q| q.page += 1),
        "retry" => {
            let store = live.core.clone();
            let q = query.get_untracked();
            leptos::task::spawn_local(async move {
                let _ = store.fetch_list(&q).await;
            });
        }
        _ => {}
    }
}

/// A change of one of the frame's controls: a filter, or the select-all box.
fn changed_control(shape: &Shape, live: &Live, name: &str, el: &Element) {
    match name {
        "filter" => {
            let Some(filter) = index(el).and_then(|at| shape.filters.get(at)) else {
                return;
            };
            let field = filter.field.clone();
            let value = js_sys::Reflect::get(el, &"value".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            live.query.update(move |q: &mut ListQuery| {
                if value.is_empty() {
                    q.filters.remove(&field);
                    q.page = 1;
                } else {
                    *q = q.clone().filter(field, value);
                }
            });
        }
        "all" => {
            let (Some(selected), Some(input)) = (live.selected, el.dyn_ref::<HtmlInputElement>())
            else {
                return;
            };
            let ids = live.view.with_untracked(|v| v.ids.clone());
            let on = input.checked();
            selected.update(|s| {
                s.retain(|id| !ids.contains(id));
                if on {
                    s.extend(ids);
                }
            });
        }
        _ => {}
    }
}

/// Starts the effects that keep `nodes` current, from the snapshots the frame was written
/// from (`None` when a server wrote it: then everything is written once).
fn start(
    shape: &Rc<Shape>,
    live: &Live,
    nodes: &Rc<Nodes>,
    written: Option<(ListNow, QueryNow, SelectNow)>,
) {
    let (list_was, query_was, select_was) = match written {
        Some((list, query, select)) => (Some(list), Some(query), Some(select)),
        None => (None, None, None),
    };
    let Live {
        query,
        view,
        selected,
        ..
    } = live.clone();
    // Each effect keeps its last snapshot: all three are `RenderEffect<()>`, the type the
    // rows' effects have too, so no effect code is compiled for them alone.
    let list = {
        let (shape, nodes, mut before) = (shape.clone(), nodes.clone(), list_was);
        RenderEffect::new(move |_| {
            let per_page = query.with_untracked(|q| q.per_page);
            let now = view.with(|v| ListNow::of(v, per_page));
            nodes.show_list(&shape, before.as_ref(), &now);
            before = Some(now);
        })
    };
    let paging = {
        let (shape, nodes, mut before) = (shape.clone(), nodes.clone(), query_was);
        RenderEffect::new(move |_| {
            let total = view.with(|v| v.total);
            let now = query.with(|q| QueryNow::of(q, &shape, total));
            nodes.show_query(&shape, before.as_ref(), &now);
            before = Some(now);
        })
    };
    let selection = selected.map(|selected| {
        let (shape, nodes, mut before) = (shape.clone(), nodes.clone(), select_was);
        RenderEffect::new(move |_| {
            let now = view.with(|v| selected.with(|s| SelectNow::of(&v.ids, s)));
            nodes.show_select(&shape, before.as_ref(), &now);
            before = Some(now);
        })
    });
    // The table's owner ends with the table: so do the effects.
    on_cleanup(move || drop((list, paging, selection)));
}
