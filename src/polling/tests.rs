//! The poller against a scripted server and a fake clock: it follows the ladder, makes no
//! request once the run is terminal, steps aside while hidden, guarded or covered by realtime,
//! and stops for good on 404.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use data_farm_protocol::{
    ListResponse, Operation, OperationStatus, Outcome, Report, ReportStatus, SummaryCounts, Target,
};
use futures_util::future::LocalBoxFuture;
use leptos::prelude::GetUntracked;

use super::*;
use crate::api::{ApiError, EntityApi};
use crate::cache::{CachePolicy, Environment, ManualEnvironment};
use crate::change::ChangeBus;
use crate::entity::{Entity, ReadOnly};
use crate::query::ListQuery;
use crate::store::EntityStore;

const T0: &str = "2026-11-23T10:00:00.000000Z";

fn run(version: u64, status: OperationStatus) -> Operation {
    Operation {
        id: "op_1".into(),
        version,
        updated_at: T0.into(),
        team_id: "team_1".into(),
        op_type: "instance.deploy".into(),
        target: Target {
            target_type: "instance".into(),
            id: "inst_1".into(),
        },
        status,
        outcome: (status == OperationStatus::Completed).then_some(Outcome::Succeeded),
        summary_counts: SummaryCounts {
            total: 3,
            done: version.saturating_sub(2),
            failed: 0,
        },
        failure_summary: None,
        initiated_by: "user_1".into(),
        created_at: T0.into(),
        started_at: Some(T0.into()),
        completed_at: None,
    }
}

fn report(version: u64, status: ReportStatus) -> Report {
    Report {
        id: "rep_1".into(),
        version,
        updated_at: T0.into(),
        team_id: "team_1".into(),
        status,
        summary: None,
        generated_at: None,
        expires_at: None,
        file_size: None,
        operation_id: None,
        initiated_by: "user_1".into(),
    }
}

/// Answers each request with the next scripted answer (the last one repeats), and counts.
struct Script<E> {
    answers: Mutex<VecDeque<Result<E, ApiError>>>,
    requests: AtomicUsize,
}

impl<E: Clone> Script<E> {
    fn new(answers: Vec<Result<E, ApiError>>) -> Arc<Self> {
        Arc::new(Script {
            answers: Mutex::new(answers.into()),
            requests: AtomicUsize::new(0),
        })
    }
    fn next(&self) -> Result<E, ApiError> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let mut answers = self.answers.lock().unwrap();
        if answers.len() > 1 {
            answers.pop_front().unwrap()
        } else {
            answers.front().cloned().unwrap()
        }
    }
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        message: "not found".into(),
    }
}

impl EntityApi<Operation> for Script<Operation> {
    fn get_one(&self, _id: &str) -> LocalBoxFuture<'static, Result<Operation, ApiError>> {
        let answer = self.next();
        Box::pin(async move { answer })
    }
    fn get_many(
        &self,
        _query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Operation>, ApiError>> {
        Box::pin(async { Err(not_found()) })
    }
    fn create(
        &self,
        body: &ReadOnly,
        _key: &str,
    ) -> LocalBoxFuture<'static, Result<Operation, ApiError>> {
        match *body {}
    }
    fn update(
        &self,
        _id: &str,
        patch: &ReadOnly,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Operation, ApiError>> {
        match *patch {}
    }
    fn delete(&self, _id: &str, _m: Option<u64>) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        Box::pin(async { Err(not_found()) })
    }
}

impl EntityApi<Report> for Script<ListResponse<Report>> {
    fn get_one(&self, _id: &str) -> LocalBoxFuture<'static, Result<Report, ApiError>> {
        Box::pin(async { Err(not_found()) })
    }
    fn get_many(
        &self,
        _query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Report>, ApiError>> {
        let answer = self.next();
        Box::pin(async move { answer })
    }
    fn create(
        &self,
        body: &ReadOnly,
        _key: &str,
    ) -> LocalBoxFuture<'static, Result<Report, ApiError>> {
        match *body {}
    }
    fn update(
        &self,
        _id: &str,
        patch: &ReadOnly,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Report, ApiError>> {
        match *patch {}
    }
    fn delete(&self, _id: &str, _m: Option<u64>) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        Box::pin(async { Err(not_found()) })
    }
}

