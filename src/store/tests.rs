//! Store behaviour with a fake API and a manual clock: merge rule, tombstones, list membership,
//! de-duplication, optimistic rollback, staleness, invalidation and GC.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use data_farm_protocol::{
    ChangeOp, CreateDevice, Device, DeviceStatus, ListResponse, Owner, OwnerType, PatchDevice,
};
use futures_channel::oneshot;
use futures_util::future::LocalBoxFuture;
use leptos::prelude::*;
use serde_json::value::RawValue;

use super::*;
use crate::api::{EntityApi, Method};
use crate::cache::{Environment, ManualEnvironment};
use crate::change::{Change, InvalidationRule, Origin, Scope};

pub(super) fn device(id: &str, name: &str, version: u64) -> Device {
    Device {
        id: id.into(),
        version,
        updated_at: String::new(),
        name: name.into(),
        team_id: "t1".into(),
        owner: Owner {
            owner_type: OwnerType::Team,
            id: "t1".into(),
        },
        status: DeviceStatus::Online,
    }
}

/// A server in memory: answers like the protocol, counts requests, and can hold answers back.
#[derive(Default)]
struct FakeApi {
    data: Mutex<Vec<Device>>,
    requests: AtomicUsize,
    held: Mutex<VecDeque<oneshot::Sender<()>>>,
    hold: Mutex<bool>,
    fail_next: Mutex<Option<ApiError>>,
    next_id: AtomicUsize,
}

impl FakeApi {
    fn with(devices: Vec<Device>) -> Arc<Self> {
        Arc::new(FakeApi {
            data: Mutex::new(devices),
            next_id: AtomicUsize::new(100),
            ..Default::default()
        })
    }
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
    /// Answers wait until `release`.
    fn hold(&self) {
        *self.hold.lock().unwrap() = true;
    }
    fn release(&self) {
        *self.hold.lock().unwrap() = false;
        for gate in self.held.lock().unwrap().drain(..) {
            let _ = gate.send(());
        }
    }
    fn gate(&self) -> Option<oneshot::Receiver<()>> {
        if !*self.hold.lock().unwrap() {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        self.held.lock().unwrap().push_back(tx);
        Some(rx)
    }
    fn server_update(&self, id: &str, f: impl FnOnce(&mut Device)) -> Device {
        let mut data = self.data.lock().unwrap();
        let d = data.iter_mut().find(|d| d.id == id).unwrap();
        f(d);
        d.version += 1;
        d.clone()
    }
}

fn answer<T: 'static>(gate: Option<oneshot::Receiver<()>>, value: T) -> LocalBoxFuture<'static, T> {
    Box::pin(async move {
        if let Some(gate) = gate {
            let _ = gate.await;
        }
        value
    })
}

impl EntityApi<Device> for FakeApi {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let found = self
            .data
            .lock()
            .unwrap()
            .iter()
            .find(|d| d.id == id)
            .cloned();
        let result = found.ok_or(ApiError::NotFound {
            message: "device not found".into(),
        });
        answer(self.gate(), result)
    }
    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Device>, ApiError>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if let Some(err) = self.fail_next.lock().unwrap().take() {
            return answer(self.gate(), Err(err));
        }
        let mut matching: Vec<Device> = self
            .data
            .lock()
            .unwrap()
            .iter()
            .filter(|d| query.matches(*d))
            .cloned()
            .collect();
        matching.sort_by(|a, b| query.compare(a, b));
        let total = matching.len() as u64;
        let start = ((query.page - 1) * query.per_page) as usize;
        let items = matching
            .into_iter()
            .skip(start)
            .take(query.per_page as usize)
            .collect();
        answer(self.gate(), Ok(ListResponse::new(items, total)))
    }
    fn create(
        &self,
        body: &CreateDevice,
        _key: &str,
    ) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if let Some(err) = self.fail_next.lock().unwrap().take() {
            return answer(self.gate(), Err(err));
        }
        let id = format!("d{}", self.next_id.fetch_add(1, Ordering::SeqCst));
        let mut created = device(&id, &body.name, 1);
        created.owner = body.owner.clone();
        self.data.lock().unwrap().push(created.clone());
        answer(self.gate(), Ok(created))
    }
    /// A custom route that makes a device named by the body (e.g. "clone this one").
    fn call(
        &self,
        method: Method,
        path: &str,
        body: serde_json::Value,
    ) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        assert_eq!((method, path), (Method::Post, "/devices/d1/actions/clone"));
        let id = format!("d{}", self.next_id.fetch_add(1, Ordering::SeqCst));
        let made = device(&id, body["name"].as_str().unwrap_or("?"), 1);
        self.data.lock().unwrap().push(made.clone());
        answer(self.gate(), Ok(made))
    }
    fn update(
        &self,
        id: &str,
        patch: &PatchDevice,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if let Some(err) = self.fail_next.lock().unwrap().take() {
            return answer(self.gate(), Err(err));
        }
        let current = self
            .data
            .lock()
            .unwrap()
            .iter()
            .find(|d| d.id == id)
            .cloned();
        let result = match current {
            None => Err(ApiError::NotFound {
                message: "device not found".into(),
            }),
            Some(d) if if_match.is_some_and(|v| v != d.version) => Err(ApiError::Conflict {
                message: "changed".into(),
                current: Some(data_farm_protocol::JsonText::encode(&d).unwrap()),
            }),
            Some(_) => Ok(self.server_update(id, |d| *d = d.patched(patch))),
        };
        answer(self.gate(), result)
    }
    /// One request for all, like `GET /devices?ids=…`.
    fn get_by_ids(&self, ids: &[String]) -> LocalBoxFuture<'static, Result<Vec<Device>, ApiError>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if let Some(err) = self.fail_next.lock().unwrap().take() {
            return answer(self.gate(), Err(err));
        }
        let found = self
            .data
            .lock()
            .unwrap()
            .iter()
            .filter(|d| ids.contains(&d.id))
            .cloned()
            .collect();
        answer(self.gate(), Ok(found))
    }
    fn delete(
        &self,
        id: &str,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if let Some(err) = self.fail_next.lock().unwrap().take() {
            return answer(self.gate(), Err(err));
        }
        self.data.lock().unwrap().retain(|d| d.id != id);
        answer(self.gate(), Ok(()))
    }
}

