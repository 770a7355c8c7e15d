//! Drafts in the demo: the team's Drafts tab (its open count in the tab, the approval rules,
//! each draft with its review actions), and the banner on an entity a draft would change.

use data_farm::api::Method;
use data_farm::components::{
    Column, EntityTable, ErrorDisplay, RelativeTime, StatusBadge, TableFilter,
};
use data_farm::prelude::*;
use data_farm::protocol::{ApprovalRules, DraftOperation, User};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use super::history::{people_of, use_members, who};
use super::Auth;

/// The status filter of the Drafts table.
const STATUSES: &[(&str, &str)] = &[
    ("draft", "Draft"),
    ("under_review", "Under review"),
    ("effective", "Effective"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
    ("failed", "Failed"),
];

/// The kinds a team may require approval for, with their labels.
const APPROVABLE: [(&str, &str); 3] = [
    ("application", "Applications"),
    ("instance", "Instances"),
    ("device", "Devices"),
];

/// The signed-in user's id.
pub fn my_id() -> String {
    match use_context::<RwSignal<Auth>>().map(|auth| auth.get_untracked()) {
        Some(Auth::SignedIn(session)) => session.user.id,
        _ => String::new(),
    }
}

/// How many drafts of `team` are open (being written or under review), live.
pub fn use_open_count(team: String) -> Signal<u64> {
    let writing = use_list::<Draft>(
        ListQuery::new()
            .team(team.clone())
            .filter("status", "draft")
            .per_page(1),
    );
    let review = use_list::<Draft>(
        ListQuery::new()
            .team(team)
            .filter("status", "under_review")
            .per_page(1),
    );
    Signal::derive(move || writing.view.get().total + review.view.get().total)
}

fn operation_label(draft: &Draft) -> String {
    let verb = match draft.operation {
        DraftOperation::Create => "Create",
        DraftOperation::Update => "Change",
        DraftOperation::Delete => "Delete",
    };
    format!("{verb} {} {}", draft.kind, draft.name)
}

/// The buttons `me` may press on `draft`, with a comment box.
#[component]
fn Review(draft: Draft, me: String, owner: Signal<bool>) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let store = use_store::<Draft>();
    let mine = draft.author_id == me;
    let mut steps: Vec<(&'static str, &'static str)> = Vec::new();
    match draft.status {
        DraftStatus::Draft if mine => steps.extend([("submit", "Submit"), ("cancel", "Cancel")]),
        DraftStatus::UnderReview if mine => steps.push(("cancel", "Cancel")),
        _ => {}
    }
    let reviewable = draft.status == DraftStatus::UnderReview && !mine;
    if !draft.status.is_open() {
        return view! { <span class="df-muted">"—"</span> }.into_any();
    }
    let name = operation_label(&draft);
    let edit_draft = draft.clone();
    let buttons = move |steps: Vec<(&'static str, &'static str)>| {
        steps
            .into_iter()
            .map(|(step, label)| {
                let draft = draft.clone();
                let aria = format!("{label} {}", operation_label(&draft));
                view! {
                    <button type="button" class="df-button" aria-label=aria on:click=move |_| {
                        let draft = draft.clone();
                        let text = comment.get_untracked();
                        spawn_local(async move {
                            let path = format!("/drafts/{}/{step}", draft.id);
                            let body = serde_json::json!({ "comment": text });
                            match store.action(Method::Post, &path, body, Vec::new()).await {
                                Ok(_) => { error.set(None); comment.set(String::new()); }
                                Err(err) => error.set(Some(err)),
                            }
                        });
                    }>{label}</button>
                }
            })
            .collect_view()
    };
    let own = buttons(steps);
    // Built each time they show: a view is not `Clone` in every Leptos build (`erase_components`).
    let review = move || buttons(vec![("approve", "Approve"), ("reject", "Reject")]);
    // Its author may still change what it proposes (here: the name) while it is a draft.
    let editable = edit_draft.can_edit(&me) && edit_draft.operation != DraftOperation::Delete;
    let edit = editable.then(|| {
        let proposal = RwSignal::new(edit_draft.name.clone());
        let draft = edit_draft;
        let save = move |_| {
            let draft = draft.clone();
            let name = proposal.get_untracked();
            spawn_local(async move {
                let mut body = draft.body.clone();
                if let Some(fields) = body.as_object_mut() {
                    fields.insert("name".into(), serde_json::Value::String(name));
                }
                let path = format!("/drafts/{}", draft.id);
                match store.action(Method::Patch, &path, serde_json::json!({ "body": body }), Vec::new()).await {
                    Ok(_) => error.set(None),
                    Err(err) => error.set(Some(err)),
                }
            });
        };
        view! {
            <span class="demo-edit-proposal">
                <input type="text" aria-label=format!("Proposed name for {name}")
                    prop:value=move || proposal.get() on:input=move |ev| proposal.set(event_target_value(&ev))/>
                <button type="button" class="df-button" aria-label=format!("Save proposal {name}") on:click=save>"Save proposal"</button>
            </span>
        }
    });
    view! {
        <div class="demo-review" role="group" aria-label=format!("Review {name}")>
            <input type="text" aria-label=format!("Comment on {name}") placeholder="Comment"
                prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))/>
            {edit}
            {own}
            {move || (reviewable && owner.get()).then(review.clone())}
            <ErrorDisplay error=error/>
        </div>
    }
    .into_any()
}

