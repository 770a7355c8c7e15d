use leptos::prelude::*;
use leptos::task::spawn_local;

use super::conflict_dialog::ConflictDialog;
use super::decimal::decimal;
use super::duration_chart::DurationChart;
use super::messages::{use_messages, Messages, SyncMessages};
use crate::cache::{BrowserEnvironment, Environment};
use crate::persist::{
    Connection, ItemState, KindSettings, OutboxItem, Persistence, StorageHealth, SyncMetrics,
};

fn state_label(m: &SyncMessages, state: &ItemState) -> String {
    match state {
        ItemState::Pending => m.pending.to_owned(),
        ItemState::Syncing => m.sending.to_owned(),
        ItemState::Conflict { .. } => m.conflict.to_owned(),
        ItemState::Failed { error } => (m.failed)(error),
    }
}

fn ms(messages: &Messages, value: Option<f64>) -> String {
    value.map_or("—".to_owned(), |v| {
        (messages.sync.milliseconds)(&messages.number(v.round().max(0.0) as u64))
    })
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
    let messages = use_messages();
    let m = &messages.sync;
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
        Connection::Online => m.online,
        Connection::Offline => m.offline,
    };
    let storage = move || match status.get().storage {
        StorageHealth::Idle => m.storage_idle.to_owned(),
        StorageHealth::Persistent => m.storage_persistent.to_owned(),
        StorageHealth::MemoryOnly(reason) => (m.memory_only)(&reason),
    };
    let warning = move || matches!(status.get().storage, StorageHealth::MemoryOnly(_));
    let item_row = move |item: OutboxItem| {
        let seq = item.seq;
        let conflict = matches!(item.state, ItemState::Conflict { .. });
        let failed = matches!(item.state, ItemState::Failed { .. });
        let what = format!("{} {} {}", item.op.as_str(), item.kind, item.id);
        let label_retry = (m.retry.1)(&what);
        let label_discard = (m.discard.1)(&what);
        let label_resolve = (m.resolve.1)(&what);
        view! {
            <tr>
                <td>{item.kind.clone()}</td>
                <td>{item.op.as_str()}</td>
                <td>{item.id.clone()}</td>
                <td>{item.attempts}</td>
                <td>{state_label(m, &item.state)}</td>
                <td class="df-outbox__actions">
                    <Show when=move || conflict>
                        <button type="button" class="df-button df-primary" aria-label=label_resolve.clone()
                            on:click=move |_| resolving.set(Some(seq))>{m.resolve.0}</button>
                    </Show>
                    <Show when=move || failed>
                        <button type="button" class="df-button" aria-label=label_retry.clone()
                            on:click=move |_| { let persistence = p.get_value(); spawn_local(async move { persistence.retry(seq).await }) }>{m.retry.0}</button>
                    </Show>
                    <button type="button" class="df-button" aria-label=label_discard
                        on:click=move |_| { let persistence = p.get_value(); spawn_local(async move { persistence.discard(seq).await }) }>{m.discard.0}</button>
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
                <td><input type="checkbox" aria-label=(m.persist_kind)(kind) prop:checked=move || current().enabled
                    on:change=move |ev| { let on = event_target_checked(&ev); apply(Box::new(move |s| s.enabled = on)) }/></td>
                <td><input type="number" min="0" step="50" aria-label=(m.debounce_kind)(kind)
                    prop:value=move || decimal(current().debounce_ms, 3)
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                            apply(Box::new(move |s| s.debounce_ms = v.max(0.0)))
                        }
                    }/></td>
                <td><input type="number" min="1" step="1" aria-label=(m.batch_kind)(kind)
                    prop:value=move || current().batch_size.to_string()
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse::<usize>() {
                            apply(Box::new(move |s| s.batch_size = v.max(1)))
                        }
                    }/></td>
                <td><input type="checkbox" aria-label=(m.sync_kind)(kind) prop:checked=move || current().sync
                    on:change=move |ev| { let on = event_target_checked(&ev); apply(Box::new(move |s| s.sync = on)) }/></td>
            </tr>
        }
    };
    let durations =
        Signal::derive(move || metrics.with(|m| m.recent_ms.iter().copied().collect::<Vec<_>>()));
    view! {
        <div class="df-sync">
            <section class="df-sync__section" aria-labelledby="df-sync-status">
                <h2 id="df-sync-status">{m.status_heading}</h2>
                <dl class="df-sync__facts">
                    <dt>{m.connection}</dt><dd><span role="status" aria-label=move || (m.connection_label)(connection())>{connection}</span></dd>
                    <dt>{m.sync}</dt><dd>{move || if status.get().syncing { m.sending } else { m.idle }}</dd>
                    <dt>{m.storage}</dt><dd>{storage}</dd>
                    <dt>{m.waiting}</dt><dd>{move || messages.number(outbox.with(Vec::len) as u64)}</dd>
                </dl>
                <Show when=warning>
                    <p class="df-error" role="alert">{m.memory_warning}</p>
                </Show>
                <div class="df-sync__actions">
                    <button type="button" class="df-button df-primary" on:click=move |_| run(|p| Box::pin(async move { p.sync_now().await }))>{m.sync_now}</button>
                    <button type="button" class="df-button" on:click=move |_| run(|p| Box::pin(async move { p.flush().await }))>{m.flush}</button>
                    <button type="button" class="df-button" on:click=move |_| p.get_value().reset_metrics()>{m.reset_metrics}</button>
                </div>
            </section>
            <section class="df-sync__section" aria-labelledby="df-sync-outbox">
                <h2 id="df-sync-outbox">{m.outbox_heading}</h2>
                <div class="df-table">
                    <table aria-labelledby="df-sync-outbox">
                        <thead><tr>{m.outbox_columns.map(|c| view! { <th scope="col">{c}</th> })}</tr></thead>
                        <tbody>
                            <For each=move || outbox.get() key=move |item| (item.seq, item.attempts, state_label(m, &item.state), item.id.clone()) children=item_row/>
                        </tbody>
                    </table>
                    <Show when=move || outbox.with(Vec::is_empty)>
                        <p class="df-table__empty">{m.outbox_empty}</p>
                    </Show>
                </div>
                {dialog}
            </section>
            <section class="df-sync__section" aria-labelledby="df-sync-metrics">
                <h2 id="df-sync-metrics">{m.metrics_heading}</h2>
                <dl class="df-sync__facts">
                    <dt>{m.metrics[0]}</dt><dd>{move || messages.number(metrics.get().total)}</dd>
                    <dt>{m.metrics[1]}</dt><dd>{move || messages.number(metrics.get().succeeded)}</dd>
                    <dt>{m.metrics[2]}</dt><dd>{move || messages.number(metrics.get().failed)}</dd>
                    <dt>{m.metrics[3]}</dt><dd>{move || messages.number(metrics.get().pending as u64)}</dd>
                    <dt>{m.metrics[4]}</dt><dd>{move || metrics.get().last_at.map_or(m.never.to_owned(), |at| {
                        super::relative_time::formatted(messages.locale, at, BrowserEnvironment.now())
                    })}</dd>
                    <dt>{m.metrics[5]}</dt><dd>{move || ms(messages, metrics.get().average_ms())}</dd>
                    <dt>{m.metrics[6]}</dt><dd>{move || messages.number(metrics.get().records_written)}</dd>
                    <dt>{m.metrics[7]}</dt><dd>{move || messages.number(metrics.get().write_failures)}</dd>
                </dl>
                <DurationChart durations=durations/>
            </section>
            <section class="df-sync__section" aria-labelledby="df-sync-settings">
                <h2 id="df-sync-settings">{m.settings_heading}</h2>
                <div class="df-table">
                    <table aria-labelledby="df-sync-settings">
                        <thead><tr>{m.settings_columns.map(|c| view! { <th scope="col">{c}</th> })}</tr></thead>
                        <tbody>{kinds.into_iter().map(settings_row).collect_view()}</tbody>
                    </table>
                </div>
            </section>
        </div>
    }
}
