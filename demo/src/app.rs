//! The demo application: a consumer of the library's public API only.

mod application;
mod device;
mod drafts;
mod editor;
mod form;
mod history;
mod home;
mod instance;
mod login;
mod operation;
mod report;
mod shell;
mod sync;
mod team;

use data_farm::api::{ApiClient, ApiError};
use data_farm::persist::{install_browser_triggers, PersistConfig};
use data_farm::prelude::*;
use data_farm::protocol::{ListResponse, SessionResponse};
use data_farm::realtime::RealtimeConfig;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Who is signed in, as far as the page knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// Asking the server.
    Checking,
    /// Nobody.
    SignedOut,
    /// Someone, with their teams.
    SignedIn(SessionResponse),
}

/// The signed-in user's running session (realtime, persistence), if any.
#[derive(Clone, Copy)]
pub struct Live(pub RwSignal<Option<Session>>);

/// The name of the demo's IndexedDB database.
const DATABASE: &str = "data-farm-demo";

/// Starts a signed-in session: remembers it (so a reload can start offline), starts the
/// library's session (the stores fill from what this browser kept for the user, then realtime
/// connects), then shows the app.
pub async fn signed_in(farm: DataFarm, auth: RwSignal<Auth>, live: Live, session: SessionResponse) {
    if let Some(persistence) = farm.persistence() {
        if let Ok(json) = serde_json::to_string(&session) {
            persistence.remember_session(json).await;
        }
    }
    let teams = session.teams.iter().map(|t| t.id.clone()).collect();
    let config = SessionConfig::new(session.user.id.clone(), teams)
        .realtime(realtime_enabled().then(RealtimeConfig::default));
    // One connection and one outbox replay per browser: the user's tabs share them
    // (`?tabs=off` gives each tab its own, to compare).
    let config = if tabs_enabled() {
        config.across_tabs(DATABASE)
    } else {
        config
    };
    live.0.set(Some(farm.start_session(config).await));
    auth.set(Auth::SignedIn(session));
}

/// The session to start with: the server's, or, when the server cannot be reached, the one
/// this browser remembered (the app then works offline from persisted data).
async fn restore_or_remembered(farm: &DataFarm, api: &ApiClient) -> Option<SessionResponse> {
    match restore(api).await {
        Ok(session) => Some(session),
        Err(ApiError::Network(_)) => {
            let persistence = farm.persistence()?;
            let json = persistence.remembered_session().await?;
            serde_json::from_str(&json).ok()
        }
        Err(_) => None,
    }
}

/// Restores a session from the cookie, if there is one.
async fn restore(api: &ApiClient) -> Result<SessionResponse, ApiError> {
    let me = api.me().await?;
    let teams: ListResponse<Team> = api.get("/teams?per_page=100").await?;
    Ok(SessionResponse {
        user: me.user,
        teams: teams.items,
    })
}

/// Signs out: stops realtime, forgets every record, ends the session.
pub fn sign_out() {
    let api = expect_context::<ApiClient>();
    let auth = expect_context::<RwSignal<Auth>>();
    let live = expect_context::<Live>();
    match live.0.get_untracked() {
        Some(session) => session.end(),
        None => use_data_farm().clear(),
    }
    live.0.set(None);
    spawn_local(async move {
        let _ = api.logout().await;
        auth.set(Auth::SignedOut);
    });
}

/// Realtime is on unless the page was opened with `?realtime=off` (to watch polling alone).
pub fn realtime_enabled() -> bool {
    let search = window().location().search().unwrap_or_default();
    !search.contains("realtime=off")
}

/// Whether the tabs of this browser share one session (off with `?tabs=off` in the URL).
fn tabs_enabled() -> bool {
    let search = window().location().search().unwrap_or_default();
    !search.contains("tabs=off")
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    let api = ApiClient::new("");
    let auth = RwSignal::new(Auth::Checking);
    let live = Live(RwSignal::new(None));
    let farm = provide_data_farm(
        DataFarmConfig::new("")
            .builtin_kinds()
            .persist(PersistConfig::new(DATABASE)),
    );
    provide_context(api.clone());
    provide_context(auth);
    provide_context(live);
    if let Some(persistence) = farm.persistence() {
        install_browser_triggers(&persistence);
    }
    spawn_local(async move {
        if let Some(persistence) = farm.persistence() {
            persistence.open_indexed_db().await;
        }
        match restore_or_remembered(&farm, &api).await {
            Some(session) => signed_in(farm, auth, live, session).await,
            None => auth.set(Auth::SignedOut),
        }
    });
    view! {
        {move || match auth.get() {
            Auth::Checking => view! {
                <main aria-busy="true" aria-label="Loading">
                    <span class="df-skeleton" aria-hidden="true" style="width: 40%"></span>
                    <span class="df-skeleton" aria-hidden="true"></span>
                </main>
            }.into_any(),
            Auth::SignedOut => view! { <main><login::LoginPage/></main> }.into_any(),
            Auth::SignedIn(session) => view! { <shell::Shell session=session/> }.into_any(),
        }}
    }
}
