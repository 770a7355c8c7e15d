//! The devtools panel (feature `devtools`): what the app holds, where it came from, and
//! whether an edit reached the server. Closed, it costs nothing: the snapshots, the ticker and
//! the timeline's subscription exist only while the panel is open.

use std::collections::VecDeque;

use leptos::prelude::*;

use crate::change::{Change, Origin, Subscription};
use crate::hooks::use_data_farm;
/// The realtime connection the panel shows (nothing can be one without the feature).
#[cfg(feature = "realtime")]
type Handle = crate::realtime::RealtimeHandle;
#[cfg(not(feature = "realtime"))]
type Handle = std::convert::Infallible;
use crate::store::{QueryAction, QueryState, StoreSnapshot};

/// How many changes the timeline keeps.
const TIMELINE: usize = 200;
/// How many records of one kind the Stores tab lists.
const RECORDS_SHOWN: usize = 200;
/// How often an open panel takes a new snapshot.
#[cfg(target_arch = "wasm32")]
const REFRESH_MS: u32 = 1_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Stores,
    Queries,
    Realtime,
    Outbox,
    Timeline,
}

impl Tab {
    const ALL: [Tab; 5] = [
        Tab::Stores,
        Tab::Queries,
        Tab::Realtime,
        Tab::Outbox,
        Tab::Timeline,
    ];

    fn label(self) -> &'static str {
        match self {
            Tab::Stores => "Stores",
            Tab::Queries => "Queries",
            Tab::Realtime => "Realtime",
            Tab::Outbox => "Outbox",
            Tab::Timeline => "Timeline",
        }
    }
}

/// One line of the timeline.
#[derive(Clone, PartialEq)]
struct Moment {
    at: f64,
    change: String,
    origin: &'static str,
    /// The record it is about: (kind, id).
    record: (&'static str, String),
}

fn moment(change: &Change, at: f64) -> Moment {
    Moment {
        at,
        record: (change.kind, change.id.clone()),
        change: format!("{} {} {}", change.kind, change.id, change.op.as_str()),
        origin: match change.origin {
            Origin::Local => "this client (server confirmed)",
            Origin::Remote => "someone else (event or refetch)",
        },
    }
}

/// Puts `item` first in `list`, keeping the newest [`TIMELINE`].
fn remember<T: Send + Sync + 'static>(list: RwSignal<VecDeque<T>>, item: T) {
    list.update(|l| {
        l.push_front(item);
        l.truncate(TIMELINE);
    });
}

fn state_label(state: &QueryState) -> String {
    match state {
        QueryState::Idle => "idle".into(),
        QueryState::Fetching => "fetching".into(),
        QueryState::Fresh => "fresh".into(),
        QueryState::Stale => "stale".into(),
        QueryState::Error(e) => format!("error: {e}"),
    }
}

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
        ms.map_or_else(|| "—".into(), |ms| format!("{ms:.0}"))
    }
}

