//! An instance's detail page, and the start / stop button used here and in the team's table.

use data_farm::components::StatusBadge;
use data_farm::prelude::*;
use data_farm::protocol::{InstanceStatus, PatchInstance};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use super::editor::{Editable, EntityEditor};
use super::form::{Field, Values};

/// Start (when stopped or crashed) or Stop (when running or starting) `instance`; the store shows
/// the transitional status at once and the server's events carry it to the end.
#[component]
pub fn StartStop(instance: Instance) -> impl IntoView {
    let store = use_store::<Instance>();
    let running = matches!(
        instance.status,
        InstanceStatus::Running | InstanceStatus::Starting
    );
    let (next, verb) = if running {
        (InstanceStatus::Stopping, "Stop")
    } else {
        (InstanceStatus::Starting, "Start")
    };
    let busy = matches!(instance.status, InstanceStatus::Stopping);
    let id = instance.id.clone();
    let click = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        let (store, id) = (store.clone(), id.clone());
        spawn_local(async move {
            let change = PatchInstance {
                name: None,
                status: Some(next),
            };
            let _ = store.update(&id, change, None).await;
        });
    };
    view! {
        <button type="button" class="df-button" disabled=busy
            aria-label=format!("{verb} {}", instance.name) on:click=click>{verb}</button>
    }
}

fn patch(values: &Values) -> PatchInstance {
    PatchInstance {
        name: Some(values.get("name")),
        status: None,
    }
}

fn summary(instance: &Instance) -> AnyView {
    view! {
        <div class="demo-actions">
            <StatusBadge status=instance.status.as_str().to_owned()/>
            <StartStop instance=instance.clone()/>
        </div>
    }
    .into_any()
}

/// `/instances/:id`.
#[component]
pub fn InstancePage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    let fields = vec![Editable::new(
        Field::text("name", "Name"),
        |i: &Instance| i.name.clone(),
    )];
    view! { <EntityEditor<Instance> id=id noun="instance" fields=fields patch=patch summary=summary/> }
}