/// Switchable conditions.
#[derive(Clone, Default)]
struct Flags {
    hidden: Arc<AtomicBool>,
    guarded: Arc<AtomicBool>,
    covered: Arc<AtomicBool>,
}

impl Flags {
    fn conditions(&self) -> Conditions {
        let (h, g, c) = (
            self.hidden.clone(),
            self.guarded.clone(),
            self.covered.clone(),
        );
        Conditions {
            hidden: Arc::new(move || h.load(Ordering::SeqCst)),
            guarded: Arc::new(move || g.load(Ordering::SeqCst)),
            realtime_covers: Arc::new(move |team| team == "team_1" && c.load(Ordering::SeqCst)),
        }
    }
}

struct RunSetup {
    api: Arc<Script<Operation>>,
    env: ManualEnvironment,
    store: EntityStore<Operation>,
    flags: Flags,
}

/// A store that already holds the run as `queued` (as the page had it from the POST), the
/// clock at its creation, and a server that answers `answers` in turn.
fn run_setup(answers: Vec<Result<Operation, ApiError>>) -> RunSetup {
    let api = Script::new(answers);
    let env = ManualEnvironment::new();
    env.advance(epoch_ms(T0).unwrap());
    let store = EntityStore::new(
        api.clone(),
        Arc::new(env.clone()) as Arc<dyn Environment>,
        CachePolicy::default(),
        ChangeBus::default(),
    );
    store.put_list(
        &ListQuery::new(),
        ListResponse::new(vec![run(1, OperationStatus::Queued)], 1),
    );
    RunSetup {
        api,
        env,
        store,
        flags: Flags::default(),
    }
}

fn walk() -> Vec<Result<Operation, ApiError>> {
    vec![
        Ok(run(2, OperationStatus::Running)),
        Ok(run(3, OperationStatus::Running)),
        Ok(run(4, OperationStatus::Running)),
        Ok(run(5, OperationStatus::Completed)),
    ]
}

#[test]
fn follows_a_run_to_its_end_then_makes_no_request() {
    let s = run_setup(walk());
    let poller = poll_run(
        s.store,
        "op_1",
        Arc::new(s.env.clone()),
        s.flags.conditions(),
    );
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 4, "one request per step until completed");
    assert_eq!(poller.requests(), 4);
    assert_eq!(
        s.store.peek("op_1").map(|r| r.status),
        Some(OperationStatus::Completed)
    );
    // Young run: one second apart.
    assert_eq!(s.env.now() - epoch_ms(T0).unwrap(), 4_000.0);
    // Terminal: whatever happens next, nothing is requested.
    poller.wake();
    s.flags.hidden.store(false, Ordering::SeqCst);
    s.env.advance(60_000.0);
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 4);
}

#[test]
fn an_old_run_is_polled_on_the_slow_rung() {
    let s = run_setup(walk());
    s.env.advance(10.0 * 60_000.0);
    poll_run(
        s.store,
        "op_1",
        Arc::new(s.env.clone()),
        s.flags.conditions(),
    );
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 4);
    assert_eq!(
        s.env.now() - epoch_ms(T0).unwrap(),
        10.0 * 60_000.0 + 4.0 * 10_000.0
    );
}