struct Setup {
    api: Arc<FakeApi>,
    env: ManualEnvironment,
    store: EntityStore<Device>,
    bus: ChangeBus,
}

/// A bare core of devices over an empty in-memory server.
pub(super) fn core() -> super::StoreCore {
    super::StoreCore::new(
        super::ops::Ops::Dyn(Box::new(super::kind::Typed::<Device> {
            api: FakeApi::with(Vec::new()),
        })),
        Arc::new(ManualEnvironment::new()),
        CachePolicy::default(),
        ChangeBus::default(),
    )
}

fn setup(devices: Vec<Device>) -> Setup {
    let api = FakeApi::with(devices);
    let env = ManualEnvironment::new();
    let bus = ChangeBus::default();
    let store = EntityStore::new(
        api.clone(),
        Arc::new(env.clone()),
        CachePolicy::default(),
        bus.clone(),
    );
    Setup {
        api,
        env,
        store,
        bus,
    }
}

fn names(store: &EntityStore<Device>, query: &ListQuery) -> Vec<String> {
    store.peek_list(query).into_iter().map(|d| d.name).collect()
}

fn raw(value: &impl serde::Serialize) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap()
}

mod lookup;

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    futures_executor::block_on(f)
}

#[test]
fn observing_a_list_fetches_it_once_and_shows_it_in_order() {
    let s = setup(vec![device("d2", "bravo", 1), device("d1", "Alpha", 1)]);
    let query = ListQuery::new().team("t1");
    let observer = s.store.observe_list(query.clone());
    assert_eq!(observer.view().get_untracked().state, LoadState::Idle);
    s.env.run_until_idle();
    let view = observer.view().get_untracked();
    assert_eq!(
        (view.ids.clone(), view.total, view.state),
        (
            vec!["d1".to_string(), "d2".to_string()],
            2,
            LoadState::Ready
        )
    );
    assert_eq!(s.api.requests(), 1);
    assert_eq!(s.store.get("d1").get_untracked().unwrap().name, "Alpha");
}

