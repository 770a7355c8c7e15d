//! A team: tabs with live tables of its applications, instances and devices.

use data_farm::components::{
    Column, EntityTable, PendingBadge, RelativeTime, Selection, StatusBadge, TableFilter,
};
use data_farm::hooks::use_list_controller;
use data_farm::prelude::*;
use data_farm::protocol::{CreateApplication, CreateInstance};
use data_farm::query::DraftsMode;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use leptos_router::params::ParamsMap;
use leptos_router::NavigateOptions;

use super::device;
use super::drafts::{use_open_count, DraftsPanel};
use super::editor::create_dialog;
use super::form::{choices, Field, Input, Values};
use super::history::TeamAudit;
use super::instance::{operation_columns, StartStop};
use super::report::ReportCard;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Applications,
    Instances,
    Devices,
    Operations,
    Drafts,
    Audit,
}

const TABS: [Tab; 6] = [
    Tab::Applications,
    Tab::Instances,
    Tab::Devices,
    Tab::Operations,
    Tab::Drafts,
    Tab::Audit,
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
            Tab::Audit => "audit",
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
            Tab::Audit => "Audit",
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

/// The tab, kept in the URL's `tab` key (the lists keep theirs): shown from the URL, and
/// each change a new history entry.
fn bind_tab() -> RwSignal<Tab> {
    let url = use_query_map();
    let read = move |map: &ParamsMap| Tab::from_key(map.get_str("tab"));
    let tab = RwSignal::new(url.with_untracked(read));
    Effect::new(move |_| {
        let next = url.with(read);
        if tab.get_untracked() != next {
            tab.set(next);
        }
    });
    let (navigate, location) = (use_navigate(), use_location());
    Effect::new(move |_| {
        let wanted = tab.get();
        if url.with_untracked(read) == wanted {
            return;
        }
        let mut map = url.get_untracked();
        map.remove("tab");
        if wanted != Tab::Applications {
            map.insert("tab", wanted.key().to_owned());
        }
        let path = location.pathname.get_untracked();
        navigate(
            &format!("{path}{}", map.to_query_string()),
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    });
    tab
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

    // The tab and each table's search, filters, sort, page and drafts toggle live in the
    // URL: a reload or a shared link shows the same, and back and forward step through them.
    let apps =
        use_list_controller::<Application>(ListQuery::new().team(team_id()), Selection::None);
    let instances =
        use_list_controller::<Instance>(ListQuery::new().team(team_id()), Selection::None);
    // The devices come with their drafts, for the badges and the proposed devices.
    let devices = use_list_controller::<Device>(
        ListQuery::new().team(team_id()).drafts(DraftsMode::Include),
        Selection::Multiple,
    );
    let operations = use_list_controller::<Operation>(
        ListQuery::new()
            .team(team_id())
            .sort("created_at", Order::Desc),
        Selection::None,
    );
    apps.bind_to_url("apps.");
    instances.bind_to_url("instances.");
    devices.bind_to_url("devices.");
    operations.bind_to_url("operations.");
    let tab = bind_tab();

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
            view! {
                {name} " " <PendingBadge kind="device" id=d.id.clone()/>
                " " <device::DraftBadge id=d.id.clone()/>
            }
            .into_any()
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
                    <EntityTable<Application> label="Applications" columns=app_columns.clone() query=apps.query()/>
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
                    <EntityTable<Instance> label="Instances" columns=instance_columns.clone() query=instances.query()/>
                }.into_any(),
                Tab::Devices => view! {
                    <NewButton noun="device" creating=creating/>
                    {move || creating.get().then(|| view! {
                        {create_dialog::<Device>("device", team_id(), device::create_fields(Signal::derive(team_id)),
                            device::create, Callback::new(move |_| creating.set(false)))}
                    })}
                    <device::DraftsToggle devices=devices/>
                    <device::ProposedDevices team=team_id()/>
                    <EntityTable<Device> label="Devices" columns=device_columns.clone() query=devices.query()
                        filters=vec![TableFilter::new("Status", "status", device::STATUSES)]
                        selection=devices.selection() selected=devices.selected()/>
                }.into_any(),
                Tab::Operations => view! {
                    <EntityTable<Operation> label="Operations" columns=operation_columns() query=operations.query()/>
                }.into_any(),
                Tab::Drafts => view! { <DraftsPanel team=team_id()/> }.into_any(),
                Tab::Audit => view! { <TeamAudit team=team_id()/> }.into_any(),
            }}
        </div>
    }
}
