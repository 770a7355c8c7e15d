//! What the devtools panel's tabs show: the stores' records, the queries, the realtime
//! connection, the outbox and the timeline, each a view of a snapshot the panel took.

#[cfg(feature = "realtime")]
use std::collections::VecDeque;

use leptos::prelude::*;

#[cfg(feature = "realtime")]
use super::Handle;
use super::Moment;
#[cfg(feature = "persist")]
use crate::hooks::use_data_farm;
use crate::store::{QueryAction, QueryState, StoreSnapshot};

/// How many records of one kind the Stores tab lists.
const RECORDS_SHOWN: usize = 200;

/// A query's state, as the Queries tab shows it.
fn state_label(state: &QueryState) -> String {
    match state {
        QueryState::Idle => "idle".into(),
        QueryState::Fetching => "fetching".into(),
        QueryState::Fresh => "fresh".into(),
        QueryState::Stale => "stale".into(),
        QueryState::Error(e) => format!("error: {e}"),
    }
}

/// The connection's state as the Realtime tab shows it.
#[cfg(feature = "realtime")]
pub(super) fn connection_label(state: &crate::realtime::ConnectionState) -> String {
    match state {
        crate::realtime::ConnectionState::Reconnecting { attempt, .. } => {
            format!("reconnecting (attempt {attempt})")
        }
        other => other.label().to_owned(),
    }
}

/// An outbox item's state as the Outbox tab shows it.
#[cfg(feature = "persist")]
fn item_label(state: &crate::persist::ItemState) -> String {
    match state {
        crate::persist::ItemState::Failed { error } => format!("failed: {error}"),
        other => other.label().to_owned(),
    }
}

/// A time of day (`ms` since the epoch), or a dash when there is none.
fn clock(ms: Option<f64>) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        ms.map(|ms| {
            let date = js_sys::Date::new(&ms.into());
            String::from(date.to_locale_time_string("default"))
        })
        .unwrap_or_else(|| "—".into())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ms.map_or_else(
            || "—".into(),
            |ms| crate::components::decimal::decimal(ms, 0),
        )
    }
}

/// Every store's records whose id contains `find` (all when empty), and its tombstones.
pub(super) fn stores(snapshots: &[StoreSnapshot], find: &str) -> impl IntoView {
    let find = find.trim();
    snapshots
        .iter()
        .map(|s| {
            let heading = format!(
                "{}: {} records, {} tombstones",
                s.kind,
                s.records.len(),
                s.tombstones.len()
            );
            let rows = s
                .records
                .iter()
                .filter(|r| r.id.contains(find))
                .take(RECORDS_SHOWN)
                .map(|r| {
                    let json = serde_json::to_string_pretty(&r.shown).unwrap_or_default();
                    // One record asked for: its data open at once.
                    let open = !find.is_empty() && r.id == find;
                    view! {
                        <tr>
                            <th scope="row"><details open=open><summary>{r.id.clone()}</summary><pre>{json}</pre></details></th>
                            <td>{r.confirmed_version.map_or("—".into(), |v| v.to_string())}</td>
                            <td>{if r.pending.is_empty() { "—".to_owned() } else { r.pending.join(", ") }}</td>
                            <td>{if r.differs.is_empty() { "—".to_owned() } else { r.differs.join(", ") }}</td>
                            <td>{format!("{} at {}", r.source.0.label(), clock(r.source.1))}</td>
                        </tr>
                    }
                })
                .collect_view();
            let label = format!("{} records", s.kind);
            let mut tombstones: Vec<&(String, u64)> = s
                .tombstones
                .iter()
                .filter(|(id, _)| id.contains(find))
                .collect();
            crate::sort::sort_by(&mut tombstones, Ord::cmp);
            let tombstones = (!tombstones.is_empty()).then(|| {
                let summary = format!("{} tombstones (deleted ids, and the version of the delete)", s.kind);
                let items = tombstones
                    .into_iter()
                    .take(RECORDS_SHOWN)
                    .map(|(id, version)| view! { <li>{format!("{id} deleted at version {version}")}</li> })
                    .collect_view();
                view! { <details><summary>{summary}</summary><ul>{items}</ul></details> }
            });
            view! {
                <h3>{heading}</h3>
                <table class="df-devtools__table" aria-label=label>
                    <thead><tr>
                        <th scope="col">"Id"</th><th scope="col">"Confirmed version"</th>
                        <th scope="col">"Pending"</th><th scope="col">"Shown differs in"</th>
                        <th scope="col">"Last confirmed by"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
                {tombstones}
            }
        })
        .collect_view()
}