#[test]
fn two_observers_of_one_query_make_one_request() {
    let s = setup(vec![device("d1", "a", 1)]);
    s.api.hold();
    let query = ListQuery::new();
    let first = s.store.observe_list(query.clone());
    let second = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    assert_eq!(first.view().get_untracked().state, LoadState::Loading);
    s.api.release();
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 1);
    assert_eq!(second.view().get_untracked().ids, ["d1"]);
    // A third observer within the stale time needs no request at all.
    let _third = s.store.observe_list(query);
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 1);
}

#[test]
fn stale_fetch_never_overwrites_newer_event() {
    let s = setup(vec![device("d1", "old name", 1)]);
    let query = ListQuery::new();
    s.api.hold();
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle(); // the fetch is in flight, holding version 1
    let newer = device("d1", "zulu", 2);
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Updated, "d1", 2, Some(&raw(&newer))),
        Applied::Applied
    );
    s.api.release();
    s.env.run_until_idle();
    let row = s.store.peek("d1").unwrap();
    assert_eq!((row.name.as_str(), row.version), ("zulu", 2));
    assert_eq!(names(&s.store, &query), ["zulu"]);
}

#[test]
fn a_delete_during_a_fetch_is_not_undone_by_the_fetch() {
    let s = setup(vec![device("d1", "a", 1), device("d2", "b", 1)]);
    let query = ListQuery::new();
    s.api.hold();
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    s.store.apply_event(ChangeOp::Deleted, "d1", 2, None);
    s.api.release();
    s.env.run_until_idle();
    assert_eq!(names(&s.store, &query), ["b"]);
    assert_eq!(s.store.list_view(&query).get_untracked().total, 1);
}

#[test]
fn duplicate_and_out_of_order_events_are_harmless() {
    let s = setup(vec![]);
    let query = ListQuery::new();
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    let v1 = device("d9", "nine", 1);
    let v3 = device("d9", "nine-3", 3);
    let v2 = device("d9", "nine-2", 2);
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Created, "d9", 1, Some(&raw(&v1))),
        Applied::Applied
    );
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Updated, "d9", 3, Some(&raw(&v3))),
        Applied::Applied
    );
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Updated, "d9", 2, Some(&raw(&v2))),
        Applied::Stale
    );
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Created, "d9", 1, Some(&raw(&v1))),
        Applied::Stale
    );
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Updated, "d9", 3, Some(&raw(&v3))),
        Applied::Applied
    );
    assert_eq!(names(&s.store, &query), ["nine-3"]);
    assert_eq!(
        s.store.list_view(&query).get_untracked().total,
        1,
        "counted once"
    );
}

#[test]
fn deletes_leave_tombstones_so_late_updates_cannot_resurrect() {
    let s = setup(vec![device("d1", "a", 1)]);
    let query = ListQuery::new();
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    assert_eq!(
        s.store.apply_event(ChangeOp::Deleted, "d1", 3, None),
        Applied::Applied
    );
    let late = device("d1", "a-late", 2);
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Updated, "d1", 2, Some(&raw(&late))),
        Applied::Stale
    );
    assert!(s.store.peek("d1").is_none());
    assert!(names(&s.store, &query).is_empty());
    assert_eq!(
        s.store.apply_event(ChangeOp::Deleted, "d1", 3, None),
        Applied::Stale,
        "duplicate delete"
    );
}

/// Found by the convergence property test (shrunk to a rename and a status change delivered
/// in the wrong order): the status fields of version 3 were patched over version 1, making
/// a record the server never had, and the rename (version 2) was then dropped as stale.
#[test]
fn a_status_event_over_a_copy_missing_a_change_fetches_the_entity() {
    let s = setup(vec![device("d1", "a", 1)]);
    let _observer = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    s.api.server_update("d1", |d| d.name = "renamed".into());
    s.api
        .server_update("d1", |d| d.status = DeviceStatus::Offline);
    let fields = raw(&serde_json::json!({"status": "offline"}));
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Status, "d1", 3, Some(&fields)),
        Applied::Refetching
    );
    s.env.run_until_idle();
    let held = s.store.peek("d1").unwrap();
    assert_eq!(
        (held.name.as_str(), held.status, held.version),
        ("renamed", DeviceStatus::Offline, 3),
        "the server's version 3, fetched"
    );
}

