//! A device's detail page, and the owner choices shared with the create dialog.

use data_farm::components::StatusBadge;
use data_farm::hooks::use_lookup;
use data_farm::prelude::*;
use data_farm::protocol::{CreateDevice, DeviceStatus, Owner, OwnerType, PatchDevice};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::drafts::DraftBanner;
use super::editor::{use_team_of, Editable, EntityEditor};
use super::form::{choices, Field, Input, Values};
use super::history::history;

/// The status choices of a device.
pub const STATUSES: &[(&str, &str)] = &[
    ("online", "Online"),
    ("offline", "Offline"),
    ("updating", "Updating"),
    ("error", "Error"),
];

/// Owner choices, encoded `type:id`: the team itself, then its applications and instances,
/// read from the same store records as the team's tables.
pub fn owner_options(team: Signal<String>) -> Signal<Vec<(String, String)>> {
    let query = Signal::derive(move || ListQuery::new().team(team.get()).per_page(100));
    let apps = choices(query, |a: &Application| {
        (
            format!("application:{}", a.id),
            format!("Application {}", a.name),
        )
    });
    let instances = choices(query, |i: &Instance| {
        (format!("instance:{}", i.id), format!("Instance {}", i.name))
    });
    let this_team = use_entity::<Team>(team);
    Signal::derive(move || {
        let team_name = this_team.entity.get().map(|t| t.name).unwrap_or_default();
        let mut options = vec![(format!("team:{}", team.get()), format!("Team {team_name}"))];
        options.extend(apps.get());
        options.extend(instances.get());
        options
    })
}

/// The name of a device's owner, read from the store that holds it (looked up in one batch
/// with the other rows' owners when the store lacks it); its type and id until then.
#[component]
pub fn OwnerName(owner: Owner) -> impl IntoView {
    let id = owner.id.clone();
    let (label, name): (&str, Signal<Option<String>>) = match owner.owner_type {
        OwnerType::Team => {
            let team = use_lookup::<Team>(id.clone());
            ("Team", Signal::derive(move || team.get().map(|t| t.name)))
        }
        OwnerType::Application => {
            let app = use_lookup::<Application>(id.clone());
            (
                "Application",
                Signal::derive(move || app.get().map(|a| a.name)),
            )
        }
        OwnerType::Instance => {
            let instance = use_lookup::<Instance>(id.clone());
            (
                "Instance",
                Signal::derive(move || instance.get().map(|i| i.name)),
            )
        }
    };
    move || format!("{label} {}", name.get().unwrap_or_else(|| id.clone()))
}

/// Opens the team's Devices tab at the page that holds this device (in the tab's default
/// order), asking the server where it stands.
#[component]
fn ShowInList(id: Signal<String>, team: Signal<String>) -> impl IntoView {
    let store = use_store::<Device>();
    let navigate = use_navigate();
    let missing = RwSignal::new(false);
    let click = move |_| {
        let (navigate, id, team) = (navigate.clone(), id.get(), team.get());
        spawn_local(async move {
            match store
                .find_position(&ListQuery::new().team(team.clone()), &id)
                .await
            {
                Ok(Some(position)) => {
                    let page = if position.page > 1 {
                        format!("&devices.page={}", position.page)
                    } else {
                        String::new()
                    };
                    navigate(
                        &format!("/teams/{team}?tab=devices{page}"),
                        Default::default(),
                    );
                }
                _ => missing.set(true),
            }
        });
    };
    view! {
        <div class="demo-actions">
            <button type="button" class="df-button" disabled=move || team.get().is_empty()
                on:click=click>"Show in the team's devices"</button>
            {move || missing.get().then(|| view! { <p role="alert">"This device is not in the team's list."</p> })}
        </div>
    }
}

/// `type:id` back to an owner (`None` when the choice is not one).
pub fn parse_owner(value: &str) -> Option<Owner> {
    let (kind, id) = value.split_once(':')?;
    Some(Owner {
        owner_type: OwnerType::parse(kind)?,
        id: id.to_owned(),
    })
}

fn owner_value(device: &Device) -> String {
    format!("{}:{}", device.owner.owner_type.as_str(), device.owner.id)
}

