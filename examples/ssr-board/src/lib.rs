//! ssr-board: a server-rendered Leptos app on data-farm.
//!
//! The server (`main.rs`, feature `ssr`) reads the user's topic positions, fetches what the
//! page shows as that user (their cookie forwarded), and renders it: the HTML already holds the
//! rows. It carries the stores' state in the page ([`Boot`], with a
//! [`FarmSnapshot`](data_farm::hydration::FarmSnapshot)). The browser (feature `hydrate`)
//! installs that state before hydrating, so the first render matches the server's and fetches
//! nothing, then goes live resuming every topic from the positions read before the fetch: a
//! change made between the render and the hydration is replayed, not lost.
//!
//! `Sensor` is this app's own kind (over the backend's `devices` routes); `Team` is one of the
//! library's built-in kinds.

use data_farm::api::ApiClient;
use data_farm::components::{provide_render_clock, Column, EntityTable, RelativeTime, Styles};
use data_farm::entity::{Entity, FieldValue, StatusFields};
use data_farm::hydration::{use_suspended_list, FarmSnapshot};
use data_farm::prelude::*;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The id of the `<script type="application/json">` element carrying [`Boot`].
pub const BOOT_ID: &str = "ssr-board-boot";

/// A sensor as this app sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensor {
    id: String,
    version: u64,
    name: String,
    team_id: String,
    status: String,
    updated_at: String,
}

/// What creating a sensor sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewSensor {
    name: String,
    owner: serde_json::Value,
}

/// What renaming a sensor sends.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SensorPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl Entity for Sensor {
    const KIND: &'static str = "device";
    const PLURAL: &'static str = "devices";
    type Create = NewSensor;
    type Patch = SensorPatch;

    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        (field == "status").then_some(FieldValue::Text(&self.status))
    }
    fn patched(&self, patch: &SensorPatch) -> Self {
        Sensor {
            name: patch.name.clone().unwrap_or_else(|| self.name.clone()),
            ..self.clone()
        }
    }
    fn with_status(&self, fields: &StatusFields<'_>, version: u64) -> Option<Self> {
        let SensorStatus { status } = fields.decode()?;
        Some(Sensor {
            status,
            version,
            ..self.clone()
        })
    }
}

/// The fields of a sensor's `status` event.
#[derive(Deserialize)]
struct SensorStatus {
    status: String,
}

/// What the server hands to the browser beside the HTML.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Boot {
    /// Where the browser reaches the backend (the server fetched from the same one).
    pub backend: String,
    /// The signed-in user, when the request carried a valid session.
    pub user_id: Option<String>,
    /// Their teams (the realtime topics).
    pub team_ids: Vec<String>,
    /// The team the page shows.
    pub team: Option<String>,
    /// The server's clock when it rendered the page (ms since the epoch): the "now" of the
    /// relative times of the first render, on both sides.
    pub rendered_at: f64,
    /// The stores' state and the positions read before it was fetched.
    pub snapshot: FarmSnapshot,
}

/// The request's `Cookie` header, provided by the server to the page's render.
#[derive(Debug, Clone)]
pub struct ForwardedCookie(pub String);

/// The page's teams list.
pub fn teams_query() -> ListQuery {
    ListQuery::new().per_page(100)
}

/// The page's sensors list of `team`.
pub fn sensors_query(team: &str) -> ListQuery {
    ListQuery::new().team(team).per_page(10)
}

/// The farm of this app: its two kinds, talking to `client`.
pub fn farm(client: ApiClient) -> DataFarm {
    DataFarmConfig::new("")
        .client(client)
        .register::<Team>()
        .register::<Sensor>()
        .build()
}

/// The whole page, the same on both sides: built from [`Boot`] alone.
#[component]
pub fn App(boot: Boot) -> impl IntoView {
    let client = ApiClient::new(boot.backend.clone());
    // On the server the page's farm fetches as the user: their cookie, from the request
    // (provided by the handler; it never goes into the page).
    #[cfg(feature = "ssr")]
    let client = match use_context::<ForwardedCookie>() {
        Some(ForwardedCookie(cookie)) => client.forward_cookie(cookie),
        None => client,
    };
    let farm = farm(client);
    let hydrated = farm.hydrate(&boot.snapshot);
    for refused in &hydrated.refused {
        leptos::logging::warn!("ssr-board: not hydrated: {refused}");
    }
    provide_farm(farm.clone());
    provide_render_clock(boot.rendered_at);
    let session = RwSignal::new(None::<Session>);
    #[cfg(feature = "hydrate")]
    go_live(&farm, &boot, session);
    // When hydration finished, for scripts/bench-ssr.sh (effects run in the browser only).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| mark_hydrated());
    let live = Signal::derive(move || {
        session.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.connection() == data_farm::realtime::ConnectionState::Live)
        })
    });
    view! {
        <Styles/>
        <main>
            <h1>"Sensor board"</h1>
            {match (boot.user_id.clone(), boot.team.clone()) {
                (Some(_), Some(team)) => view! { <Board team=team live=live/> }.into_any(),
                (Some(_), None) => view! { <p>"You are in no team."</p> }.into_any(),
                (None, _) => view! { <SignIn backend=boot.backend.clone()/> }.into_any(),
            }}
        </main>
    }
}

