//! Components' side of polling: an observed record plus a [`Poller`] wired to the page
//! (visibility, interaction guards, the realtime connection), stopped with the component.

use std::sync::Arc;

use data_farm_protocol::{Operation, Report};
use leptos::prelude::*;

use super::poller::{latest_report_query, poll_latest_report, poll_run, Conditions, Poller};
use crate::api::ApiError;
use crate::farm::DataFarm;
use crate::hooks::{use_data_farm, use_entity, use_list};
use crate::store::{DetailView, EntityStore, ListView};

/// Whether the page is hidden, kept current by `visibilitychange` while the component lives.
fn page_hidden() -> ArcRwSignal<bool> {
    let hidden = ArcRwSignal::new(false);
    #[cfg(target_arch = "wasm32")]
    {
        let is_hidden = || document().visibility_state() == web_sys::VisibilityState::Hidden;
        hidden.set(is_hidden());
        let setter = hidden.clone();
        let handle = window_event_listener_untyped("visibilitychange", move |_| {
            setter.set(is_hidden());
        });
        on_cleanup(move || handle.remove());
    }
    hidden
}

fn conditions(farm: &DataFarm, hidden: &ArcRwSignal<bool>) -> Conditions {
    let (hidden, guards, covers) = (hidden.clone(), farm.interaction_guards(), farm.clone());
    Conditions {
        hidden: Arc::new(move || hidden.get_untracked()),
        guarded: Arc::new(move || guards.get_untracked() > 0),
        realtime_covers: Arc::new(move |team| covers.realtime_covers(team)),
    }
}

/// Runs `make` now and whenever `key` changes (stopping the previous poller), wakes the
/// current poller whenever `changed` or the page conditions change, and stops it with the
/// component. Returns the current poller.
fn keep_polling<K: Clone + PartialEq + Send + Sync + 'static>(
    key: Signal<K>,
    changed: impl Fn() + Send + Sync + 'static,
    make: impl Fn(K, Conditions) -> Poller + Send + Sync + 'static,
) -> RwSignal<Option<Poller>> {
    let farm = use_data_farm();
    let hidden = page_hidden();
    let conditions = conditions(&farm, &hidden);
    let current = RwSignal::new(None::<Poller>);
    crate::effect::effect(move || {
        let key = key.get();
        if let Some(old) = current.get_untracked() {
            old.stop();
        }
        current.set(Some(make(key, conditions.clone())));
    });
    let (guards, live) = (farm.interaction_guards(), farm.live_topics());
    crate::effect::effect(move || {
        changed();
        hidden.track();
        guards.track();
        live.track();
        if let Some(poller) = current.get_untracked() {
            poller.wake();
        }
    });
    on_cleanup(move || {
        if let Some(poller) = current.get_untracked() {
            poller.stop();
        }
    });
    current
}

/// An operation watched until it finishes: observed like any entity (realtime events apply to
/// it) and polled on the [ladder](super::policy) only while that is useful.
pub struct UsePolledRun {
    /// The store.
    pub store: EntityStore<Operation>,
    /// The operation (`None` while loading or when not visible).
    pub run: Signal<Option<Operation>>,
    /// The detail query's state.
    pub view: Signal<DetailView>,
    /// The 401 / 404 that stopped polling, if any: show it once.
    pub denied: Signal<Option<ApiError>>,
}

/// Watches operation `id` (see [`UsePolledRun`]).
pub fn use_polled_run(id: impl Into<Signal<String>>) -> UsePolledRun {
    let id: Signal<String> = id.into();
    let farm = use_data_farm();
    let entity = use_entity::<Operation>(id);
    let store = entity.store;
    let env = Arc::clone(farm.environment());
    let run = entity.entity;
    let current = keep_polling(
        id,
        move || run.track(),
        move |id, conditions| poll_run(store, id, Arc::clone(&env), conditions),
    );
    UsePolledRun {
        store,
        run,
        view: entity.view,
        denied: Signal::derive(move || current.get().and_then(|p| p.denied().get())),
    }
}

/// A team's latest report, watched while it is produced.
pub struct UseLatestReport {
    /// The store.
    pub store: EntityStore<Report>,
    /// The latest report (`None` while loading or when the team has none).
    pub report: Signal<Option<Report>>,
    /// The list query's state.
    pub view: Signal<ListView>,
    /// The 401 / 404 that stopped polling, if any.
    pub denied: Signal<Option<ApiError>>,
}

/// Watches `team`'s latest report (see [`UseLatestReport`]): polled every 10 s while queued or
/// generating, not at all otherwise (and not when the team has no report).
pub fn use_latest_report(team: impl Into<Signal<String>>) -> UseLatestReport {
    let team: Signal<String> = team.into();
    let farm = use_data_farm();
    let list = use_list::<Report>(Signal::derive(move || latest_report_query(&team.get())));
    let store = list.store;
    let view = list.view;
    let report = Signal::derive(move || {
        let first = view.with(|v| v.ids.first().cloned())?;
        store.get(&first).get()
    });
    let env = Arc::clone(farm.environment());
    let current = keep_polling(
        team,
        move || report.track(),
        move |team, conditions| poll_latest_report(store, team, Arc::clone(&env), conditions),
    );
    UseLatestReport {
        store,
        report,
        view,
        denied: Signal::derive(move || current.get().and_then(|p| p.denied().get())),
    }
}