/// The create dialog's fields for a device of `team`.
pub fn create_fields(team: Signal<String>) -> Vec<Field> {
    let owner = Field::new("owner", "Owner", Input::Select(owner_options(team)));
    owner.value.set(format!("team:{}", team.get_untracked()));
    vec![
        Field::text("name", "Device name"),
        owner,
        Field::choice("status", "Device status", STATUSES),
    ]
}

/// The create request from the dialog's fields.
pub fn create(values: &Values, team: &str) -> CreateDevice {
    let owner = parse_owner(&values.get("owner")).unwrap_or(Owner {
        owner_type: OwnerType::Team,
        id: team.to_owned(),
    });
    CreateDevice {
        name: values.get("name"),
        owner,
        team_id: Some(team.to_owned()),
        status: DeviceStatus::parse(&values.get("status")),
    }
}

fn patch(values: &Values) -> PatchDevice {
    PatchDevice {
        name: Some(values.get("name")),
        owner: parse_owner(&values.get("owner")),
        status: DeviceStatus::parse(&values.get("status")),
    }
}

fn summary(device: &Device) -> AnyView {
    view! { <p><StatusBadge status=device.status.as_str().to_owned()/></p> }.into_any()
}

/// `/devices/:id`.
#[component]
pub fn DevicePage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.read().get("id").unwrap_or_default());
    // The owner choices need the device's team.
    let team = use_team_of::<Device>(id);
    // Until the team is known (while loading, or when the device is not there) the page goes
    // without the owner field; it is rebuilt once, before anyone can type, when the team arrives.
    let editor = move || {
        let team = team.get();
        let mut fields = vec![
            Editable::new(Field::text("name", "Name"), |d: &Device| d.name.clone()),
            Editable::new(Field::choice("status", "Status", STATUSES), |d: &Device| {
                d.status.as_str().to_owned()
            }),
        ];
        if !team.is_empty() {
            let owner = Input::Select(owner_options(Signal::stored(team)));
            fields.insert(
                1,
                Editable::new(Field::new("owner", "Owner", owner), owner_value),
            );
        }
        view! { <EntityEditor<Device> id=id noun="device" fields=fields patch=patch summary=summary/> }
    };
    view! {
        <DraftBanner kind="device" id=id team=team/>
        {editor}
        <ShowInList id=id team=team/>
        {history::<Device>(id, team)}
    }
}

/// "Draft" on a device row with an open draft (known from the list's drafts, live).
#[component]
pub fn DraftBadge(id: String) -> impl IntoView {
    let draft = data_farm::hooks::use_draft_of::<Device>(Signal::stored(id));
    move || {
        draft.get().map(|d| {
            let status = d.status.as_str().replace('_', " ");
            view! {
                <span class="df-badge df-badge--draft" title="A change waits for approval">
                    {format!("Draft: {status}")}
                </span>
            }
        })
    }
}

/// The devices table's drafts toggle: all devices (with draft badges) or only drafted ones.
#[component]
pub fn DraftsToggle(devices: data_farm::hooks::ListController<Device>) -> impl IntoView {
    use data_farm::query::DraftsMode;
    view! {
        <label class="demo-drafts-toggle">
            <input type="checkbox"
                prop:checked=move || devices.drafts() == DraftsMode::Only
                on:change=move |ev| devices.set_drafts(if event_target_checked(&ev) {
                    DraftsMode::Only
                } else {
                    DraftsMode::Include
                })/>
            " Only devices with drafts"
        </label>
    }
}

/// Devices proposed by a drafted create, waiting for approval (they do not exist yet).
#[component]
pub fn ProposedDevices(team: String) -> impl IntoView {
    let farm = use_data_farm();
    let proposed = Signal::derive(move || farm.drafted_creates("device", Some(&team)));
    move || {
        let proposed = proposed.get();
        (!proposed.is_empty()).then(|| {
            view! {
                <section class="demo-proposed" aria-label="Proposed devices">
                    <h2>"Proposed devices"</h2>
                    <ul>
                        {proposed.into_iter().map(|d| view! {
                            <li>{d.name.clone()} " — " {d.status.as_str().replace('_', " ")}</li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}
