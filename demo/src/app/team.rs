//! A team: tabs with live tables of its applications, instances and devices.

use data_farm::components::{
    Column, EntityTable, PendingBadge, RelativeTime, Selection, StatusBadge, TableFilter,
};
use data_farm::prelude::*;
use data_farm::protocol::{CreateApplication, CreateInstance};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;

use super::device;
use super::drafts::{use_open_count, DraftsPanel};
use super::editor::create_dialog;
use super::form::{choices, Field, Input, Values};
use super::instance::{operation_columns, StartStop};
use super::report::ReportCard;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Applications,
    Instances,
    Devices,
    Operations,
    Drafts,
}

const TABS: [Tab; 5] = [
    Tab::Applications,
    Tab::Instances,
    Tab::Devices,
    Tab::Operations,
    Tab::Drafts,
];

impl Tab {
    /// Its name in the URL (`?tab=devices`).
    fn key(self) -> &'static str {
        match self {
            Tab::Applications => "applications",
            Tab::Instances => "instances",
            Tab::Devices => "devices",
            Tab::Operations => "operations",
            Tab::Drafts => "drafts",
        }
    }

    fn from_key(key: Option<&str>) -> Tab {
        TABS.into_iter()
            .find(|t| Some(t.key()) == key)
            .unwrap_or(Tab::Applications)
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Applications => "Applications",
            Tab::Instances => "Instances",
            Tab::Devices => "Devices",
            Tab::Operations => "Operations",
            Tab::Drafts => "Drafts",
        }
    }
}

fn create_application(values: &Values, team: &str) -> CreateApplication {
    CreateApplication {
        name: values.get("name"),
        team_id: team.to_owned(),
        description: Some(values.get("description")).filter(|d| !d.trim().is_empty()),
    }
}

fn create_instance(values: &Values, _team: &str) -> CreateInstance {
    CreateInstance {
        name: values.get("name"),
        application_id: values.get("application_id"),
        status: None,
    }
}

/// The team's applications as `(id, name)` choices, from the same records as its table.
fn application_options(team: String) -> Signal<Vec<(String, String)>> {
    choices(
        ListQuery::new().team(team).per_page(100),
        |a: &Application| (a.id.clone(), a.name.clone()),
    )
}

/// The URL's query pairs as `(&str, &str)`.
fn map_pairs(map: &ParamsMap) -> impl Iterator<Item = (&str, &str)> {
    map.into_iter().map(|(key, value)| (key.as_ref(), value))
}

fn link(href: String, name: String) -> AnyView {
    view! { <A href=href>{name}</A> }.into_any()
}

/// Opens the create dialog of the current tab.
#[component]
fn NewButton(noun: &'static str, creating: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="demo-actions">
            <button type="button" class="df-button df-primary" aria-expanded=move || creating.get().to_string()
                on:click=move |_| creating.set(true)>{format!("New {noun}")}</button>
        </div>
    }
}

