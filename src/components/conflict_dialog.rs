use std::collections::BTreeMap;

use leptos::prelude::*;
use serde_json::Value;

use crate::persist::{ItemState, OutboxItem, OutboxOp, Resolution};

/// A field's value for display.
fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The conflict of one outbox item: my change and the server's version side by side, field by
/// field, and the three ways out (keep mine, take theirs, merge the fields chosen).
#[component]
pub fn ConflictDialog(
    /// The item in conflict.
    item: OutboxItem,
    /// Called with the user's choice.
    #[prop(into)]
    on_resolve: Callback<Resolution>,
    /// Called when the dialog is closed without a choice.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let theirs = match &item.state {
        ItemState::Conflict { theirs } => theirs.clone(),
        _ => Value::Null,
    };
    let mine: BTreeMap<String, Value> = match &item.body {
        Value::Object(map) => crate::sort::map_of(map.clone()),
        _ => BTreeMap::new(),
    };
    // Per field: true keeps mine.
    let keep_mine = RwSignal::new(crate::sort::map_of(mine.keys().map(|k| (k.clone(), true))));
    let messages = super::use_messages();
    let m = messages.conflict;
    let title_id = format!("conflict-{}", item.seq);
    let labelled_by = title_id.clone();
    let summary = match item.op {
        OutboxOp::Delete => (m.deleted)(&item.kind, &item.id),
        _ => (m.changed)(
            &item.kind,
            &item.id,
            &messages.number(theirs.get("version").and_then(Value::as_u64).unwrap_or(0)),
        ),
    };
    let merged = {
        let mine = mine.clone();
        move || {
            // Inserted one by one: `collect` into a map sorts first (see `crate::sort`).
            let mut chosen = serde_json::Map::new();
            for (field, keep) in keep_mine.get_untracked() {
                if let Some(value) = mine.get(&field).filter(|_| keep) {
                    chosen.insert(field, value.clone());
                }
            }
            Value::Object(chosen)
        }
    };
    let rows = mine
        .iter()
        .map(|(field, value)| {
            let f1 = field.clone();
            let f2 = field.clone();
            let f3 = field.clone();
            let f4 = field.clone();
            let name = format!("conflict-{}-{field}", item.seq);
            view! {
                <tr>
                    <th scope="row">{field.clone()}</th>
                    <td>{shown(Some(value))}</td>
                    <td>{shown(theirs.get(field))}</td>
                    <td>
                        <label><input type="radio" name=name.clone()
                            prop:checked=move || keep_mine.with(|m| m.get(&f1).copied().unwrap_or(true))
                            on:change=move |_| keep_mine.update(|m| { m.insert(f2.clone(), true); })/>
                            " " {(m.mine_for)(field)}</label>
                        " "
                        <label><input type="radio" name=name
                            prop:checked=move || keep_mine.with(|m| !m.get(&f3).copied().unwrap_or(true))
                            on:change=move |_| keep_mine.update(|m| { m.insert(f4.clone(), false); })/>
                            " " {(m.theirs_for)(field)}</label>
                    </td>
                </tr>
            }
        })
        .collect_view();
    // Which fields there are is fixed for the dialog's life: no reactive `Show` is needed.
    let has_fields = !mine.is_empty();
    // Modal: focus moves in, stays in (Tab wraps), Escape closes, and goes back on close.
    let dialog = NodeRef::<leptos::html::Div>::new();
    let keydown = super::dialog_focus(dialog, on_close, true);
    view! {
        <div class="df-dialog" role="dialog" aria-modal="true" aria-labelledby=labelled_by
            node_ref=dialog on:keydown=keydown>
            <h2 id=title_id>{(m.title)(&item.kind, &item.id)}</h2>
            <p>{summary}</p>
            {has_fields.then(|| view! {
                <table class="df-conflict" aria-label=m.table>
                    <thead><tr>{m.columns.map(|c| view! { <th scope="col">{c}</th> })}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })}
            <div class="df-dialog__actions">
                <button type="button" class="df-button df-primary" on:click=move |_| on_resolve.run(Resolution::KeepMine)>{m.keep_mine}</button>
                <button type="button" class="df-button" on:click=move |_| on_resolve.run(Resolution::TakeTheirs)>{m.take_theirs}</button>
                {has_fields.then(|| view! {
                    <button type="button" class="df-button"
                        on:click=move |_| on_resolve.run(Resolution::Merge(merged()))>{m.merge}</button>
                })}
                <button type="button" class="df-button" on:click=move |_| on_close.run(())>{m.close}</button>
            </div>
        </div>
    }
}