#[test]
fn status_events_change_only_status_and_refetch_unknown_entities() {
    let s = setup(vec![device("d1", "a", 1), device("d2", "b", 1)]);
    let online = ListQuery::new().filter("status", "online");
    let _observer = s.store.observe_list(online.clone());
    s.env.run_until_idle();
    let fields = raw(&serde_json::json!({"status": "error"}));
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Status, "d1", 2, Some(&fields)),
        Applied::Applied
    );
    assert_eq!(s.store.peek("d1").unwrap().status, DeviceStatus::Error);
    assert_eq!(names(&s.store, &online), ["b"], "it left the online list");
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Status, "d77", 2, Some(&fields)),
        Applied::Refetching
    );
    let malformed = raw(&serde_json::json!({"status": 7}));
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Status, "d2", 2, Some(&malformed)),
        Applied::Refetching
    );
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Updated, "d2", 2, Some(&raw(&"nope"))),
        Applied::Malformed
    );
}

#[test]
fn a_status_event_for_an_entity_never_fetched_refetches_only_lists_that_read_status() {
    let s = setup(vec![device("d1", "a", 1), device("d2", "b", 1)]);
    let by_name = ListQuery::new().team("t1");
    let online = ListQuery::new().team("t1").filter("status", "online");
    let _names = s.store.observe_list(by_name.clone());
    s.env.run_until_idle();
    let after_first_load = s.api.requests();
    let fields = raw(&serde_json::json!({"status": "error"}));
    for version in 2..12 {
        assert_eq!(
            s.store
                .apply_event(ChangeOp::Status, "d77", version, Some(&fields)),
            Applied::Unseen,
            "a list sorted by name with no status filter cannot show the change"
        );
    }
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), after_first_load, "no refetch");
    assert_eq!(
        s.store.list_view(&by_name).get_untracked().state,
        LoadState::Ready
    );

    let _online = s.store.observe_list(online.clone());
    s.env.run_until_idle();
    let before = s.api.requests();
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Status, "d78", 2, Some(&fields)),
        Applied::Refetching,
        "a list filtered by status may gain or lose it"
    );
    s.env.run_until_idle();
    assert_eq!(
        s.api.requests(),
        before + 1,
        "only the status-filtered list is refetched"
    );
}

#[test]
fn a_create_shows_in_every_matching_list_without_a_refetch() {
    let s = setup(vec![device("d1", "alpha", 1), device("d2", "charlie", 1)]);
    let all = ListQuery::new().team("t1");
    let online = ListQuery::new().filter("status", "online");
    let _a = s.store.observe_list(all.clone());
    let _b = s.store.observe_list(online.clone());
    s.env.run_until_idle();
    let before = s.api.requests();
    let body = CreateDevice {
        name: "bravo".into(),
        owner: Owner {
            owner_type: OwnerType::Team,
            id: "t1".into(),
        },
        team_id: None,
        status: None,
    };
    let created = block_on(s.store.create(body)).unwrap();
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), before + 1, "only the POST");
    assert_eq!(names(&s.store, &all), ["alpha", "bravo", "charlie"]);
    assert_eq!(s.store.list_view(&all).get_untracked().total, 3);
    assert_eq!(names(&s.store, &online), ["alpha", "bravo", "charlie"]);
    // The realtime echo of our own create changes nothing.
    assert_eq!(
        s.store
            .apply_event(ChangeOp::Created, &created.id, 1, Some(&raw(&created))),
        Applied::Applied
    );
    assert_eq!(s.store.list_view(&all).get_untracked().total, 3);
}

