//! Teams overview: each team with counts read from the same store records as the lists.

use data_farm::components::SkeletonText;
use data_farm::prelude::*;
use leptos::prelude::*;
use leptos_router::components::A;

fn count<E: Entity>(team: String) -> Signal<u64> {
    let list = use_list::<E>(ListQuery::new().team(team).per_page(1));
    Signal::derive(move || list.view.get().total)
}

#[component]
fn TeamCard(id: String) -> impl IntoView {
    let team = use_entity::<Team>(id.clone());
    let apps = count::<Application>(id.clone());
    let instances = count::<Instance>(id.clone());
    let devices = count::<Device>(id.clone());
    let href = format!("/teams/{id}");
    view! {
        <li class="demo-card">
            <h2><A href=href>{move || team.entity.get().map(|t| t.name).unwrap_or_default()}</A></h2>
            <dl class="demo-counts">
                <div><dt>"Applications"</dt><dd>{move || apps.get()}</dd></div>
                <div><dt>"Instances"</dt><dd>{move || instances.get()}</dd></div>
                <div><dt>"Devices"</dt><dd>{move || devices.get()}</dd></div>
            </dl>
        </li>
    }
}

/// The landing page.
#[component]
pub fn HomePage() -> impl IntoView {
    let teams = use_list::<Team>(ListQuery::new().per_page(100));
    // Branch on the phase only: a refresh must not rebuild the cards (or move focus).
    let phase = Memo::new(move |_| {
        let view = teams.view.get();
        if view.is_first_load() {
            0
        } else if view.ids.is_empty() {
            1
        } else {
            2
        }
    });
    view! {
        <h1>"Your teams"</h1>
        {move || match phase.get() {
            0 => view! { <div aria-busy="true"><SkeletonText lines=4/></div> }.into_any(),
            1 => view! { <p class="df-muted">"You are not a member of any team yet."</p> }.into_any(),
            _ => view! {
                <ul class="demo-cards" aria-label="Teams">
                    <For each=move || teams.view.get().ids key=|id| id.clone() let:id>
                        <TeamCard id=id/>
                    </For>
                </ul>
            }.into_any(),
        }}
    }
}
