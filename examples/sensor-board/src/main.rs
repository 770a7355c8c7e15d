//! sensor-board: a minimal Leptos app embedding data-farm through its public API only.
//!
//! `Sensor` is this app's own entity kind, not one of the library's: it reads the reference
//! server's `devices` routes and keeps just the fields it shows. The app registers only it,
//! lists one team's sensors with `use_list` (a live count) and `EntityTable` (the rows), and
//! keeps them live with realtime for as long as the user is signed in.

use data_farm::api::ApiClient;
use data_farm::components::{Column, ConnectionIndicator, EntityTable, Styles};
use data_farm::entity::{Entity, FieldValue};
use data_farm::prelude::*;
use data_farm::protocol::SessionResponse;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

/// A sensor as this app sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sensor {
    id: String,
    version: u64,
    name: String,
    team_id: String,
    status: String,
}

/// What creating a sensor sends.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct NewSensor {
    name: String,
    owner: serde_json::Value,
}

/// What renaming a sensor sends.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SensorPatch {
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
}

#[component]
fn App() -> impl IntoView {
    let farm = provide_data_farm(DataFarmConfig::new("").register::<Sensor>());
    let signed_in = RwSignal::new(None::<(SessionResponse, Session)>);
    let sign_in = move |session: SessionResponse| {
        let farm = farm.clone();
        spawn_local(async move {
            let teams = session.teams.iter().map(|t| t.id.clone()).collect();
            let running = farm
                .start_session(SessionConfig::new(session.user.id.clone(), teams))
                .await;
            signed_in.set(Some((session, running)));
        });
    };
    view! {
        <Styles/>
        {move || match signed_in.get() {
            None => view! { <Login on_session=sign_in.clone()/> }.into_any(),
            Some((session, running)) => view! {
                <Board session=session running=running signed_in=signed_in/>
            }.into_any(),
        }}
    }
}

#[component]
fn Login(on_session: impl Fn(SessionResponse) + Clone + Send + Sync + 'static) -> impl IntoView {
    let user = RwSignal::new(String::from("alice"));
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let on_session = on_session.clone();
        let name = user.get_untracked();
        spawn_local(async move {
            match ApiClient::new("").login(&name, &name).await {
                Ok(session) => on_session(session),
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };
    view! {
        <main>
            <form on:submit=submit aria-label="Sign in">
                <label>"User (password = user) " <input bind:value=user/></label>
                <button type="submit">"Sign in"</button>
                <p role="alert">{move || error.get()}</p>
            </form>
        </main>
    }
}

#[component]
fn Board(
    session: SessionResponse,
    running: Session,
    signed_in: RwSignal<Option<(SessionResponse, Session)>>,
) -> impl IntoView {
    let Some(team) = session.teams.first().cloned() else {
        return view! { <main><p>"You are in no team."</p></main> }.into_any();
    };
    let query = RwSignal::new(ListQuery::new().team(&team.id).per_page(20));
    let online = use_list::<Sensor>(
        ListQuery::new()
            .team(&team.id)
            .filter("status", "online")
            .per_page(1),
    );
    let connection = {
        let running = running.clone();
        Signal::derive(move || running.connection())
    };
    let columns = vec![
        Column::text("Name", |s: &Sensor| s.name.clone()).sortable("name"),
        Column::text("Status", |s: &Sensor| s.status.clone()),
    ];
    let sign_out = move |_| {
        running.end();
        signed_in.set(None);
    };
    view! {
        <main>
            <header>
                <h1>{format!("{} sensors", team.name)}</h1>
                <ConnectionIndicator state=connection/>
                <button type="button" on:click=sign_out>"Sign out"</button>
            </header>
            <p aria-live="polite">{move || format!("{} online", online.view.get().total)}</p>
            <EntityTable label="Sensors" columns=columns query=query/>
        </main>
    }
    .into_any()
}

fn main() {
    leptos::mount::mount_to_body(App);
}
