//! A detail page's history, live: who changed which fields when (the audit trail), and what
//! differs between two kept versions. Names of people come from the team's member list (one
//! request), not one request per line.

use std::collections::HashMap;

use data_farm::components::RelativeTime;
use data_farm::hooks::{use_audit, use_team_audit, use_versions};
use data_farm::prelude::*;
use data_farm::protocol::{AuditEntry, ChangeOp, ListResponse, User, VersionEntry};
use leptos::prelude::*;
use serde_json::Value;

/// How many lines of the trail and versions to compare the page shows.
const SHOWN: u32 = 50;

/// `team`'s members with their roles: one request (empty until it answers, or when it fails).
pub fn use_members(team: Signal<String>) -> Signal<Vec<User>> {
    let farm = use_data_farm();
    let members = LocalResource::new(move || {
        let (client, team) = (farm.client().clone(), team.get());
        async move {
            if team.is_empty() {
                return Vec::new();
            }
            client
                .get::<ListResponse<User>>(&format!("/teams/{team}/members"))
                .await
                .map(|page| page.items)
                .unwrap_or_default()
        }
    });
    Signal::derive(move || members.get().unwrap_or_default())
}

/// The display names of `members`, by user id.
pub fn people_of(members: Signal<Vec<User>>) -> Signal<HashMap<String, String>> {
    Signal::derive(move || {
        members.with(|all| {
            all.iter()
                .map(|user| (user.id.clone(), user.display_name.clone()))
                .collect()
        })
    })
}

pub fn who(people: &HashMap<String, String>, user_id: &Option<String>) -> String {
    match user_id {
        None => "The system".into(),
        Some(id) => people.get(id).cloned().unwrap_or_else(|| id.clone()),
    }
}

fn what(entry: &AuditEntry) -> String {
    let fields = entry.fields.as_ref().map(|fields| fields.join(", "));
    match (entry.op, fields) {
        (ChangeOp::Created, _) => "Created".into(),
        (ChangeOp::Deleted, _) => "Deleted".into(),
        (_, Some(fields)) if !fields.is_empty() => format!("Changed {fields}"),
        (ChangeOp::Status, _) => "Changed status".into(),
        _ => "Changed".into(),
    }
}

/// A field's value as a person reads it.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Object(map)) if map.contains_key("type") && map.contains_key("id") => {
            format!("{} {}", shown(map.get("type")), shown(map.get("id")))
        }
        Some(other) => other.to_string(),
    }
}

/// The fields that differ between two versions' data, with both values.
fn differences(from: Option<&Value>, to: Option<&Value>) -> Vec<(String, String, String)> {
    let empty = serde_json::Map::new();
    let as_map = |v: Option<&Value>| match v {
        Some(Value::Object(map)) => map.clone(),
        _ => empty.clone(),
    };
    let (from, to) = (as_map(from), as_map(to));
    // Every key of either, once and in order: a map's keys are sorted (and sorting a `Vec`
    // here linked one more copy of the standard sort, 3.5 KB of wasm).
    let mut union = from.clone();
    union.extend(to.clone());
    union
        .keys()
        .filter(|key| !matches!(key.as_str(), "id" | "version" | "updated_at"))
        .filter(|key| from.get(*key) != to.get(*key))
        .map(|key| (key.clone(), shown(from.get(key)), shown(to.get(key))))
        .collect()
}