#[test]
fn hidden_guarded_or_covered_pauses_without_requests_and_resumes_when_woken() {
    for flag in ["hidden", "guarded", "covered"] {
        let s = run_setup(walk());
        let switch = match flag {
            "hidden" => s.flags.hidden.clone(),
            "guarded" => s.flags.guarded.clone(),
            _ => s.flags.covered.clone(),
        };
        switch.store(true, Ordering::SeqCst);
        let poller = poll_run(
            s.store,
            "op_1",
            Arc::new(s.env.clone()),
            s.flags.conditions(),
        );
        s.env.run_until_idle();
        s.env.advance(120_000.0);
        s.env.run_until_idle();
        assert_eq!(s.api.requests(), 0, "{flag}: no request while it holds");
        switch.store(false, Ordering::SeqCst);
        poller.wake();
        s.env.run_until_idle();
        assert_eq!(s.api.requests(), 4, "{flag}: resumed to the end");
    }
}

#[test]
fn a_run_finished_by_an_event_is_not_fetched_again() {
    let s = run_setup(walk());
    s.flags.covered.store(true, Ordering::SeqCst);
    let poller = poll_run(
        s.store,
        "op_1",
        Arc::new(s.env.clone()),
        s.flags.conditions(),
    );
    s.env.run_until_idle();
    // Realtime delivers the end, then drops.
    let done = serde_json::value::to_raw_value(&run(5, OperationStatus::Completed)).unwrap();
    s.store
        .apply_event(crate::change::ChangeOp::Updated, "op_1", 5, Some(&done));
    s.flags.covered.store(false, Ordering::SeqCst);
    poller.wake();
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 0);
}

#[test]
fn a_404_stops_polling_and_is_reported_once() {
    let s = run_setup(vec![Err(not_found())]);
    let poller = poll_run(
        s.store,
        "op_1",
        Arc::new(s.env.clone()),
        s.flags.conditions(),
    );
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 1);
    assert!(matches!(
        poller.denied().get_untracked(),
        Some(ApiError::NotFound { .. })
    ));
    poller.wake();
    s.env.advance(60_000.0);
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 1, "never retried in a loop");
}

#[test]
fn a_stopped_poller_makes_no_request() {
    let s = run_setup(walk());
    let poller = poll_run(
        s.store,
        "op_1",
        Arc::new(s.env.clone()),
        s.flags.conditions(),
    );
    poller.stop();
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 0);
}

#[test]
fn the_latest_report_is_polled_only_while_produced() {
    let page = |r: Option<Report>| {
        let total = r.is_some() as u64;
        Ok(ListResponse::new(r.into_iter().collect(), total))
    };
    let api = Script::new(vec![
        page(Some(report(2, ReportStatus::Generating))),
        page(Some(report(3, ReportStatus::Ready))),
    ]);
    let env = ManualEnvironment::new();
    let store: EntityStore<Report> = EntityStore::new(
        api.clone(),
        Arc::new(env.clone()) as Arc<dyn Environment>,
        CachePolicy::default(),
        ChangeBus::default(),
    );
    let query = latest_report_query("team_1");
    store.put_list(&query, ListResponse::new(vec![], 0));
    let poller = poll_latest_report(
        store,
        "team_1",
        Arc::new(env.clone()),
        Conditions::default(),
    );
    env.run_until_idle();
    assert_eq!(api.requests(), 0, "no report: no polling");

    // The user asks for one: it arrives queued (from the POST's answer or an event).
    let queued = serde_json::value::to_raw_value(&report(1, ReportStatus::Queued)).unwrap();
    store.apply_event(crate::change::ChangeOp::Created, "rep_1", 1, Some(&queued));
    assert_eq!(store.peek_list(&query).len(), 1);
    poller.wake();
    env.run_until_idle();
    assert_eq!(api.requests(), 2, "generating, then ready");
    assert_eq!(
        store.peek_list(&query).first().map(|r| r.status),
        Some(ReportStatus::Ready)
    );
    env.advance(600_000.0);
    poller.wake();
    env.run_until_idle();
    assert_eq!(api.requests(), 2, "ready: nothing more");
    let _ = Report::KIND;
}
