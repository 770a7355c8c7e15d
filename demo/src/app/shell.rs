//! The signed-in layout: header (connection, theme, sign-out), routes, activity feed.

use data_farm::components::{ConnectionIndicator, DataFarmDevtools};
use data_farm::persist::StorageHealth;
use data_farm::prelude::*;
use data_farm::protocol::SessionResponse;
use data_farm::realtime::ConnectionState;
use data_farm::tabs::TabRole;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use super::{
    application, device, home, instance, operation, realtime_enabled, sign_out, sync, team, Live,
};

/// Where the user's choice of theme is remembered.
const THEME_KEY: &str = "data-farm-demo-theme";

/// The theme to start with: the one the user chose last, else the system's colour scheme.
fn initial_dark() -> bool {
    let chosen = window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|storage| storage.get_item(THEME_KEY).ok().flatten());
    match chosen.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|query| query.matches()),
    }
}

/// Shows `dark` (or light) and remembers it as the user's choice.
fn set_theme(dark: bool, remember: bool) {
    let theme = if dark { "dark" } else { "light" };
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", theme);
    }
    if remember {
        if let Some(storage) = window().local_storage().ok().flatten() {
            let _ = storage.set_item(THEME_KEY, theme);
        }
    }
}

/// The frame around every signed-in page.
#[component]
pub fn Shell(session: SessionResponse) -> impl IntoView {
    let live = expect_context::<Live>();
    let state = Signal::derive(move || {
        live.0
            .get()
            .and_then(|session| session.realtime().map(|h| h.state.get()))
            .unwrap_or(if realtime_enabled() {
                ConnectionState::Connecting
            } else {
                ConnectionState::Stopped
            })
    });
    // Which tab of this browser holds the connection (the others follow its relays).
    let tab_role = move || {
        let role = live.0.get().and_then(|session| session.tab_role())?;
        Some(match role {
            TabRole::Leader => "This tab holds the connection",
            TabRole::Follower => "Connected through another tab",
            TabRole::Alone => "This tab has its own connection",
        })
    };
    // What the realtime dispatcher did, for the curious and for the soak script.
    let counters = move || {
        live.0
            .get()
            .and_then(|session| session.realtime().map(|h| h.counters.get()))
            .unwrap_or_default()
    };
    // The devtools panel: the header's button or Ctrl+Shift+D.
    let devtools = RwSignal::new(false);
    let shortcut = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() && ev.shift_key() && ev.key().eq_ignore_ascii_case("d") {
            ev.prevent_default();
            devtools.update(|open| *open = !*open);
        }
    });
    on_cleanup(move || shortcut.remove());
    let realtime = Signal::derive(move || live.0.get().and_then(|s| s.realtime().cloned()));
    let dark = RwSignal::new(initial_dark());
    set_theme(dark.get_untracked(), false);
    let activity = RwSignal::new(Vec::<String>::new());
    let farm = use_data_farm();
    let farm_for_names = farm.clone();
    let subscription = farm.changes().subscribe(move |change| {
        let who = if change.origin == Origin::Local {
            "you"
        } else {
            "someone"
        };
        // Its name when the store holds it (a deletion has already taken it away).
        let named = farm_for_names
            .store_of_kind(change.kind)
            .and_then(|store| store.name_of(&change.id))
            .unwrap_or_else(|| change.id.clone());
        let line = format!("{} {named} {} ({who})", change.kind, change.op.as_str());
        activity.update(|lines| {
            lines.insert(0, line);
            lines.truncate(12);
        });
    });
    on_cleanup(move || drop(subscription));
    let persistence = farm.persistence();
    let pending = persistence.as_ref().map(|p| ReadSignal::from(p.outbox()));
    let storage = persistence.map(|p| ReadSignal::from(p.status()));
    let memory_only = move || {
        storage.and_then(|s| match s.get().storage {
            StorageHealth::MemoryOnly(reason) => Some(reason),
            _ => None,
        })
    };
    let sync_label = move || match pending.map(|p| p.with(Vec::len)).unwrap_or(0) {
        0 => "Sync".to_owned(),
        n => format!("Sync ({n} pending)"),
    };
    view! {
        <Router>
            <header class="demo-header">
                <A href="/" attr:class="demo-brand">"data-farm"</A>
                <ConnectionIndicator state=state/>
                {move || tab_role().map(|text| view! { <span class="demo-tab-role">{text}</span> })}
                <A href="/sync" attr:class="demo-sync-link">{sync_label}</A>
                <span class="demo-user">{session.user.display_name.clone()}</span>
                <button type="button" class="df-button" aria-pressed=move || dark.get().to_string()
                    on:click=move |_| { dark.update(|d| *d = !*d); set_theme(dark.get_untracked(), true); }>"Dark theme"</button>
                <button type="button" class="df-button" aria-pressed=move || devtools.get().to_string()
                    aria-keyshortcuts="Control+Shift+D" on:click=move |_| devtools.update(|o| *o = !*o)>"Devtools"</button>
                <button type="button" class="df-button" on:click=move |_| sign_out()>"Sign out"</button>
            </header>
            {move || memory_only().map(|reason| view! {
                <p class="df-error demo-banner" role="alert">
                    {format!("This browser is not keeping your data ({reason}): changes made offline are lost on reload.")}
                </p>
            })}
            <div class="demo-layout">
                <main>
                    <Routes fallback=|| view! { <p>"This page does not exist."</p> }>
                        <Route path=path!("/") view=home::HomePage/>
                        <Route path=path!("/teams/:id") view=team::TeamPage/>
                        <Route path=path!("/applications/:id") view=application::ApplicationPage/>
                        <Route path=path!("/instances/:id") view=instance::InstancePage/>
                        <Route path=path!("/devices/:id") view=device::DevicePage/>
                        <Route path=path!("/operations/:id") view=operation::OperationPage/>
                        <Route path=path!("/sync") view=sync::SyncPage/>
                    </Routes>
                </main>
                <aside class="demo-activity">
                    <h2 id="activity-heading">"Recent activity"</h2>
                    <ul aria-labelledby="activity-heading">
                        {move || activity.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                    <details class="demo-counters">
                        <summary>"Realtime counters"</summary>
                        <dl aria-label="Realtime counters">
                            <dt>"Applied"</dt><dd data-counter="applied">{move || counters().applied}</dd>
                            <dt>"Stale or duplicate"</dt><dd data-counter="stale">{move || counters().stale}</dd>
                            <dt>"Malformed"</dt><dd data-counter="malformed">{move || counters().malformed}</dd>
                            <dt>"Gaps replayed"</dt><dd data-counter="gaps">{move || counters().gaps}</dd>
                            <dt>"Resyncs"</dt><dd data-counter="resyncs">{move || counters().resyncs}</dd>
                            <dt>"Reconnects"</dt><dd data-counter="reconnects">{move || counters().reconnects}</dd>
                        </dl>
                    </details>
                </aside>
            </div>
            <DataFarmDevtools enabled=true realtime=realtime open=devtools/>
        </Router>
    }
}