/// In the browser, once hydrated: the session goes live, every topic resuming from the
/// positions the server read before it fetched (the farm's `resume_points`, noted as it
/// hydrated).
#[cfg(feature = "hydrate")]
fn go_live(farm: &DataFarm, boot: &Boot, session: RwSignal<Option<Session>>) {
    let Some(user) = boot.user_id.clone() else {
        return;
    };
    let config = SessionConfig::new(user, boot.team_ids.clone());
    let farm = farm.clone();
    // An effect runs in the browser only, after hydration.
    Effect::new(move |_| {
        let (farm, config) = (farm.clone(), config.clone());
        leptos::task::spawn_local(async move {
            session.set(Some(farm.start_session(config).await));
        });
    });
}

/// Keeps `performance.now()` at the end of hydration in `window.__ssrBoardHydratedAt`.
#[cfg(feature = "hydrate")]
fn mark_hydrated() {
    if let Some(window) = web_sys::window() {
        let now = window.performance().map(|p| p.now()).unwrap_or_default();
        let _ = js_sys::Reflect::set(&window, &"__ssrBoardHydratedAt".into(), &now.into());
    }
}

#[component]
fn Board(team: String, live: Signal<bool>) -> impl IntoView {
    // The team came with the page's state (`Boot`); the sensors stream in: the server waits
    // for them inside `<Suspense>` and Leptos carries the page it fetched to the browser.
    let name = use_entity::<Team>(team.clone()).entity;
    let query = RwSignal::new(sensors_query(&team));
    let sensors = use_suspended_list::<Sensor>(query);
    let columns = vec![
        Column::text("Name", |s: &Sensor| s.name.clone()).sortable("name"),
        Column::text("Status", |s: &Sensor| s.status.clone()),
        Column::new("Updated", |s: &Sensor| {
            view! { <RelativeTime at=s.updated_at.clone()/> }.into_any()
        }),
    ];
    view! {
        <h2>{move || name.get().map(|t| t.name).unwrap_or_default()}</h2>
        <p role="status" aria-label="Realtime">
            {move || if live.get() { "Live" } else { "Not live yet" }}
        </p>
        <Suspense fallback=|| view! { <p>"Loading sensors…"</p> }>
            {move || {
                let (sensors, columns) = (sensors.clone(), columns.clone());
                Suspend::new(async move {
                    sensors.ready().await;
                    view! { <EntityTable label="Sensors" columns=columns query=query/> }
                })
            }}
        </Suspense>
    }
}

#[component]
fn SignIn(backend: String) -> impl IntoView {
    // Read from the fields when sent: what was typed before the page hydrated counts too.
    let username = NodeRef::<leptos::html::Input>::new();
    let password = NodeRef::<leptos::html::Input>::new();
    let error = RwSignal::new(None::<String>);
    // Rendered disabled (on the server, and until hydrated): a form sent before the app runs
    // would go out as a plain GET, the password in the URL. Effects run in the browser only.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let api = ApiClient::new(backend.clone());
        let value = |field: NodeRef<leptos::html::Input>| {
            field
                .get_untracked()
                .map(|input| input.value())
                .unwrap_or_default()
        };
        let (user, pass) = (value(username), value(password));
        leptos::task::spawn_local(async move {
            match api.login(&user, &pass).await {
                // Signed in: the server renders the page again, now with the user's data.
                Ok(_) => reload(),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <form on:submit=submit aria-label="Sign in">
            <label>"Username " <input name="username" autocomplete="username" node_ref=username/></label>
            <label>"Password " <input type="password" autocomplete="current-password" node_ref=password/></label>
            <button type="submit" disabled=move || !ready.get()>"Sign in"</button>
            <p role="alert">{move || error.get()}</p>
        </form>
    }
}

/// Loads the page again (after signing in).
fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// The browser's entry point: reads [`Boot`] from the page and hydrates the server's HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let boot = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(BOOT_ID))
        .and_then(|e| e.text_content())
        .and_then(|text| serde_json::from_str::<Boot>(&text).ok())
        .unwrap_or_default();
    leptos::mount::hydrate_body(move || view! { <App boot=boot/> });
}
