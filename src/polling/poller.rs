//! The polling loop: asks the [policy](super::policy) what to do, waits on the environment's
//! clock, fetches through the store (so responses go through the same version-guarded merge as
//! everything else), and steps aside until woken when the policy says no.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use data_farm_protocol::{Operation, Report};
use futures_channel::mpsc;
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use leptos::prelude::*;

use super::policy::{report_interval, run_interval, PollContext};
use crate::api::ApiError;
use crate::cache::Environment;
use crate::entity::Entity;
use crate::query::{ListQuery, Order};
use crate::store::EntityStore;

type Flag = Arc<dyn Fn() -> bool + Send + Sync>;

/// What the environment says besides the time: read each time the loop decides. In the browser
/// [`use_polled_run`](super::use_polled_run) wires them to the page; tests set them directly.
#[derive(Clone)]
pub struct Conditions {
    /// The page is hidden.
    pub hidden: Flag,
    /// An interaction guard is held.
    pub guarded: Flag,
    /// Realtime is live and subscribed to this team.
    pub realtime_covers: Arc<dyn Fn(&str) -> bool + Send + Sync>,
}

impl Default for Conditions {
    fn default() -> Self {
        Conditions {
            hidden: Arc::new(|| false),
            guarded: Arc::new(|| false),
            realtime_covers: Arc::new(|_| false),
        }
    }
}

struct Shared {
    stopped: AtomicBool,
    requests: AtomicU64,
    wake: Mutex<Option<mpsc::UnboundedSender<()>>>,
    denied: ArcRwSignal<Option<ApiError>>,
}

/// A running polling loop. Cheap to clone; [`Poller::stop`] ends it for every clone.
#[derive(Clone)]
pub struct Poller {
    shared: Arc<Shared>,
}

impl Poller {
    /// Re-reads the conditions now (call it when one of them changed: visibility, a guard, the
    /// realtime connection, the record itself).
    pub fn wake(&self) {
        if let Some(tx) = self
            .shared
            .wake
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let _ = tx.unbounded_send(());
        }
    }

    /// Ends the loop (when its view goes away).
    pub fn stop(&self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.shared
            .wake
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    /// The 401 / 404 that ended the loop, if one did: show it once.
    pub fn denied(&self) -> ArcReadSignal<Option<ApiError>> {
        self.shared.denied.read_only()
    }

    /// Requests made so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

/// What the loop does next.
enum Step {
    Fetch(Duration),
    Wait,
    Done,
}

fn ends_polling(err: &ApiError) -> bool {
    matches!(
        err,
        ApiError::Unauthorized { .. } | ApiError::Forbidden { .. } | ApiError::NotFound { .. }
    )
}

fn start(
    env: Arc<dyn Environment>,
    conditions: Conditions,
    team: impl Fn() -> Option<String> + 'static,
    decide: impl Fn(&PollContext) -> Step + 'static,
    fetch: impl Fn() -> LocalBoxFuture<'static, Result<(), ApiError>> + 'static,
) -> Poller {
    let (tx, mut rx) = mpsc::unbounded();
    let shared = Arc::new(Shared {
        stopped: AtomicBool::new(false),
        requests: AtomicU64::new(0),
        wake: Mutex::new(Some(tx)),
        denied: ArcRwSignal::new(None),
    });
    let poller = Poller {
        shared: Arc::clone(&shared),
    };
    let clock = Arc::clone(&env);
    let context = move || PollContext {
        now_ms: clock.now(),
        hidden: (conditions.hidden)(),
        guarded: (conditions.guarded)(),
        realtime_covers: team().is_some_and(|t| (conditions.realtime_covers)(&t)),
        denied: shared.denied.with_untracked(Option::is_some),
    };
    let sleeper = Arc::clone(&env);
    let looped = poller.clone();
    env.spawn(Box::pin(async move {
        let shared = &looped.shared;
        loop {
            if shared.stopped.load(Ordering::SeqCst) {
                return;
            }
            match decide(&context()) {
                Step::Done => return,
                Step::Wait => {
                    if rx.next().await.is_none() {
                        return; // stopped
                    }
                }
                Step::Fetch(after) => {
                    sleeper.sleep(after.as_millis() as f64).await;
                    // The world may have moved on meanwhile (hidden, finished by an event).
                    if shared.stopped.load(Ordering::SeqCst)
                        || !matches!(decide(&context()), Step::Fetch(_))
                    {
                        continue;
                    }
                    shared.requests.fetch_add(1, Ordering::SeqCst);
                    if let Err(err) = fetch().await {
                        if ends_polling(&err) {
                            shared.denied.set(Some(err));
                            return;
                        }
                        // Anything else is transient: the next step of the ladder retries.
                    }
                }
            }
        }
    }));
    poller
}

/// Polls operation `id` while it is queued or running and nothing rules it out (see the
/// [policy](super::policy)); ends when it is terminal, or on 401 / 404.
pub fn poll_run(
    store: EntityStore<Operation>,
    id: impl Into<String>,
    env: Arc<dyn Environment>,
    conditions: Conditions,
) -> Poller {
    let id: String = id.into();
    let team_id = id.clone();
    let team = move || {
        store
            .peek(&team_id)
            .and_then(|r| r.team_id().map(str::to_owned))
    };
    let decide_id = id.clone();
    let decide = move |ctx: &PollContext| {
        let run = store.peek(&decide_id);
        match (run_interval(run.as_ref(), ctx), run) {
            (Some(after), _) => Step::Fetch(after),
            (None, Some(run)) if !run.status.is_active() => Step::Done,
            (None, _) if ctx.denied => Step::Done,
            (None, _) => Step::Wait,
        }
    };
    let fetch = move || {
        let id = id.clone();
        Box::pin(async move {
            match store.fetch_one(&id).await? {
                Some(_) => Ok(()),
                None => Err(ApiError::NotFound {
                    message: "operation not found".into(),
                }),
            }
        }) as LocalBoxFuture<'static, Result<(), ApiError>>
    };
    start(env, conditions, team, decide, fetch)
}

/// The list query whose first item is `team`'s latest report.
pub fn latest_report_query(team: &str) -> ListQuery {
    ListQuery::new()
        .team(team)
        .sort("created_at", Order::Desc)
        .per_page(1)
}

/// Polls `team`'s latest report while it is queued or generating; waits (without requests)
/// while there is none or it is finished, until woken (e.g. by a new report).
pub fn poll_latest_report(
    store: EntityStore<Report>,
    team: impl Into<String>,
    env: Arc<dyn Environment>,
    conditions: Conditions,
) -> Poller {
    let team: String = team.into();
    let query = latest_report_query(&team);
    let decide_query = query.clone();
    let decide = move |ctx: &PollContext| {
        let latest = store.peek_list(&decide_query).into_iter().next();
        match report_interval(latest.as_ref(), ctx) {
            Some(after) => Step::Fetch(after),
            None if ctx.denied => Step::Done,
            None => Step::Wait,
        }
    };
    let fetch = move || {
        let query = query.clone();
        Box::pin(async move { store.fetch_list(&query).await })
            as LocalBoxFuture<'static, Result<(), ApiError>>
    };
    start(env, conditions, move || Some(team.clone()), decide, fetch)
}