/// The history section of entity `id` of `team` (whose members name the people).
pub fn history<E: Entity>(id: Signal<String>, team: Signal<String>) -> impl IntoView {
    let people = people_of(use_members(team));
    let trail = use_audit::<E>(id, 1u32, SHOWN);
    let versions = use_versions::<E>(id, 1u32, SHOWN);
    let from = RwSignal::new(None::<u64>);
    let to = RwSignal::new(None::<u64>);
    // Newest against the one before, until the user picks others.
    let picked = move |choice: RwSignal<Option<u64>>, nth: usize| {
        choice.get().or_else(|| {
            versions
                .entries
                .with(|all| all.get(nth).map(|v: &VersionEntry| v.version))
        })
    };
    let diff = move || {
        let (from, to) = (picked(from, 1), picked(to, 0));
        versions.entries.with(|all| {
            let data = |v: Option<u64>| {
                all.iter()
                    .find(|entry| Some(entry.version) == v)
                    .and_then(|entry| entry.data.clone())
            };
            differences(data(from).as_ref(), data(to).as_ref())
        })
    };
    let loading = move || matches!(trail.state.get(), LoadState::Loading);
    let options = move |selected: Signal<Option<u64>>| {
        versions.entries.with(|all| {
            all.iter()
                .map(|v| {
                    let label = format!("Version {} ({})", v.version, v.op.as_str());
                    let value = v.version.to_string();
                    let is = selected.get() == Some(v.version);
                    view! { <option value=value selected=is>{label}</option> }
                })
                .collect_view()
        })
    };
    let on_pick = |choice: RwSignal<Option<u64>>| {
        move |ev: leptos::ev::Event| choice.set(event_target_value(&ev).parse().ok())
    };
    view! {
        <section class="demo-history" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <div class="df-table">
                <table aria-label="Changes" aria-busy=move || loading().to_string()>
                    <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Version"</th></tr></thead>
                    <tbody>
                        {move || trail.entries.get().into_iter().map(|entry| {
                            let person = people.with(|p| who(p, &entry.user_id));
                            view! {
                                <tr>
                                    <td><RelativeTime at=entry.at.clone()/></td>
                                    <td>{person}</td>
                                    <td>{what(&entry)}</td>
                                    <td>{entry.version}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || (!loading() && trail.total.get() == 0).then(|| view! {
                    <p class="df-table__empty">"No change recorded yet."</p>
                })}
            </div>
            <h3>"Compare versions"</h3>
            <div class="demo-compare">
                <label>"From " <select on:change=on_pick(from)>{move || options(Signal::derive(move || picked(from, 1)))}</select></label>
                <label>"To " <select on:change=on_pick(to)>{move || options(Signal::derive(move || picked(to, 0)))}</select></label>
            </div>
            <div class="df-table">
                <table aria-label="Differences">
                    <thead><tr><th scope="col">"Field"</th><th scope="col">"From"</th><th scope="col">"To"</th></tr></thead>
                    <tbody>
                        {move || diff().into_iter().map(|(field, before, after)| view! {
                            <tr><th scope="row">{field}</th><td>{before}</td><td>{after}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// How many lines of a team's audit trail one page shows.
const TEAM_PAGE: u32 = 20;

/// The whole team's audit trail (`GET /teams/{id}/audit`): who changed what in the team,
/// newest first, a page at a time, live.
#[component]
pub fn TeamAudit(team: String) -> impl IntoView {
    let team = Signal::stored(team);
    let people = people_of(use_members(team));
    let page = RwSignal::new(1u32);
    let trail = use_team_audit(team, page, TEAM_PAGE);
    let loading = move || trail.state.get().is_fetching();
    let pages = move || trail.total.get().div_ceil(u64::from(TEAM_PAGE)).max(1);
    let at_last = move || u64::from(page.get()) >= pages();
    view! {
        <section class="demo-history" aria-labelledby="team-audit-title">
            <h2 id="team-audit-title">"Audit trail"</h2>
            <div class="df-table">
                <table aria-label="Team audit trail" aria-busy=move || loading().to_string()>
                    <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Entity"</th><th scope="col">"What"</th></tr></thead>
                    <tbody>
                        {move || trail.entries.get().into_iter().map(|entry| {
                            let person = people.with(|p| who(p, &entry.user_id));
                            let entity = format!("{} {}", entry.kind, entry.name.clone().unwrap_or_else(|| entry.entity_id.clone()));
                            view! {
                                <tr>
                                    <td><RelativeTime at=entry.at.clone()/></td>
                                    <td>{person}</td>
                                    <td>{entity}</td>
                                    <td>{what(&entry)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || (!loading() && trail.total.get() == 0).then(|| view! {
                    <p class="df-table__empty">"No change recorded yet."</p>
                })}
                <nav class="df-pagination" aria-label="Team audit trail pages">
                    <button type="button" class="df-button" aria-label="Newer changes"
                        disabled=move || page.get() <= 1 on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))>"Newer"</button>
                    <span>{move || format!("Page {} of {}", page.get(), pages())}</span>
                    <button type="button" class="df-button" aria-label="Older changes"
                        disabled=at_last on:click=move |_| page.update(|p| *p += 1)>"Older"</button>
                </nav>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn differences_name_changed_fields_with_readable_values() {
        let from = json!({"id": "d", "version": 1, "name": "a", "owner": {"type": "team", "id": "team_1"}});
        let to = json!({"id": "d", "version": 2, "name": "b", "owner": {"type": "application", "id": "app_1"}});
        assert_eq!(
            differences(Some(&from), Some(&to)),
            [
                ("name".into(), "a".into(), "b".into()),
                (
                    "owner".into(),
                    "team team_1".into(),
                    "application app_1".into()
                ),
            ]
        );
        assert_eq!(differences(Some(&from), None).len(), 2);
    }
}