#[test]
fn a_failed_update_rolls_back_exactly_keeping_what_arrived_meanwhile() {
    let s = setup(vec![device("d1", "alpha", 1)]);
    let query = ListQuery::new();
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    s.api.hold();
    *s.api.fail_next.lock().unwrap() = Some(ApiError::Server {
        status: 500,
        message: "boom".into(),
    });
    let store = s.store;
    let patch = PatchDevice {
        name: Some("optimistic".into()),
        ..Default::default()
    };
    let update = store.update("d1", patch, None);
    let mut update = Box::pin(update);
    // Poll once: the optimistic overlay applies before the request completes.
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(update.as_mut().poll(&mut cx).is_pending());
    assert_eq!(s.store.peek("d1").unwrap().name, "optimistic");
    // Meanwhile someone else changes the status.
    let theirs = Device {
        status: DeviceStatus::Updating,
        ..device("d1", "alpha", 2)
    };
    s.store
        .apply_event(ChangeOp::Updated, "d1", 2, Some(&raw(&theirs)));
    assert_eq!(
        s.store.peek("d1").unwrap().name,
        "optimistic",
        "still layered"
    );
    s.api.release();
    let result = block_on(update);
    assert!(matches!(result, Err(ApiError::Server { .. })));
    assert_eq!(
        s.store.peek("d1").unwrap(),
        theirs,
        "exactly the confirmed state"
    );
}

#[test]
fn a_conflict_carries_and_installs_the_current_entity() {
    let s = setup(vec![device("d1", "alpha", 1)]);
    let _observer = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    s.api.server_update("d1", |d| d.name = "theirs".into());
    let patch = PatchDevice {
        name: Some("mine".into()),
        ..Default::default()
    };
    let err = block_on(s.store.update("d1", patch, Some(1))).unwrap_err();
    let current: Device = conflict_current(&err).unwrap();
    assert_eq!((current.name.as_str(), current.version), ("theirs", 2));
    assert_eq!(s.store.peek("d1").unwrap().name, "theirs");
}

#[test]
fn an_optimistic_delete_comes_back_when_refused() {
    let s = setup(vec![device("d1", "alpha", 1), device("d2", "bravo", 1)]);
    let query = ListQuery::new();
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    *s.api.fail_next.lock().unwrap() = Some(ApiError::Forbidden {
        message: "no".into(),
    });
    assert!(block_on(s.store.delete("d1", None)).is_err());
    assert_eq!(names(&s.store, &query), ["alpha", "bravo"]);
    assert_eq!(s.store.list_view(&query).get_untracked().total, 2);
    assert!(block_on(s.store.delete("d1", None)).is_ok());
    assert_eq!(names(&s.store, &query), ["bravo"]);
}

#[test]
fn observed_lists_go_stale_after_the_stale_time_and_refetch_on_focus() {
    let s = setup(vec![device("d1", "a", 1)]);
    let _observer = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    s.store.revalidate_observed();
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 1, "fresh: no refetch");
    s.env.advance(30_000.0);
    s.store.revalidate_observed();
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 2, "stale and observed: refetched");
}

#[test]
fn unobserved_queries_are_collected_after_the_gc_time() {
    let s = setup(vec![device("d1", "a", 1)]);
    let observer = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    drop(observer);
    s.env.advance(299_000.0);
    s.store.collect_garbage();
    assert_eq!(s.store.stats().1, 1, "kept within the gc time");
    s.env.advance(1_000.0);
    s.store.collect_garbage();
    let (rows, lists, _, _) = s.store.stats();
    assert_eq!((rows, lists), (0, 0));
    // A stale list refetches when observed again; the cached page stays visible meanwhile.
    let again = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    assert_eq!(again.view().get_untracked().ids, ["d1"]);
    assert_eq!(s.api.requests(), 2);
}

/// Whatever the rate of invalidations, an observed list refetches at most once a second: the
/// asks that come sooner wait for one refetch, which reads the latest state.
#[test]
fn a_burst_of_invalidations_costs_one_refetch_a_second() {
    let s = setup(vec![device("d1", "a", 1)]);
    let _observer = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 1);
    for _ in 0..50 {
        s.store.invalidate_all();
    }
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 2, "fifty asks, one refetch");
    assert!(s.env.now() >= 1_000.0, "it waited for its turn");
    s.env.advance(5_000.0);
    s.store.invalidate_all();
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 3, "a second later, at once again");
}

#[test]
fn a_transient_failure_is_retried_once_with_jittered_backoff() {
    let s = setup(vec![device("d1", "a", 1)]);
    *s.api.fail_next.lock().unwrap() = Some(ApiError::Network("offline".into()));
    let observer = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 2);
    assert_eq!(observer.view().get_untracked().state, LoadState::Ready);
    let waited = s.env.now();
    assert!(
        (0.0..=1_000.0).contains(&waited),
        "waited a random part of the retry delay: {waited}"
    );
}