/// Whether `me` is among `members` as an owner.
fn owns(members: Signal<Vec<User>>, me: String) -> Signal<bool> {
    Signal::derive(move || {
        members.with(|all| {
            all.iter()
                .any(|u| u.id == me && u.role.as_deref() == Some("owner"))
        })
    })
}

/// The team's approval rules, changed by an owner.
#[component]
fn ApprovalSettings(team: String, owner: Signal<bool>) -> impl IntoView {
    let farm = use_data_farm();
    let rules = RwSignal::new(ApprovalRules::default());
    let error = RwSignal::new(None::<ApiError>);
    {
        let (client, team) = (farm.client().clone(), team.clone());
        spawn_local(async move {
            if let Ok(now) = client
                .get::<ApprovalRules>(&format!("/teams/{team}/approvals"))
                .await
            {
                rules.set(now);
            }
        });
    }
    let toggle = move |kind: &'static str, on: bool| {
        let (client, team) = (farm.client().clone(), team.clone());
        let mut wanted = rules.get_untracked();
        wanted.kinds.retain(|k| k != kind);
        if on {
            wanted.kinds.push(kind.to_owned());
        }
        spawn_local(async move {
            match client
                .put::<_, ApprovalRules>(&format!("/teams/{team}/approvals"), &wanted)
                .await
            {
                Ok(now) => {
                    rules.set(now);
                    error.set(None);
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <fieldset class="demo-approvals">
            <legend>"Changes that need an owner's approval"</legend>
            {APPROVABLE.map(|(kind, label)| {
                let toggle = toggle.clone();
                view! {
                    <label>
                        <input type="checkbox" disabled=move || !owner.get()
                            prop:checked=move || rules.with(|r| r.kinds.iter().any(|k| k == kind))
                            on:change=move |ev| toggle(kind, event_target_checked(&ev))/>
                        " " {label}
                    </label>
                }
            })}
            {move || (!owner.get()).then(|| view! { <p class="df-muted">"Only an owner of the team changes these."</p> })}
            <ErrorDisplay error=error/>
        </fieldset>
    }
}

/// The team's Drafts tab: the approval rules and every draft, live.
#[component]
pub fn DraftsPanel(team: String) -> impl IntoView {
    let me = my_id();
    // One request for the members: their names and whether I own the team.
    let members = use_members(Signal::stored(team.clone()));
    let owner = owns(members, me.clone());
    let people = people_of(members);
    let query = RwSignal::new(
        ListQuery::new()
            .team(team.clone())
            .sort("updated_at", Order::Desc),
    );
    let columns = vec![
        Column::new("Change", |d: &Draft| operation_label(d).into_any()),
        Column::new("Status", |d: &Draft| {
            view! { <StatusBadge status=d.status.as_str().to_owned()/> }.into_any()
        })
        .sortable("status"),
        Column::new("Author", move |d: &Draft| {
            people
                .with(|p| who(p, &Some(d.author_id.clone())))
                .into_any()
        }),
        Column::new("Updated", |d: &Draft| {
            view! { <RelativeTime at=d.updated_at.clone()/> }.into_any()
        })
        .sortable("updated_at"),
        Column::new("Last comment", |d: &Draft| {
            d.comments
                .iter()
                .rev()
                .find(|c| !c.text.is_empty())
                .map(|c| c.text.clone())
                .unwrap_or_default()
                .into_any()
        }),
        Column::new("Review", move |d: &Draft| {
            view! { <Review draft=d.clone() me=me.clone() owner=owner/> }.into_any()
        }),
    ];
    view! {
        <ApprovalSettings team=team.clone() owner=owner/>
        <EntityTable<Draft> label="Drafts" columns=columns query=query
            filters=vec![TableFilter::new("Status", "status", STATUSES)]/>
    }
}

/// On an entity's page: the open drafts that would change it, each with its status.
#[component]
pub fn DraftBanner(kind: &'static str, id: Signal<String>, team: Signal<String>) -> impl IntoView {
    let query = Signal::derive(move || {
        ListQuery::new()
            .team(team.get())
            .base("entity_id", id.get())
            .base("kind", kind)
            .per_page(10)
    });
    let drafts = use_list::<Draft>(query);
    let open = move || {
        drafts
            .view
            .get()
            .ids
            .iter()
            .filter_map(|id| drafts.store.get(id).get())
            .filter(|d| d.status.is_open())
            .collect::<Vec<_>>()
    };
    move || {
        let open = open();
        (!open.is_empty()).then(|| {
            let lines = open
                .iter()
                .map(|d| {
                    format!(
                        "{} ({})",
                        operation_label(d),
                        d.status.as_str().replace('_', " ")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let href = format!("/teams/{}?tab=drafts", team.get());
            view! {
                <div class="demo-banner" role="status" aria-label="Waiting for approval">
                    <p>{format!("Waiting for approval: {lines}.")}</p>
                    <A href=href>"See the team's drafts"</A>
                </div>
            }
        })
    }
}
