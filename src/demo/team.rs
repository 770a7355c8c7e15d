//! A team: tabs with live tables of its applications, instances and devices.

use data_farm::components::{
    Column, EntityTable, ErrorDisplay, RelativeTime, Selection, StatusBadge, TableFilter,
};
use data_farm::prelude::*;
use data_farm::protocol::{CreateApplication, InstanceStatus, PatchInstance};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Applications,
    Instances,
    Devices,
}

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Tab::Applications => "Applications",
            Tab::Instances => "Instances",
            Tab::Devices => "Devices",
        }
    }
}

#[component]
fn CreateApplicationForm(team: String, on_done: Callback<()>) -> impl IntoView {
    let store = use_store::<Application>();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (store, team) = (store.clone(), team.clone());
        busy.set(true);
        spawn_local(async move {
            let body = CreateApplication {
                name: name.get_untracked(),
                team_id: team,
                description: None,
            };
            match store.create(body).await {
                Ok(_) => {
                    error.set(None);
                    on_done.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="demo-dialog" role="dialog" aria-modal="false" aria-labelledby="new-app-title" on:submit=submit>
            <h2 id="new-app-title">"New application"</h2>
            <label class="df-field--inline">
                <span>"Application name"</span>
                <input name="name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </label>
            <ErrorDisplay error=error/>
            <div class="demo-actions">
                <button type="submit" class="df-button df-primary" disabled=move || busy.get()>"Create application"</button>
                <button type="button" class="df-button" on:click=move |_| on_done.run(())>"Cancel"</button>
            </div>
        </form>
    }
}

/// `/teams/:id`.
#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let team_id = move || params.read().get("id").unwrap_or_default();
    let team = use_entity::<Team>(Signal::derive(team_id));
    let tab = RwSignal::new(Tab::Applications);
    let creating = RwSignal::new(false);

    let apps_query = RwSignal::new(ListQuery::new().team(team_id()));
    let instances_query = RwSignal::new(ListQuery::new().team(team_id()));
    let devices_query = RwSignal::new(ListQuery::new().team(team_id()));
    let device_selection = RwSignal::new(Vec::<String>::new());

    let instance_store = use_store::<Instance>();
    let set_status = move |id: String, status: InstanceStatus| {
        let store = instance_store.clone();
        spawn_local(async move {
            let _ = store
                .update(
                    &id,
                    PatchInstance {
                        name: None,
                        status: Some(status),
                    },
                    None,
                )
                .await;
        });
    };
    let app_columns = vec![
        Column::new("Name", |a: &Application| {
            let (href, name) = (format!("/applications/{}", a.id), a.name.clone());
            view! { <A href=href>{name}</A> }.into_any()
        })
        .sortable("name"),
        Column::new("Description", |a: &Application| {
            a.description.clone().into_any()
        }),
        Column::new("Updated", |a: &Application| {
            view! { <RelativeTime at=a.updated_at.clone()/> }.into_any()
        })
        .sortable("updated_at"),
    ];
    let instance_columns = vec![
        Column::new("Name", |i: &Instance| i.name.clone().into_any()).sortable("name"),
        Column::new("Status", |i: &Instance| {
            view! { <StatusBadge status=i.status.as_str().to_owned()/> }.into_any()
        })
        .sortable("status"),
        Column::new("Actions", move |i: &Instance| {
            let (start_id, stop_id, name) = (i.id.clone(), i.id.clone(), i.name.clone());
            let running = matches!(i.status, InstanceStatus::Running | InstanceStatus::Starting);
            let set_status = set_status.clone();
            view! {
                {if running {
                    view! { <button type="button" class="df-button" aria-label=format!("Stop {name}")
                        on:click=move |ev| { ev.stop_propagation(); set_status(stop_id.clone(), InstanceStatus::Stopping) }>"Stop"</button> }.into_any()
                } else {
                    view! { <button type="button" class="df-button" aria-label=format!("Start {name}")
                        on:click=move |ev| { ev.stop_propagation(); set_status(start_id.clone(), InstanceStatus::Starting) }>"Start"</button> }.into_any()
                }}
            }
            .into_any()
        }),
    ];
    let device_columns = vec![
        Column::new("Name", |d: &Device| d.name.clone().into_any()).sortable("name"),
        Column::new("Status", |d: &Device| {
            view! { <StatusBadge status=d.status.as_str().to_owned()/> }.into_any()
        })
        .sortable("status"),
        Column::new("Owner", |d: &Device| {
            format!("{} {}", d.owner.owner_type.as_str(), d.owner.id).into_any()
        }),
    ];

    view! {
        <h1>{move || team.entity.get().map(|t| t.name).unwrap_or_else(|| "Team".into())}</h1>
        <div role="tablist" aria-label="Team sections" class="demo-tabs">
            {[Tab::Applications, Tab::Instances, Tab::Devices].into_iter().map(|t| view! {
                <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string()
                    on:click=move |_| tab.set(t)>{t.label()}</button>
            }).collect_view()}
        </div>
        <div role="tabpanel" aria-label=move || tab.get().label()>
            {move || match tab.get() {
                Tab::Applications => view! {
                    <div class="demo-actions">
                        <button type="button" class="df-button df-primary" on:click=move |_| creating.set(true)>"New application"</button>
                    </div>
                    {move || creating.get().then(|| view! {
                        <CreateApplicationForm team=team_id() on_done=Callback::new(move |_| creating.set(false))/>
                    })}
                    <EntityTable<Application> label="Applications" columns=app_columns.clone() query=apps_query/>
                }.into_any(),
                Tab::Instances => view! {
                    <EntityTable<Instance> label="Instances" columns=instance_columns.clone() query=instances_query/>
                }.into_any(),
                Tab::Devices => view! {
                    <EntityTable<Device> label="Devices" columns=device_columns.clone() query=devices_query
                        filters=vec![TableFilter::new("Status", "status", &[
                            ("online", "Online"), ("offline", "Offline"), ("updating", "Updating"), ("error", "Error"),
                        ])]
                        selection=Selection::Multiple selected=device_selection/>
                }.into_any(),
            }}
        </div>
    }
}