/// A floating "data-farm devtools" button that opens a resizable panel with five tabs:
/// **Stores** (every record with its confirmed version, pending optimistic changes, the fields
/// they change, where the confirmed state came from), **Queries** (state, observers, total,
/// ids; refetch, invalidate, drop), **Realtime** (connection, counters, each topic's `seq`,
/// (with events a second and the states it went through), **Outbox** (what waits, conflicts,
/// storage health) and **Timeline** (since the panel opened, every change announced and every
/// step of this client's changes: optimistic, queued offline, confirmed or refused, and the
/// realtime echo; filtered by kind or id). In release builds it renders nothing unless
/// `enabled`.
///
/// ```no_run
/// use data_farm::components::DataFarmDevtools;
/// use leptos::prelude::*;
///
/// #[component]
/// fn App() -> impl IntoView {
///     view! { <main>"…"</main> <DataFarmDevtools/> }
/// }
/// ```
#[component]
pub fn DataFarmDevtools(
    /// Render it in release builds too (debug builds always have it).
    #[prop(optional)]
    enabled: bool,
    /// The realtime connection to show (the session's `realtime()`), when there is one.
    #[prop(optional, into)]
    realtime: Option<Signal<Option<Handle>>>,
    /// Whether the panel is open, for an app that opens it from its own link or shortcut too.
    #[prop(optional)]
    open: Option<RwSignal<bool>>,
) -> impl IntoView {
    if !(enabled || cfg!(debug_assertions)) {
        return ().into_any();
    }
    let open = open.unwrap_or_else(|| RwSignal::new(false));
    let toggle = NodeRef::<leptos::html::Button>::new();
    let close = move || {
        open.set(false);
        if let Some(button) = toggle.get_untracked() {
            let _ = button.focus();
        }
    };
    view! {
        <div class="df-devtools">
            <button type="button" class="df-button df-devtools__toggle" node_ref=toggle
                aria-expanded=move || open.get().to_string() aria-controls="df-devtools-panel"
                on:click=move |_| open.update(|o| *o = !*o)>"data-farm devtools"</button>
            <Show when=move || open.get()>
                <Panel on_close=Callback::new(move |()| close()) realtime=realtime/>
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn Panel(on_close: Callback<()>, realtime: Option<Signal<Option<Handle>>>) -> impl IntoView {
    let farm = use_data_farm();
    let tab = RwSignal::new(Tab::Stores);
    // A new snapshot every REFRESH_MS while open (and on demand); none once closed.
    let tick = RwSignal::new(0u64);
    #[cfg(target_arch = "wasm32")]
    {
        let interval =
            gloo_timers::callback::Interval::new(REFRESH_MS, move || tick.update(|t| *t += 1));
        // Dropped (cancelled) with the panel.
        StoredValue::new_local(interval);
    }
    let snapshots = {
        let farm = farm.clone();
        Memo::new(move |_| {
            tick.get();
            farm.kinds()
                .into_iter()
                .filter_map(|kind| farm.store_of_kind(kind).map(|s| s.inspect()))
                .collect::<Vec<StoreSnapshot>>()
        })
    };
    // The timeline listens only while the panel is open.
    let timeline = RwSignal::new(VecDeque::<Moment>::new());
    let subscription: Subscription = {
        let env = farm.environment().clone();
        farm.changes()
            .subscribe(move |change| remember(timeline, moment(change, env.now())))
    };
    on_cleanup(move || drop(subscription));
    // And to the steps of this client's changes (optimistic, confirmed or refused, echoed).
    {
        let env = farm.environment().clone();
        crate::store::set_tracer(Some(std::sync::Arc::new(
            move |step: crate::store::Trace| {
                let line = Moment {
                    at: env.now(),
                    change: format!("{} {}: {}", step.kind, step.id, step.step),
                    origin: "this client's change",
                    record: (step.kind, step.id.clone()),
                };
                remember(timeline, line);
            },
        )));
        on_cleanup(|| crate::store::set_tracer(None));
    }
    let filter = RwSignal::new(String::new());
    // The Stores tab's record filter; a timeline line sets it to show its record.
    let find = RwSignal::new(String::new());
    let show_record = Callback::new(move |id: String| {
        find.set(id);
        tab.set(Tab::Stores);
    });
    // The connection's states since the panel opened, and events applied a second.
    let history = RwSignal::new(VecDeque::<(f64, String)>::new());
    let rate = RwSignal::new(None::<f64>);
    #[cfg(feature = "realtime")]
    {
        let env = farm.environment().clone();
        Effect::new(move |_| {
            if let Some(handle) = realtime.and_then(|r| r.get()) {
                let state = format!("{:?}", handle.state.get());
                remember(history, (env.now(), state));
            }
        });
        let env = farm.environment().clone();
        let last = StoredValue::new(None::<(f64, u64)>);
        Effect::new(move |_| {
            tick.get();
            let Some(handle) = realtime.and_then(|r| r.get_untracked()) else {
                return;
            };
            let (now, applied) = (env.now(), handle.counters.get_untracked().applied);
            if let Some((then, before)) = last.get_value() {
                if now > then {
                    rate.set(Some(
                        (applied.saturating_sub(before)) as f64 * 1000.0 / (now - then),
                    ));
                }
            }
            last.set_value(Some((now, applied)));
        });
    }
    let keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    };
    let act = {
        let farm = farm.clone();
        move |kind: &'static str, key: String, action: QueryAction| {
            if let Some(store) = farm.store_of_kind(kind) {
                store.query_action(&key, action);
            }
            tick.update(|t| *t += 1);
        }
    };
    view! {
        <section id="df-devtools-panel" class="df-devtools__panel" aria-label="data-farm devtools"
            on:keydown=keydown>
            <div class="df-devtools__bar">
                <div role="tablist" aria-label="Devtools sections">
                    {Tab::ALL.map(|t| view! {
                        <button type="button" role="tab" class="df-devtools__tab"
                            aria-selected=move || (tab.get() == t).to_string()
                            on:click=move |_| tab.set(t)>{t.label()}</button>
                    })}
                </div>
                <button type="button" class="df-button" on:click=move |_| tick.update(|t| *t += 1)>"Refresh"</button>
                <button type="button" class="df-button" on:click=move |_| on_close.run(())>"Close devtools"</button>
            </div>
            <div role="tabpanel" class="df-devtools__body" aria-label=move || tab.get().label()>
                {move || match tab.get() {
                    Tab::Stores => view! {
                        <label class="df-field df-field--inline">
                            <span>"Find a record by id"</span>
                            <input type="search" prop:value=move || find.get()
                                on:input=move |ev| find.set(event_target_value(&ev))/>
                        </label>
                        {move || stores(&snapshots.get(), &find.get())}
                    }.into_any(),
                    Tab::Queries => queries(&snapshots.get(), act.clone()).into_any(),
                    Tab::Realtime => {
                        #[cfg(feature = "realtime")]
                        { realtime_panel(realtime.and_then(|r| r.get()), rate.get(), history.get()).into_any() }
                        #[cfg(not(feature = "realtime"))]
                        {
                            let _ = (realtime, rate, history);
                            view! { <p>"Realtime is not compiled in (feature realtime)."</p> }.into_any()
                        }
                    }
                    Tab::Outbox => {
                        tick.get();
                        outbox_panel().into_any()
                    }
                    Tab::Timeline => view! {
                        <label class="df-field df-field--inline">
                            <span>"Filter by kind or id"</span>
                            <input type="search" prop:value=move || filter.get()
                                on:input=move |ev| filter.set(event_target_value(&ev))/>
                        </label>
                        {move || {
                            let wanted = filter.get();
                            let moments = timeline.with(|t| {
                                t.iter().filter(|m| m.change.contains(wanted.as_str())).cloned().collect()
                            });
                            timeline_panel(moments, show_record)
                        }}
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

/// Every store's records whose id contains `find` (all when empty), and its tombstones.
fn stores(snapshots: &[StoreSnapshot], find: &str) -> impl IntoView {
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

fn queries(
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
fn realtime_panel(
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
            <dt>"Connection"</dt><dd>{format!("{state:?}")}</dd>
            <dt>"Events applied"</dt><dd>{c.applied}</dd>
            <dt>"Stale or duplicate"</dt><dd>{c.stale}</dd>
            <dt>"Malformed"</dt><dd>{c.malformed}</dd>
            <dt>"Gaps replayed"</dt><dd>{c.gaps}</dd>
            <dt>"Resyncs"</dt><dd>{c.resyncs}</dd>
            <dt>"Reconnects"</dt><dd>{c.reconnects}</dd>
            <dt>"Events a second"</dt><dd>{rate.map_or("—".to_owned(), |r| format!("{r:.1}"))}</dd>
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

fn outbox_panel() -> impl IntoView {
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
                        <td>{format!("{:?}", item.state)}</td>
                    </tr>
                }
            })
            .collect_view();
        let metrics = persistence.metrics().get_untracked();
        let last_write = match metrics.last_write {
            None => "Last write-behind: none yet".to_owned(),
            Some(run) => format!(
                "Last write-behind: {} records in {} batches ({} failed) at {}, {:.0} ms",
                run.records,
                run.batches,
                run.failures,
                clock(Some(run.at)),
                run.ms
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

fn timeline_panel(moments: Vec<Moment>, show_record: Callback<String>) -> impl IntoView {
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
