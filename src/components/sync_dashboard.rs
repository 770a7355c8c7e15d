use leptos::prelude::*;
use leptos::task::spawn_local;

use super::conflict_dialog::ConflictDialog;
use super::duration_chart::DurationChart;
use crate::cache::{BrowserEnvironment, Environment};
use crate::persist::{
    Connection, ItemState, KindSettings, OutboxItem, Persistence, StorageHealth, SyncMetrics,
};

fn state_label(state: &ItemState) -> String {
    match state {
        ItemState::Pending => "Pending".to_owned(),
        ItemState::Syncing => "Sending…".to_owned(),
        ItemState::Conflict { .. } => "Conflict".to_owned(),
        ItemState::Failed { error } => format!("Failed: {error}"),
    }
}

fn ms(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), |v| format!("{v:.0} ms"))
}

/// Everything about offline persistence on one screen: connection and sync status, the outbox
/// with per-item state and actions (retry, discard, resolve a conflict side by side), the sync
/// metrics with a chart of recent durations, and per-kind settings (persist on/off, debounce,
/// batch size, offline sync), with "Sync now", "Flush" and "Reset metrics".
///
/// ```no_run
/// use data_farm::components::SyncDashboard;
/// use data_farm::prelude::*;
/// use leptos::prelude::*;
///
/// #[component]
/// fn SyncPage() -> impl IntoView {
///     let persistence = use_data_farm().persistence().expect("persistence turned on");
///     view! { <SyncDashboard persistence=persistence kinds=vec!["team", "device"]/> }
/// }
/// ```
#[component]
pub fn SyncDashboard(
    /// The farm's persistence layer.
    persistence: Persistence,
    /// The kinds whose settings are offered.
    kinds: Vec<&'static str>,
) -> impl IntoView {
    let status = ReadSignal::from(persistence.status());
    let metrics: ReadSignal<SyncMetrics> = ReadSignal::from(persistence.metrics());
    let outbox: ReadSignal<Vec<OutboxItem>> = ReadSignal::from(persistence.outbox());
    let config = ReadSignal::from(persistence.config());
    let resolving = RwSignal::new(None::<u64>);
    let p = StoredValue::new(persistence);
    let run =
        move |action: fn(Persistence) -> futures_util::future::LocalBoxFuture<'static, ()>| {
            let persistence = p.get_value();
            spawn_local(action(persistence));
        };
    let connection = move || match status.get().connection {
        Connection::Online => "Online",
        Connection::Offline => "Offline",
    };
    let storage = move || match status.get().storage {
        StorageHealth::Idle => "Not started".to_owned(),
        StorageHealth::Persistent => "Saved in this browser (IndexedDB)".to_owned(),
        StorageHealth::MemoryOnly(reason) => format!("Memory only: {reason}"),
    };
    let warning = move || matches!(status.get().storage, StorageHealth::MemoryOnly(_));
    let item_row = move |item: OutboxItem| {
        let seq = item.seq;
        let conflict = matches!(item.state, ItemState::Conflict { .. });
        let failed = matches!(item.state, ItemState::Failed { .. });
        let what = format!("{} {} {}", item.op.as_str(), item.kind, item.id);
        let label_retry = format!("Retry {what}");
        let label_discard = format!("Discard {what}");
        let label_resolve = format!("Resolve {what}");
        view! {
            <tr>
                <td>{item.kind.clone()}</td>
                <td>{item.op.as_str()}</td>
                <td>{item.id.clone()}</td>
                <td>{item.attempts}</td>
                <td>{state_label(&item.state)}</td>
                <td class="df-outbox__actions">
                    <Show when=move || conflict>
                        <button type="button" class="df-button df-primary" aria-label=label_resolve.clone()
                            on:click=move |_| resolving.set(Some(seq))>"Resolve"</button>
                    </Show>
                    <Show when=move || failed>
                        <button type="button" class="df-button" aria-label=label_retry.clone()
                            on:click=move |_| { let persistence = p.get_value(); spawn_local(async move { persistence.retry(seq).await }) }>"Retry"</button>
                    </Show>
                    <button type="button" class="df-button" aria-label=label_discard
                        on:click=move |_| { let persistence = p.get_value(); spawn_local(async move { persistence.discard(seq).await }) }>"Discard"</button>
                </td>
            </tr>
        }
    };
    let dialog = move || {
        let seq = resolving.get()?;
        let item = outbox.with(|items| items.iter().find(|i| i.seq == seq).cloned())?;
        if !matches!(item.state, ItemState::Conflict { .. }) {
            return None;
        }
        Some(view! {
            <ConflictDialog item=item
                on_resolve=move |resolution| {
                    resolving.set(None);
                    let persistence = p.get_value();
                    spawn_local(async move { persistence.resolve(seq, resolution).await });
                }
                on_close=move |()| resolving.set(None)/>
        })
    };
    let settings_row = move |kind: &'static str| {
        let current = move || config.with(|c| c.settings(kind));
        let apply = move |change: Box<dyn FnOnce(&mut KindSettings)>| {
            let mut next = config.with_untracked(|c| c.settings(kind));
            change(&mut next);
            let persistence = p.get_value();
            spawn_local(async move { persistence.configure(kind, next).await });
        };
        view! {
            <tr>
                <th scope="row">{kind}</th>
                <td><input type="checkbox" aria-label=format!("Persist {kind}") prop:checked=move || current().enabled
                    on:change=move |ev| { let on = event_target_checked(&ev); apply(Box::new(move |s| s.enabled = on)) }/></td>
                <td><input type="number" min="0" step="50" aria-label=format!("Debounce for {kind} (ms)")
                    prop:value=move || current().debounce_ms.to_string()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            apply(Box::new(move |s| s.debounce_ms = v.max(0.0)))
                        }
                    }/></td>
                <td><input type="number" min="1" step="1" aria-label=format!("Batch size for {kind}")
                    prop:value=move || current().batch_size.to_string()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                            apply(Box::new(move |s| s.batch_size = v.max(1)))
                        }
                    }/></td>
                <td><input type="checkbox" aria-label=format!("Sync {kind} changes made offline") prop:checked=move || current().sync
                    on:change=move |ev| { let on = event_target_checked(&ev); apply(Box::new(move |s| s.sync = on)) }/></td>
            </tr>
        }
    };
    let durations =
        Signal::derive(move || metrics.with(|m| m.recent_ms.iter().copied().collect::<Vec<_>>()));
    view! {
        <div class="df-sync">
            <section class="df-sync__section" aria-labelledby="df-sync-status">
                <h2 id="df-sync-status">"Status"</h2>
                <dl class="df-sync__facts">
                    <dt>"Connection"</dt><dd role="status" aria-label=move || format!("Sync connection: {}", connection())>{connection}</dd>
                    <dt>"Sync"</dt><dd>{move || if status.get().syncing { "Sending…" } else { "Idle" }}</dd>
                    <dt>"Storage"</dt><dd>{storage}</dd>
                    <dt>"Waiting to sync"</dt><dd>{move || outbox.with(Vec::len)}</dd>
                </dl>
                <Show when=warning>
                    <p class="df-error" role="alert">"Changes are kept in memory only and will be lost on reload."</p>
                </Show>
                <div class="df-sync__actions">
                    <button type="button" class="df-button df-primary" on:click=move |_| run(|p| Box::pin(async move { p.sync_now().await }))>"Sync now"</button>
                    <button type="button" class="df-button" on:click=move |_| run(|p| Box::pin(async move { p.flush().await }))>"Flush to storage"</button>
                    <button type="button" class="df-button" on:click=move |_| p.get_value().reset_metrics()>"Reset metrics"</button>
                </div>
            </section>
            <section class="df-sync__section" aria-labelledby="df-sync-outbox">
                <h2 id="df-sync-outbox">"Outbox"</h2>
                <div class="df-table">
                    <table aria-labelledby="df-sync-outbox">
                        <thead><tr>
                            <th scope="col">"Kind"</th><th scope="col">"Change"</th><th scope="col">"Entity"</th>
                            <th scope="col">"Attempts"</th><th scope="col">"State"</th><th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>
                            <For each=move || outbox.get() key=|item| (item.seq, item.attempts, state_label(&item.state), item.id.clone()) children=item_row/>
                        </tbody>
                    </table>
                    <Show when=move || outbox.with(Vec::is_empty)>
                        <p class="df-table__empty">"Nothing waits: every change reached the server."</p>
                    </Show>
                </div>
                {dialog}
            </section>
            <section class="df-sync__section" aria-labelledby="df-sync-metrics">
                <h2 id="df-sync-metrics">"Metrics"</h2>
                <dl class="df-sync__facts">
                    <dt>"Sync operations"</dt><dd>{move || metrics.get().total}</dd>
                    <dt>"Succeeded"</dt><dd>{move || metrics.get().succeeded}</dd>
                    <dt>"Failed"</dt><dd>{move || metrics.get().failed}</dd>
                    <dt>"Pending"</dt><dd>{move || metrics.get().pending}</dd>
                    <dt>"Last operation"</dt><dd>{move || metrics.get().last_at.map_or("never".to_owned(), |at| {
                        super::relative_time::relative(at, BrowserEnvironment.now())
                    })}</dd>
                    <dt>"Average duration"</dt><dd>{move || ms(metrics.get().average_ms())}</dd>
                    <dt>"Records saved locally"</dt><dd>{move || metrics.get().records_written}</dd>
                    <dt>"Local write failures"</dt><dd>{move || metrics.get().write_failures}</dd>
                </dl>
                <DurationChart durations=durations/>
            </section>
            <section class="df-sync__section" aria-labelledby="df-sync-settings">
                <h2 id="df-sync-settings">"Settings"</h2>
                <div class="df-table">
                    <table aria-labelledby="df-sync-settings">
                        <thead><tr><th scope="col">"Kind"</th><th scope="col">"Persist"</th><th scope="col">"Debounce (ms)"</th><th scope="col">"Batch size"</th><th scope="col">"Sync offline changes"</th></tr></thead>
                        <tbody>{kinds.into_iter().map(settings_row).collect_view()}</tbody>
                    </table>
                </div>
            </section>
        </div>
    }
}
