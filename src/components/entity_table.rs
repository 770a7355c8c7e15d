use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use leptos::either::Either;
use leptos::prelude::*;

use super::{ErrorDisplay, SkeletonRows};
use crate::entity::Entity;
use crate::hooks::use_list;
use crate::query::{ListQuery, Order};
use crate::store::LoadState;

/// One column of an [`EntityTable`]: a header, how to render a cell, and optionally the field
/// its header sorts by.
pub struct Column<E> {
    header: String,
    sort: Option<String>,
    cell: Cell<E>,
}

/// How a column renders its cells.
enum Cell<E> {
    /// Any view, rebuilt when the row changes.
    View(Arc<dyn Fn(&E) -> AnyView + Send + Sync>),
    /// Text: the cell's one text node is updated in place, and only when the text changed.
    Text(Arc<dyn Fn(&E) -> String + Send + Sync>),
}

impl<E> Clone for Column<E> {
    fn clone(&self) -> Self {
        Column {
            header: self.header.clone(),
            sort: self.sort.clone(),
            cell: match &self.cell {
                Cell::View(f) => Cell::View(Arc::clone(f)),
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
    ) -> Self {
        Column {
            header: header.into(),
            sort: None,
            cell: Cell::View(Arc::new(cell)),
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

/// A live table of one kind: search (debounced), sortable headers, pagination, skeleton rows on
/// the first load only, a thin progress bar while refreshing cached rows, empty and error states.
/// Each row reads its own entity signal, so an update re-renders only that row.
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
) -> impl IntoView {
    let selectable = selected.filter(|_| selection != Selection::None);
    let list = use_list::<E>(query);
    let store = list.store.clone();
    let view_signal = list.view;
    let column_count = columns.len() + usize::from(selectable.is_some());
    let headers = columns.clone();
    let columns = StoredValue::new(columns);
    let search_text = RwSignal::new(query.get_untracked().search.unwrap_or_default());
    let generation = Arc::new(AtomicU64::new(0));
    let on_search = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        search_text.set(text.clone());
        let mine = generation.fetch_add(1, Ordering::SeqCst) + 1;
        let generation = generation.clone();
        set_timeout(
            move || {
                if generation.load(Ordering::SeqCst) == mine {
                    query.update(|q| *q = q.clone().search(text));
                }
            },
            std::time::Duration::from_millis(250),
        );
    };
    let retry_store = store.clone();
    let retry = Callback::new(move |_: ()| {
        let store = retry_store.clone();
        let q = query.get_untracked();
        leptos::task::spawn_local(async move {
            let _ = store.fetch_list(&q).await;
        });
    });
    let error = Signal::derive(move || match view_signal.get().state {
        LoadState::Error(err) => Some(err),
        _ => None,
    });
    let pages = move || {
        let total = view_signal.get().total;
        query.with(|q| q.page_count(total))
    };
    // A separate closure: a `>=` written inside a `view!` attribute would end the tag.
    let at_last_page = move || u64::from(query.get().page) >= pages();
    let messages = super::use_messages();
    let m = messages.table;
    let search_label = (m.search)(&label);
    let pages_label = (m.pages)(&label);
    let empty_text = (m.empty)(&label);

    view! {
        <div class="df-table">
            <div class="df-table__toolbar">
                <label class="df-field df-field--inline">
                    <span>{search_label.clone()}</span>
                    <input type="search" aria-label=search_label prop:value=move || search_text.get() on:input=on_search/>
                </label>
                {filters.into_iter().map(|filter| {
                    let field = filter.field.clone();
                    let current = {
                        let field = field.clone();
                        move || query.get().filters.get(&field).cloned().unwrap_or_default()
                    };
                    view! {
                        <label class="df-field df-field--inline">
                            <span>{filter.label.clone()}</span>
                            <select prop:value=current on:change=move |ev| {
                                let value = event_target_value(&ev);
                                let field = field.clone();
                                query.update(move |q| {
                                    if value.is_empty() {
                                        q.filters.remove(&field);
                                        q.page = 1;
                                    } else {
                                        *q = q.clone().filter(field, value);
                                    }
                                });
                            }>
                                <option value="">{m.filter_all}</option>
                                {filter.options.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                            </select>
                        </label>
                    }
                }).collect_view()}
                {selectable.map(|selected| view! {
                    <span class="df-table__selected" role="status" aria-label=move || (m.selected)(&messages.number(selected.get().len() as u64))>
                        {move || (m.selected)(&messages.number(selected.get().len() as u64))}
                    </span>
                })}
                <span class="df-table__total">{move || (m.total)(&messages.number(view_signal.get().total))}</span>
            </div>
            <div class="df-progress" aria-hidden="true"
                class:df-progress--active=move || view_signal.get().state == LoadState::Refreshing></div>
            <table aria-label=label.clone()
                aria-busy=move || view_signal.get().state.is_fetching().to_string()>
                <thead>
                    <tr>
                        {selectable.map(|selected| match selection {
                            Selection::Multiple => view! {
                                <th scope="col">
                                    <input type="checkbox" aria-label=m.select_all
                                        prop:checked=move || {
                                            let ids = view_signal.get().ids;
                                            !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
                                        }
                                        on:change=move |ev| {
                                            let ids = view_signal.get_untracked().ids;
                                            let on = event_target_checked(&ev);
                                            selected.update(|s| {
                                                s.retain(|id| !ids.contains(id));
                                                if on {
                                                    s.extend(ids);
                                                }
                                            });
                                        }/>
                                </th>
                            }.into_any(),
                            _ => view! { <th scope="col"><span class="df-visually-hidden">{m.selected_column}</span></th> }.into_any(),
                        })}
                        {headers.into_iter().map(|column| {
                            let field = column.sort.clone();
                            let sort_state = {
                                let field = field.clone();
                                move || {
                                    let q = query.get();
                                    match &field {
                                        Some(f) if q.sort_field() == f => {
                                            if q.order == Order::Desc { "descending" } else { "ascending" }
                                        }
                                        _ => "none",
                                    }
                                }
                            };
                            let header = column.header.clone();
                            view! {
                                <th scope="col" aria-sort=sort_state>
                                    {match field {
                                        Some(field) => view! {
                                            <button type="button" class="df-sort" on:click=move |_| {
                                                let field = field.clone();
                                                query.update(move |q| *q = q.clone().toggle_sort(&field));
                                            }>{header}</button>
                                        }.into_any(),
                                        None => header.into_any(),
                                    }}
                                </th>
                            }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let view = view_signal.get();
                        if view.is_first_load() {
                            let rows = (query.get_untracked().per_page as usize).clamp(3, 10);
                            view! { <SkeletonRows rows=rows columns=column_count/> }.into_any()
                        } else if view.ids.is_empty() && !matches!(view.state, LoadState::Error(_)) {
                            view! { <tr><td colspan=column_count class="df-table__empty">{empty_text.clone()}</td></tr> }.into_any()
                        } else {
                            ().into_any()
                        }
                    }}
                    <For each=move || view_signal.get().ids key=|id| id.clone() let:id>
                        {
                            let entity = store.get(&id);
                            let select_cell = selectable.map(|selected| {
                                let entity = entity.clone();
                                let (check_id, change_id) = (id.clone(), id.clone());
                                let kind = if selection == Selection::Multiple { "checkbox" } else { "radio" };
                                view! {
                                    <td>
                                        <input type=kind name="df-row-selection"
                                            aria-label=move || (m.select_row)(entity.with(|e| e.as_ref().map(|e| e.name().to_owned())).as_deref().unwrap_or_default())
                                            prop:checked=move || selected.with(|s| s.contains(&check_id))
                                            on:click=move |ev| ev.stop_propagation()
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                let id = change_id.clone();
                                                selected.update(|s| {
                                                    if selection == Selection::Single {
                                                        s.clear();
                                                    }
                                                    s.retain(|x| *x != id);
                                                    if on {
                                                        s.push(id);
                                                    }
                                                });
                                            }/>
                                    </td>
                                }
                            });
                            // One reactive closure per cell: an entity change re-runs each of
                            // them, and a text cell's node is written only when its text changed.
                            let cells = columns.with_value(|columns| {
                                columns
                                    .iter()
                                    .map(|column| {
                                        let entity = entity.clone();
                                        match &column.cell {
                                            Cell::View(cell) => {
                                                let cell = Arc::clone(cell);
                                                Either::Left(view! { <td>{move || entity.with(|e| e.as_ref().map(|e| cell(e)))}</td> })
                                            }
                                            Cell::Text(text) => {
                                                let text = Arc::clone(text);
                                                Either::Right(view! { <td>{move || entity.with(|e| e.as_ref().map(|e| text(e)).unwrap_or_default())}</td> })
                                            }
                                        }
                                    })
                                    .collect::<Vec<_>>()
                            });
                            // Rows that open get focus, Enter and a click; the others none of it.
                            match on_open {
                                None => view! { <tr>{select_cell}{cells}</tr> }.into_any(),
                                Some(open) => {
                                    let (open_id, key_id) = (id.clone(), id);
                                    view! {
                                        <tr tabindex="0" class="df-row--openable"
                                            on:click=move |_| open.run(open_id.clone())
                                            on:keydown=move |ev| if ev.key() == "Enter" { open.run(key_id.clone()) }>
                                            {select_cell}{cells}
                                        </tr>
                                    }.into_any()
                                }
                            }
                        }
                    </For>
                </tbody>
            </table>
            <ErrorDisplay error=error on_retry=retry/>
            <nav class="df-pagination" aria-label=pages_label>
                <button type="button" class="df-button" disabled=move || query.get().page <= 1
                    on:click=move |_| query.update(|q| q.page = q.page.saturating_sub(1).max(1))>{m.previous}</button>
                <span>{move || (m.page_of)(&messages.number(u64::from(query.get().page)), &messages.number(pages()))}</span>
                <button type="button" class="df-button" disabled=at_last_page
                    on:click=move |_| query.update(|q| q.page += 1)>{m.next}</button>
            </nav>
        </div>
    }
}