pub(super) fn queries(
    snapshots: &[StoreSnapshot],
    act: impl Fn(&'static str, String, QueryAction) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let rows = snapshots
        .iter()
        .flat_map(|s| s.queries.iter().map(move |q| (s.kind, q.clone())))
        .map(|(kind, q)| {
            let buttons = [
                (QueryAction::Refetch, "Refetch"),
                (QueryAction::Invalidate, "Invalidate"),
                (QueryAction::Drop, "Drop"),
            ]
            .map(|(action, text)| {
                let (act, key) = (act.clone(), q.key.clone());
                let label = format!("{text} {kind} {}", q.key);
                view! {
                    <button type="button" class="df-button" aria-label=label
                        on:click=move |_| act(kind, key.clone(), action)>{text}</button>
                }
            });
            let page = q.page.as_ref().map_or("—".to_owned(), |(total, ids)| {
                format!("{} of {total}: {}", ids.len(), ids.join(", "))
            });
            view! {
                <tr>
                    <td>{kind}</td>
                    <th scope="row">{q.key.clone()}</th>
                    <td>{state_label(&q.state)}</td>
                    <td>{q.observers}</td>
                    <td>{clock(q.fetched_at)}</td>
                    <td>{page}</td>
                    <td><div class="df-devtools__actions">{buttons}</div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="df-devtools__table" aria-label="Queries">
            <thead><tr>
                <th scope="col">"Kind"</th><th scope="col">"Query"</th><th scope="col">"State"</th>
                <th scope="col">"Observers"</th><th scope="col">"Fetched"</th>
                <th scope="col">"Page"</th><th scope="col">"Actions"</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(feature = "realtime")]
pub(super) fn realtime_panel(
    handle: Option<Handle>,
    rate: Option<f64>,
    history: VecDeque<(f64, String)>,
) -> impl IntoView {
    let Some(handle) = handle else {
        return view! { <p>"No realtime connection."</p> }.into_any();
    };
    let state = handle.state.get();
    let c = handle.counters.get();
    let positions = handle
        .positions
        .get()
        .iter()
        .map(
            |(topic, seq)| view! { <tr><th scope="row">{topic.to_owned()}</th><td>{*seq}</td></tr> },
        )
        .collect_view();
    view! {
        <dl class="df-devtools__facts">
            <dt>"Connection"</dt><dd>{connection_label(&state)}</dd>
            <dt>"Events applied"</dt><dd>{c.applied}</dd>
            <dt>"Stale or duplicate"</dt><dd>{c.stale}</dd>
            <dt>"Malformed"</dt><dd>{c.malformed}</dd>
            <dt>"Gaps replayed"</dt><dd>{c.gaps}</dd>
            <dt>"Resyncs"</dt><dd>{c.resyncs}</dd>
            <dt>"Reconnects"</dt><dd>{c.reconnects}</dd>
            <dt>"Events a second"</dt><dd>{rate.map_or("—".to_owned(), |r| crate::components::decimal::decimal(r, 1))}</dd>
        </dl>
        <h3>"Connection since the panel opened"</h3>
        <ol class="df-devtools__timeline" aria-label="Connection history">
            {history.into_iter().map(|(at, state)| view! { <li><time>{clock(Some(at))}</time>" " {state}</li> }).collect_view()}
        </ol>
        <table class="df-devtools__table" aria-label="Topics">
            <thead><tr><th scope="col">"Topic"</th><th scope="col">"Last applied seq"</th></tr></thead>
            <tbody>{positions}</tbody>
        </table>
    }
    .into_any()
}

pub(super) fn outbox_panel() -> impl IntoView {
    #[cfg(feature = "persist")]
    {
        let Some(persistence) = use_data_farm().persistence() else {
            return view! { <p>"Persistence is off."</p> }.into_any();
        };
        let status = persistence.status().get_untracked();
        let items = persistence
            .outbox()
            .get_untracked()
            .into_iter()
            .map(|item| {
                view! {
                    <tr>
                        <th scope="row">{item.seq}</th>
                        <td>{format!("{} {} {}", item.op.as_str(), item.kind, item.id)}</td>
                        <td>{item.attempts}</td>
                        <td>{item_label(&item.state)}</td>
                    </tr>
                }
            })
            .collect_view();
        let metrics = persistence.metrics().get_untracked();
        let last_write = match metrics.last_write {
            None => "Last write-behind: none yet".to_owned(),
            Some(run) => format!(
                "Last write-behind: {} records in {} batches ({} failed) at {}, {} ms",
                run.records,
                run.batches,
                run.failures,
                clock(Some(run.at)),
                crate::components::decimal::decimal(run.ms, 0)
            ),
        };
        view! {
            <p>{format!("Storage: {:?}; {} writes pending", status.storage, metrics.writes_pending)}</p>
            <p>{last_write}</p>
            <table class="df-devtools__table" aria-label="Outbox">
                <thead><tr><th scope="col">"Seq"</th><th scope="col">"Change"</th><th scope="col">"Attempts"</th><th scope="col">"State"</th></tr></thead>
                <tbody>{items}</tbody>
            </table>
        }
        .into_any()
    }
    #[cfg(not(feature = "persist"))]
    {
        view! { <p>"Persistence is not compiled in (feature persist)."</p> }.into_any()
    }
}

pub(super) fn timeline_panel(moments: Vec<Moment>, show_record: Callback<String>) -> impl IntoView {
    if moments.is_empty() {
        return view! { <p>"No change (matching the filter) since the panel opened."</p> }
            .into_any();
    }
    let rows = moments
        .into_iter()
        .map(|m| {
            let (kind, id) = m.record;
            let label = format!("Show record {kind} {id}");
            view! {
                <li>
                    <time>{clock(Some(m.at))}</time>" " {m.change} " — " {m.origin} " "
                    <button type="button" class="df-button df-devtools__link" aria-label=label
                        on:click=move |_| show_record.run(id.clone())>"Show record"</button>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="df-devtools__timeline" aria-label="Timeline">{rows}</ol> }.into_any()
}
