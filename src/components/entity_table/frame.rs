//! The table around the rows: toolbar, headers, states, pagination and the row loop. Nothing
//! here knows the kind, so it is compiled once however many kinds an app shows in tables.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use leptos::prelude::*;

use super::rows::{self, RowKind, Rows};
use super::{Selection, TableFilter};
use crate::components::{ErrorDisplay, SkeletonRows};
use crate::query::{ListQuery, Order};
use crate::store::{ListView, LoadState, StoreCore};

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
    pub kind: RowKind,
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
        view: view_signal,
        kind,
    } = frame;
    let selectable = selected.filter(|_| selection != Selection::None);
    let column_count = headers.len() + usize::from(selectable.is_some());
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
    #[cfg(target_arch = "wasm32")]
    let core_for_rows = core.clone();
    let retry = Callback::new(move |_: ()| {
        let store = core.clone();
        let q = query.get_untracked();
        leptos::task::spawn_local(async move {
            let _ = store.fetch_list(&q).await;
        });
    });
    // Every read borrows the list's view (`with`): its ids are not copied for a count.
    let error = Signal::derive(move || {
        view_signal.with(|v| match &v.state {
            LoadState::Error(err) => Some(err.clone()),
            _ => None,
        })
    });
    let pages = move || {
        let total = view_signal.with(|v| v.total);
        query.with(|q| q.page_count(total))
    };
    // A separate closure: a `>=` written inside a `view!` attribute would end the tag.
    let at_last_page = move || u64::from(query.get().page) >= pages();
    let messages = crate::components::use_messages();
    let m = messages.table;
    let search_label = (m.search)(&label);
    let pages_label = (m.pages)(&label);
    let empty_text = (m.empty)(&label);

    view! {
        <div class="df-table">
            <div class="df-table__toolbar">
                <label class="df-field df-field--inline" hidden=!searchable>
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
                <span class="df-table__total">{move || (m.total)(&messages.number(view_signal.with(|v| v.total)))}</span>
            </div>
            <div class="df-progress" aria-hidden="true"
                class:df-progress--active=move || view_signal.with(|v| v.state == LoadState::Refreshing)></div>
            <table aria-label=label.clone()
                aria-busy=move || view_signal.with(|v| v.state.is_fetching()).to_string()>
                <thead>
                    <tr>
                        {selectable.map(|selected| match selection {
                            Selection::Multiple => view! {
                                <th scope="col">
                                    <input type="checkbox" aria-label=m.select_all
                                        prop:checked=move || {
                                            view_signal.with(|v| {
                                                !v.ids.is_empty() && selected.with(|s| v.ids.iter().all(|id| s.contains(id)))
                                            })
                                        }
                                        on:change=move |ev| {
                                            let ids = view_signal.with_untracked(|v| v.ids.clone());
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
                        {headers.into_iter().map(|(header, field)| {
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
                // The loading and empty states have a body of their own, before the rows'.
                <tbody>
                    {move || {
                        // (first load, empty and not failed), read before anything is built.
                        let (first_load, empty) = view_signal.with(|v| {
                            (v.is_first_load(), v.ids.is_empty() && !matches!(v.state, LoadState::Error(_)))
                        });
                        if first_load {
                            let rows = (query.get_untracked().per_page as usize).clamp(3, 10);
                            view! { <SkeletonRows rows=rows columns=column_count/> }.into_any()
                        } else if empty {
                            view! { <tr><td colspan=column_count class="df-table__empty">{empty_text.clone()}</td></tr> }.into_any()
                        } else {
                            ().into_any()
                        }
                    }}
                </tbody>
                {rows::body(Rows {
                    kind,
                    #[cfg(target_arch = "wasm32")]
                    core: core_for_rows,
                    view: view_signal,
                    selection: selectable.map(|selected| (selection, selected)),
                    on_open,
                    select_row: m.select_row,
                })}
            </table>
            <ErrorDisplay error=error on_retry=retry/>
            // An unpaged list has no pages to move between.
            <nav class="df-pagination" aria-label=pages_label hidden=move || !query.with(ListQuery::is_paged)>
                <button type="button" class="df-button" disabled=move || query.get().page <= 1
                    on:click=move |_| query.update(|q| q.page = q.page.saturating_sub(1).max(1))>{m.previous}</button>
                <span>{move || (m.page_of)(&messages.number(u64::from(query.get().page)), &messages.number(pages()))}</span>
                <button type="button" class="df-button" disabled=at_last_page
                    on:click=move |_| query.update(|q| q.page += 1)>{m.next}</button>
            </nav>
        </div>
    }
}
