//! An instance's detail page (actions and its operations), and the start / stop button of the
//! team's table.

use data_farm::api::Method;
use data_farm::components::{Column, EntityTable, ErrorDisplay, RelativeTime, StatusBadge};
use data_farm::prelude::*;
use data_farm::protocol::PatchInstance;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::drafts::DraftBanner;
use super::editor::{use_team_of, Editable, EntityEditor};
use super::form::{Field, Values};
use super::history::history;

/// Starts `action` on `instance` (`POST /instances/{id}/actions/{action}`) as a store action:
/// the queued operation is in the store at once, where lists and pages show it. The instance
/// itself changes as the server walks the operation, which realtime (or the run's polling)
/// brings.
pub async fn start_action(
    operations: &EntityStore<Operation>,
    instance: &Instance,
    action: &str,
) -> Result<Operation, ApiError> {
    operations
        .action(
            Method::Post,
            &format!("/instances/{}/actions/{action}", instance.id),
            serde_json::json!({}),
            Vec::new(),
        )
        .await
}

/// Start (when stopped or crashed) or Stop (when running or starting) `instance`: an
/// operation the server walks through, its transitional status shown live.
#[component]
pub fn StartStop(instance: Instance) -> impl IntoView {
    let operations = use_store::<Operation>();
    let running = matches!(
        instance.status,
        InstanceStatus::Running | InstanceStatus::Starting
    );
    let (action, verb) = if running {
        ("stop", "Stop")
    } else {
        ("start", "Start")
    };
    let busy = matches!(instance.status, InstanceStatus::Stopping);
    let target = instance.clone();
    let click = move |ev: leptos::ev::MouseEvent| {
        ev.stop_propagation();
        let target = target.clone();
        spawn_local(async move {
            let _ = start_action(&operations, &target, action).await;
        });
    };
    view! {
        <button type="button" class="df-button" disabled=busy
            aria-label=format!("{verb} {}", instance.name) on:click=click>{verb}</button>
    }
}

/// The instance's actions; each opens the new operation's page.
#[component]
fn Actions(instance: Instance) -> impl IntoView {
    let operations = use_store::<Operation>();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<ApiError>);
    let buttons = ["start", "stop", "restart", "deploy"].map(|action| {
        let (instance, navigate) = (instance.clone(), navigate.clone());
        let label = format!("{}{}", action[..1].to_uppercase(), &action[1..]);
        view! {
            <button type="button" class="df-button" on:click=move |_| {
                let (instance, navigate) = (instance.clone(), navigate.clone());
                spawn_local(async move {
                    match start_action(&operations, &instance, action).await {
                        Ok(op) => navigate(&format!("/operations/{}", op.id), Default::default()),
                        Err(err) => error.set(Some(err)),
                    }
                });
            }>{label}</button>
        }
    });
    view! {
        <div class="demo-actions" role="group" aria-label="Instance actions">{buttons.into_iter().collect_view()}</div>
        <ErrorDisplay error=error/>
    }
}

/// The instance's operations, newest first.
#[component]
fn Operations(id: String, team: String) -> impl IntoView {
    let query = RwSignal::new(
        ListQuery::new()
            .team(team)
            .filter("target_id", id)
            .sort("created_at", Order::Desc)
            .per_page(10),
    );
    view! {
        <h2>"Operations"</h2>
        <EntityTable<Operation> label="Operations of this instance" columns=operation_columns() query=query/>
    }
}

/// Columns of an operations table (shared with the team's Operations tab).
pub fn operation_columns() -> Vec<Column<Operation>> {
    vec![
        Column::new("Operation", |o: &Operation| {
            let (href, name) = (format!("/operations/{}", o.id), o.op_type.clone());
            view! { <A href=href>{name}</A> }.into_any()
        }),
        Column::new("Status", |o: &Operation| {
            let state = o
                .outcome
                .map(|x| x.as_str())
                .unwrap_or(o.status.as_str())
                .to_owned();
            view! { <StatusBadge status=state/> }.into_any()
        })
        .sortable("status"),
        Column::text("Progress", |o: &Operation| {
            let c = o.summary_counts;
            format!("{} of {}", c.done + c.failed, c.total)
        }),
        Column::new("Created", |o: &Operation| {
            view! { <RelativeTime at=o.created_at.clone()/> }.into_any()
        })
        .sortable("created_at"),
    ]
}

fn patch(values: &Values) -> PatchInstance {
    PatchInstance {
        name: Some(values.get("name")),
        status: None,
    }
}

fn summary(instance: &Instance) -> AnyView {
    view! {
        <p><StatusBadge status=instance.status.as_str().to_owned()/></p>
        <Actions instance=instance.clone()/>
        <Operations id=instance.id.clone() team=instance.team_id.clone()/>
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
    let team = use_team_of::<Instance>(id);
    view! {
        <DraftBanner kind="instance" id=id team=team/>
        <EntityEditor<Instance> id=id noun="instance" fields=fields patch=patch summary=summary/>
        {history::<Instance>(id, team)}
    }
}