/// `/teams/:id`.
#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let team_id = move || params.read().get("id").unwrap_or_default();
    let team = use_entity::<Team>(Signal::derive(team_id));
    let creating = RwSignal::new(false);
    let open_drafts = use_open_count(team_id());

    // The tab and each table's search, filters, sort and page live in the URL: a reload or a
    // shared link shows the same, and the back button steps back through the changes.
    let lists = [
        ("apps.", ListQuery::new().team(team_id())),
        ("instances.", ListQuery::new().team(team_id())),
        ("devices.", ListQuery::new().team(team_id())),
        (
            "operations.",
            ListQuery::new()
                .team(team_id())
                .sort("created_at", Order::Desc),
        ),
    ];
    let url = use_query_map();
    let defaults = lists.clone();
    let from_url = move |map: &ParamsMap| {
        let tab = Tab::from_key(map.get_str("tab"));
        let queries = defaults
            .clone()
            .map(|(prefix, default)| default.from_url_params(prefix, map_pairs(map)));
        (tab, queries)
    };
    let (initial_tab, [apps, instances, devices, operations]) = url.with_untracked(&from_url);
    let tab = RwSignal::new(initial_tab);
    let apps_query = RwSignal::new(apps);
    let instances_query = RwSignal::new(instances);
    let devices_query = RwSignal::new(devices);
    let operations_query = RwSignal::new(operations);
    let signals = [apps_query, instances_query, devices_query, operations_query];
    let device_selection = RwSignal::new(Vec::<String>::new());
    // The URL changed (back, forward, a link): show what it says.
    {
        let from_url = from_url.clone();
        Effect::new(move |_| {
            let (next_tab, queries) = url.with(&from_url);
            if tab.get_untracked() != next_tab {
                tab.set(next_tab);
            }
            for (signal, query) in signals.iter().zip(queries) {
                if signal.with_untracked(|q| *q != query) {
                    signal.set(query);
                }
            }
        });
    }
    // The user changed something: a new history entry with it.
    {
        let (navigate, location) = (use_navigate(), use_location());
        let lists = lists.clone();
        Effect::new(move |_| {
            let mut wanted: Vec<(String, String)> = Vec::new();
            let current_tab = tab.get();
            if current_tab != Tab::Applications {
                wanted.push(("tab".into(), current_tab.key().into()));
            }
            for (signal, (prefix, default)) in signals.iter().zip(&lists) {
                wanted.extend(signal.with(|q| q.url_params(default, prefix)));
            }
            let mut have: Vec<(String, String)> = url.with_untracked(|map| {
                map_pairs(map)
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            });
            let mut sorted = wanted.clone();
            sorted.sort();
            have.sort();
            if sorted != have {
                let search: ParamsMap = wanted.into_iter().collect();
                let path = location.pathname.get_untracked();
                navigate(
                    &format!("{path}{}", search.to_query_string()),
                    NavigateOptions {
                        scroll: false,
                        ..Default::default()
                    },
                );
            }
        });
    }

    let app_columns = vec![
        Column::new("Name", |a: &Application| {
            let name = link(format!("/applications/{}", a.id), a.name.clone());
            view! { {name} " " <PendingBadge kind="application" id=a.id.clone()/> }.into_any()
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
        Column::new("Name", |i: &Instance| {
            let name = link(format!("/instances/{}", i.id), i.name.clone());
            view! { {name} " " <PendingBadge kind="instance" id=i.id.clone()/> }.into_any()
        })
        .sortable("name"),
        Column::new("Status", |i: &Instance| {
            view! { <StatusBadge status=i.status.as_str().to_owned()/> }.into_any()
        })
        .sortable("status"),
        Column::new("Actions", |i: &Instance| {
            view! { <StartStop instance=i.clone()/> }.into_any()
        }),
    ];
    let device_columns = vec![
        Column::new("Name", |d: &Device| {
            let name = link(format!("/devices/{}", d.id), d.name.clone());
            view! { {name} " " <PendingBadge kind="device" id=d.id.clone()/> }.into_any()
        })
        .sortable("name"),
        Column::new("Status", |d: &Device| {
            view! { <StatusBadge status=d.status.as_str().to_owned()/> }.into_any()
        })
        .sortable("status"),
        Column::new("Owner", |d: &Device| {
            view! { <device::OwnerName owner=d.owner.clone()/> }.into_any()
        }),
    ];

    view! {
        <h1>{move || team.entity.get().map(|t| t.name).unwrap_or_else(|| "Team".into())}</h1>
        <ReportCard team=team_id()/>
        <div role="tablist" aria-label="Team sections" class="demo-tabs">
            {TABS.into_iter().map(|t| {
                // The Drafts tab says how many are open.
                let label = move || match t {
                    Tab::Drafts if open_drafts.get() > 0 => format!("{} ({})", t.label(), open_drafts.get()),
                    _ => t.label().to_owned(),
                };
                view! {
                    <button type="button" role="tab" aria-selected=move || (tab.get() == t).to_string()
                        on:click=move |_| { creating.set(false); tab.set(t) }>{label}</button>
                }
            }).collect_view()}
        </div>
        <div role="tabpanel" aria-label=move || tab.get().label()>
            {move || match tab.get() {
                Tab::Applications => view! {
                    <NewButton noun="application" creating=creating/>
                    {move || creating.get().then(|| view! {
                        {create_dialog::<Application>("application", team_id(),
                            vec![Field::text("name", "Application name"), Field::new("description", "Description", Input::TextArea)],
                            create_application, Callback::new(move |_| creating.set(false)))}
                    })}
                    <EntityTable<Application> label="Applications" columns=app_columns.clone() query=apps_query/>
                }.into_any(),
                Tab::Instances => view! {
                    <NewButton noun="instance" creating=creating/>
                    {move || creating.get().then(|| view! {
                        {create_dialog::<Instance>("instance", team_id(),
                            vec![
                                Field::text("name", "Instance name"),
                                Field::new("application_id", "Application", Input::Select(application_options(team_id()))),
                            ],
                            create_instance, Callback::new(move |_| creating.set(false)))}
                    })}
                    <EntityTable<Instance> label="Instances" columns=instance_columns.clone() query=instances_query/>
                }.into_any(),
                Tab::Devices => view! {
                    <NewButton noun="device" creating=creating/>
                    {move || creating.get().then(|| view! {
                        {create_dialog::<Device>("device", team_id(), device::create_fields(Signal::derive(team_id)),
                            device::create, Callback::new(move |_| creating.set(false)))}
                    })}
                    <EntityTable<Device> label="Devices" columns=device_columns.clone() query=devices_query
                        filters=vec![TableFilter::new("Status", "status", device::STATUSES)]
                        selection=Selection::Multiple selected=device_selection/>
                }.into_any(),
                Tab::Operations => view! {
                    <EntityTable<Operation> label="Operations" columns=operation_columns() query=operations_query/>
                }.into_any(),
                Tab::Drafts => view! { <DraftsPanel team=team_id()/> }.into_any(),
            }}
        </div>
    }
}