#[test]
fn a_failed_fetch_keeps_cached_data_and_reports_the_error() {
    let s = setup(vec![device("d1", "a", 1)]);
    let query = ListQuery::new();
    let observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    *s.api.fail_next.lock().unwrap() = Some(ApiError::Forbidden {
        message: "no".into(),
    });
    assert!(block_on(s.store.fetch_list(&query)).is_err());
    let view = observer.view().get_untracked();
    assert!(matches!(
        view.state,
        LoadState::Error(ApiError::Forbidden { .. })
    ));
    assert_eq!(view.ids, ["d1"], "stale-while-error");
}

#[test]
fn a_create_outside_a_paged_lists_range_makes_it_stale_and_refetches_it() {
    let devices = (0..6)
        .map(|i| device(&format!("d{i}"), &format!("n{i}"), 1))
        .collect();
    let s = setup(devices);
    let page2 = ListQuery::new().per_page(2).page(2);
    let _observer = s.store.observe_list(page2.clone());
    s.env.run_until_idle();
    assert_eq!(names(&s.store, &page2), ["n2", "n3"]);
    let early = device("d9", "a-first", 1);
    s.api.data.lock().unwrap().push(early.clone());
    s.store
        .apply_event(ChangeOp::Created, "d9", 1, Some(&raw(&early)));
    s.env.run_until_idle();
    assert_eq!(
        names(&s.store, &page2),
        ["n1", "n2"],
        "refetched: everything shifted by one"
    );
    assert_eq!(s.api.requests(), 2);
}

#[test]
fn a_custom_action_shows_its_answer_in_every_matching_list_and_announces_what_it_declares() {
    let s = setup(vec![device("d1", "b", 1)]);
    let query = ListQuery::new().team("t1");
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let _subscription = s.bus.subscribe(move |change| {
        sink.lock()
            .unwrap()
            .push((change.kind, change.op, change.id.clone()))
    });
    let requests = s.api.requests();
    let elsewhere = Change {
        kind: "instance",
        op: ChangeOp::Updated,
        id: "i1".into(),
        team_id: Some("t1".into()),
        origin: Origin::Local,
    };
    let made = block_on(s.store.action(
        Method::Post,
        "/devices/d1/actions/clone",
        serde_json::json!({"name": "a"}),
        vec![elsewhere],
    ))
    .expect("answered");
    s.env.run_until_idle();
    assert_eq!(
        names(&s.store, &query),
        ["a", "b"],
        "shown at once, in order"
    );
    assert_eq!(
        s.api.requests(),
        requests + 1,
        "the action alone: no refetch"
    );
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            ("device", ChangeOp::Created, made.id.clone()),
            ("instance", ChangeOp::Updated, "i1".to_owned())
        ]
    );
}

#[test]
fn invalidation_rules_and_changes_reach_subscribers() {
    let s = setup(vec![device("d1", "a", 1)]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let _subscription = s
        .bus
        .subscribe(move |change| sink.lock().unwrap().push((change.op, change.origin)));
    let _observer = s.store.observe_list(ListQuery::new());
    s.env.run_until_idle();
    let rule = InvalidationRule::when("team").invalidate("device", Scope::All);
    let change = Change {
        kind: "team",
        op: ChangeOp::Updated,
        id: "t1".into(),
        team_id: Some("t1".into()),
        origin: Origin::Remote,
    };
    s.store.invalidate_for(&rule, &change);
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 2, "the observed list refetched");
    block_on(s.store.delete("d1", None)).unwrap();
    let d2 = device("d2", "b", 1);
    s.store
        .apply_event(ChangeOp::Created, "d2", 1, Some(&raw(&d2)));
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            (ChangeOp::Deleted, Origin::Local),
            (ChangeOp::Created, Origin::Remote)
        ]
    );
}

#[test]
fn purging_a_team_forgets_its_entities() {
    let s = setup(vec![device("d1", "a", 1)]);
    let query = ListQuery::new();
    let _observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    s.store.purge_team("t1");
    assert!(s.store.peek("d1").is_none());
    assert!(names(&s.store, &query).is_empty());
}

