//! The sync page: the library's dashboard over the demo's persistence.

use data_farm::components::SyncDashboard;
use data_farm::prelude::*;
use leptos::prelude::*;

/// `/sync`: connection, outbox, conflicts, metrics and settings of offline persistence.
#[component]
pub fn SyncPage() -> impl IntoView {
    let farm = use_data_farm();
    view! {
        <h1>"Offline sync"</h1>
        {match farm.persistence() {
            Some(persistence) => view! {
                <SyncDashboard persistence=persistence kinds=vec!["team", "application", "instance", "device"]/>
            }.into_any(),
            None => view! { <p>"Persistence is off."</p> }.into_any(),
        }}
    }
}
