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
use crate::store::{QueryAction, StoreSnapshot};

mod tabs;
#[cfg(feature = "realtime")]
use tabs::realtime_panel;
use tabs::{outbox_panel, queries, stores, timeline_panel};

/// How many changes the timeline keeps.
const TIMELINE: usize = 200;
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
                .filter_map(|kind| farm.core_of_kind(kind).map(|s| s.inspect()))
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
        crate::effect::effect(move || {
            if let Some(handle) = realtime.and_then(|r| r.get()) {
                let state = tabs::connection_label(&handle.state.get());
                remember(history, (env.now(), state));
            }
        });
        let env = farm.environment().clone();
        let last = StoredValue::new(None::<(f64, u64)>);
        crate::effect::effect(move || {
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
            if let Some(store) = farm.core_of_kind(kind) {
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
