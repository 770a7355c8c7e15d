//! The same minimal app with data-farm: a farm with the four built-in kinds and one observed
//! list. `scripts/bench-size.sh` compares it with `size_baseline`.

use data_farm::prelude::*;
use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(|| {
        provide_data_farm(DataFarmConfig::new(""));
        let count = RwSignal::new(0);
        let devices = use_list::<Device>(ListQuery::new().team("team_1"));
        view! {
            <button on:click=move |_| count.update(|n| *n += 1)>{move || count.get()}</button>
            <p>{move || devices.view.get().total}</p>
        }
    });
}