#[test]
fn a_detail_of_a_deleted_entity_says_so() {
    let s = setup(vec![device("d1", "a", 1)]);
    let observer = s.store.observe_entity("d1");
    s.env.run_until_idle();
    assert_eq!(observer.entity().get_untracked().unwrap().name, "a");
    s.store.apply_event(ChangeOp::Deleted, "d1", 2, None);
    assert!(observer.view().get_untracked().deleted);
    assert!(observer.entity().get_untracked().is_none());
}

#[test]
fn clearing_forgets_everything_but_keeps_signals_connected() {
    let s = setup(vec![device("d1", "a", 1)]);
    let query = ListQuery::new();
    let observer = s.store.observe_list(query.clone());
    s.env.run_until_idle();
    let row = s.store.get("d1");
    assert!(row.get_untracked().is_some());
    s.store.clear();
    assert!(row.get_untracked().is_none());
    let view = observer.view().get_untracked();
    assert_eq!(
        (view.ids.len(), view.total, view.state),
        (0, 0, LoadState::Idle)
    );
    // The next user's fetch fills the same signals.
    block_on(s.store.fetch_list(&query)).unwrap();
    assert_eq!(row.get_untracked().unwrap().name, "a");
}

#[test]
fn two_observers_of_one_entity_share_one_fetch() {
    let s = setup(vec![device("d1", "a", 1)]);
    s.api.hold();
    let results = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..2 {
        let (store, results) = (s.store, results.clone());
        s.env.spawn(Box::pin(async move {
            let found = store.fetch_one("d1").await.map(|d| d.map(|d| d.name));
            results.lock().unwrap().push(found);
        }));
    }
    s.env.run_until_idle();
    s.api.release();
    s.env.run_until_idle();
    assert_eq!(
        *results.lock().unwrap(),
        vec![Ok(Some("a".to_string())), Ok(Some("a".to_string()))]
    );
    assert_eq!(s.api.requests(), 1);
}

#[test]
fn observing_an_empty_id_fetches_nothing() {
    let s = setup(vec![device("d1", "alpha", 1)]);
    let observer = s.store.observe_entity("");
    s.env.run_until_idle();
    assert_eq!(s.api.requests(), 0);
    assert_eq!(observer.entity().get_untracked(), None);
}

#[test]
fn the_same_version_twice_is_announced_once() {
    let s = setup(vec![]);
    let heard = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&heard);
    let _subscription = s.bus.subscribe(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    let v1 = device("d9", "nine", 1);
    for _ in 0..2 {
        s.store
            .apply_event(ChangeOp::Created, "d9", 1, Some(&raw(&v1)));
        s.env.run_until_idle();
    }
    assert_eq!(heard.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(s.store.peek("d9"), Some(v1));
}

#[test]
fn a_row_watch_hears_each_batch_of_changed_rows_until_dropped() {
    let s = setup(Vec::new());
    let query = ListQuery::new().team("t1");
    let page = ListResponse::new(vec![device("d1", "alpha", 1), device("d2", "beta", 1)], 2);
    s.store.put_list(&query, page);
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = heard.clone();
    let watch = s
        .store
        .core()
        .watch_rows(move |ids| sink.lock().unwrap().push(ids.to_vec()));
    let renamed = device("d1", "alpha 2", 2);
    s.store
        .apply_event(ChangeOp::Updated, "d1", 2, Some(&raw(&renamed)));
    // Older than what the store holds: nothing changes, nothing is heard.
    s.store.apply_event(
        ChangeOp::Updated,
        "d1",
        1,
        Some(&raw(&device("d1", "old", 1))),
    );
    s.store.apply_event(ChangeOp::Deleted, "d2", 2, None);
    assert_eq!(
        *heard.lock().unwrap(),
        vec![vec!["d1".to_owned()], vec!["d2".to_owned()]]
    );
    assert_eq!(s.store.peek("d1"), Some(renamed));
    drop(watch);
    s.store.apply_event(
        ChangeOp::Updated,
        "d1",
        3,
        Some(&raw(&device("d1", "alpha 3", 3))),
    );
    assert_eq!(heard.lock().unwrap().len(), 2);
}
