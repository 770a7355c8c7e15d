//! The size benchmark's app: the counter of `size_counter` plus data-farm, growing with the
//! features it is built with (`scripts/bench-size.sh` builds it once per row):
//! (b) no features: a farm with one store and one observed list (`use_list`);
//! (c) `realtime`: plus a realtime session keeping that list live;
//! (d) `realtime,components`: plus the list shown in an `EntityTable`;
//! (e) `realtime,components,persist`: plus IndexedDB persistence and the outbox.

use data_farm::prelude::*;
use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(|| {
        let config = DataFarmConfig::new("").register::<Device>();
        #[cfg(feature = "persist")]
        let config = config.persist(data_farm::persist::PersistConfig::new("size"));
        let farm = provide_data_farm(config);
        #[cfg(feature = "realtime")]
        leptos::task::spawn_local(async move {
            // The session runs until `Session::end`; dropping the handle does not stop it.
            let _session = farm
                .start_session(SessionConfig::new("user_1", vec!["team_1".into()]))
                .await;
        });
        #[cfg(not(feature = "realtime"))]
        let _ = farm;
        let count = RwSignal::new(0);
        let query = ListQuery::new().team("team_1");
        let devices = use_list::<Device>(query.clone());
        #[cfg(feature = "components")]
        let table = {
            use data_farm::components::{Column, EntityTable};
            let columns = vec![
                Column::text("Name", |d: &Device| d.name.clone()).sortable("name"),
                Column::text("Status", |d: &Device| d.status.as_str().to_owned()),
            ];
            view! { <EntityTable label="Devices" columns=columns query=RwSignal::new(query)/> }
        };
        #[cfg(not(feature = "components"))]
        let table = ();
        view! {
            <button on:click=move |_| count.update(|n| *n += 1)>{move || count.get()}</button>
            <p>{move || devices.view.get().total}</p>
            {table}
        }
    });
}
