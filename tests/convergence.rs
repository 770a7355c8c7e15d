//! Convergence, property-tested: whatever the interleaving of list fetches (answered late,
//! after newer events), realtime events (reordered, duplicated, replayed after a reconnect),
//! optimistic renames (that succeed, fail or conflict) and deletes with late updates, once
//! everything is delivered every record, list page and total equals the server's, nothing
//! deleted comes back, and no entity is announced created or deleted twice.
//!
//! Each shrunk failure it found became a named regression test next to the code it fixed
//! (`store::membership` and `store::events` tests).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use data_farm::api::{ApiError, EntityApi};
use data_farm::cache::{Environment, ManualEnvironment};
use data_farm::farm::DataFarmConfig;
use data_farm::protocol::{
    ChangeOp, CreateDevice, Device, DeviceStatus, ListResponse, Owner, OwnerType, PatchDevice,
};
use data_farm::query::ListQuery;
use data_farm::store::EntityStore;
use futures_channel::oneshot;
use futures_util::future::LocalBoxFuture;
use leptos::prelude::GetUntracked;
use proptest::prelude::*;
use serde_json::value::RawValue;

/// Ids a case works with: the first four exist from the start, the others may be created.
const IDS: [&str; 7] = ["d0", "d1", "d2", "d3", "d4", "d5", "d6"];
const NAMES: [&str; 6] = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];

fn device(id: &str, name: &str, version: u64, status: DeviceStatus) -> Device {
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
        status,
    }
}

/// One lifecycle event, as the server publishes it.
#[derive(Debug, Clone)]
struct Event {
    op: ChangeOp,
    id: String,
    version: u64,
    data: Option<String>,
}

/// The server: its rows, every id it ever had (ids are never reused), its event log, and the
/// list answers it computed but has not sent yet.
#[derive(Default)]
struct Server {
    rows: BTreeMap<String, Device>,
    ever: Vec<String>,
    log: Vec<Event>,
    hold: bool,
    held: VecDeque<oneshot::Sender<()>>,
    /// The next update is refused with a server error, changing nothing.
    fail_next: bool,
}

impl Server {
    fn publish(&mut self, op: ChangeOp, device: &Device, data: Option<String>) {
        self.log.push(Event {
            op,
            id: device.id.clone(),
            version: device.version,
            data,
        });
    }

    fn change(&mut self, id: &str, f: impl FnOnce(&mut Device)) -> Option<Device> {
        let row = self.rows.get_mut(id)?;
        f(row);
        row.version += 1;
        Some(row.clone())
    }
}

#[derive(Clone, Default)]
struct Api(Arc<Mutex<Server>>);

impl Api {
    fn server(&self) -> std::sync::MutexGuard<'_, Server> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answer is computed now; it arrives now, or when released.
    fn answer<T: 'static>(&self, value: T) -> LocalBoxFuture<'static, T> {
        let gate = {
            let mut server = self.server();
            server.hold.then(|| {
                let (tx, rx) = oneshot::channel();
                server.held.push_back(tx);
                rx
            })
        };
        Box::pin(async move {
            if let Some(gate) = gate {
                let _ = gate.await;
            }
            value
        })
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound {
        message: "gone".into(),
    }
}

impl EntityApi<Device> for Api {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        let found = self.server().rows.get(id).cloned().ok_or_else(not_found);
        self.answer(found)
    }
    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Device>, ApiError>> {
        let mut matching: Vec<Device> = self
            .server()
            .rows
            .values()
            .filter(|d| query.matches(*d))
            .cloned()
            .collect();
        matching.sort_by(|a, b| query.compare(a, b));
        let total = matching.len() as u64;
        let start = ((query.page.max(1) - 1) * query.per_page) as usize;
        let items = matching
            .into_iter()
            .skip(start)
            .take(query.per_page as usize)
            .collect();
        self.answer(Ok(ListResponse::new(items, total)))
    }
    fn create(
        &self,
        _body: &CreateDevice,
        _key: &str,
    ) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        Box::pin(std::future::ready(Err(ApiError::Forbidden {
            message: "not in this model".into(),
        })))
    }
    fn update(
        &self,
        id: &str,
        patch: &PatchDevice,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Device, ApiError>> {
        let result = {
            let mut server = self.server();
            match server.rows.get(id).cloned() {
                _ if std::mem::take(&mut server.fail_next) => Err(ApiError::Server {
                    status: 500,
                    message: "refused".into(),
                }),
                None => Err(not_found()),
                Some(row) if if_match.is_some_and(|v| v != row.version) => {
                    Err(ApiError::Conflict {
                        message: "changed".into(),
                        current: data_farm::protocol::JsonText::encode(&row).ok(),
                    })
                }
                Some(_) => {
                    let name = patch.name.clone();
                    let changed = server.change(id, |d| {
                        if let Some(name) = name {
                            d.name = name;
                        }
                    });
                    if let Some(changed) = &changed {
                        let data = serde_json::to_string(changed).ok();
                        server.publish(ChangeOp::Updated, changed, data);
                    }
                    changed.ok_or_else(not_found)
                }
            }
        };
        self.answer(result)
    }
    fn delete(
        &self,
        _id: &str,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        Box::pin(std::future::ready(Err(ApiError::Forbidden {
            message: "not in this model".into(),
        })))
    }
}

/// How an optimistic rename of this client ends.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Succeeds,
    /// The server refuses (500) and changes nothing.
    Fails,
    /// Someone renamed it first: 409 with their version.
    Conflicts,
}

#[derive(Debug, Clone)]
enum Step {
    /// Someone else renames a device.
    Rename(usize, usize),
    /// Someone else changes a device's status (a `status` event).
    Status(usize, bool),
    /// Someone else deletes a device.
    Delete(usize),
    /// Someone else creates a device that never existed.
    Create(usize, usize),
    /// The next undelivered event at this position arrives (and, when `again`, will arrive
    /// a second time later).
    Deliver(usize, bool),
    /// Every event since the start arrives again (a reconnect replaying from an old `seq`).
    Replay,
    /// Every list is refetched (an invalidation); answers wait while `hold` is on.
    Refetch,
    /// List answers start or stop waiting.
    Hold(bool),
    /// The waiting list answers arrive.
    Release,
    /// This client renames a device optimistically.
    Mine(usize, usize, Outcome),
}

fn step() -> impl Strategy<Value = Step> {
    let id = 0..IDS.len();
    let name = 0..NAMES.len();
    prop_oneof![
        3 => (id.clone(), name.clone()).prop_map(|(i, n)| Step::Rename(i, n)),
        2 => (id.clone(), any::<bool>()).prop_map(|(i, s)| Step::Status(i, s)),
        1 => id.clone().prop_map(Step::Delete),
        1 => (id.clone(), name.clone()).prop_map(|(i, n)| Step::Create(i, n)),
        5 => (0..8usize, any::<bool>()).prop_map(|(k, again)| Step::Deliver(k, again)),
        1 => Just(Step::Replay),
        2 => Just(Step::Refetch),
        2 => any::<bool>().prop_map(Step::Hold),
        2 => Just(Step::Release),
        2 => (id, name, prop_oneof![Just(Outcome::Succeeds), Just(Outcome::Fails), Just(Outcome::Conflicts)])
            .prop_map(|(i, n, o)| Step::Mine(i, n, o)),
    ]
}

/// The lists a page shows: two pages of three, and everything.
fn queries() -> Vec<ListQuery> {
    vec![
        ListQuery::new().per_page(3),
        ListQuery::new().per_page(3).page(2),
        ListQuery::new().per_page(100),
    ]
}

struct World {
    api: Api,
    env: ManualEnvironment,
    store: EntityStore<Device>,
    /// The store lives as long as its farm.
    _farm: data_farm::farm::DataFarm,
    /// Events published but not yet delivered (in publication order).
    pending: Vec<Event>,
    delivered: usize,
    announced: Arc<Mutex<HashMap<(String, &'static str), usize>>>,
    _subscription: data_farm::change::Subscription,
    _observers: Vec<data_farm::store::ListObserver<Device>>,
}

impl World {
    fn new() -> World {
        let api = Api::default();
        {
            let mut server = api.server();
            for (i, id) in IDS.iter().take(4).enumerate() {
                server.rows.insert(
                    id.to_string(),
                    device(id, NAMES[i], 1, DeviceStatus::Online),
                );
                server.ever.push(id.to_string());
            }
        }
        let env = ManualEnvironment::new();
        let farm = DataFarmConfig::new("")
            .environment(Arc::new(env.clone()))
            .register_with::<Device>(Arc::new(api.clone()), None)
            .build();
        let store = farm.store::<Device>().expect("registered");
        let announced: Arc<Mutex<HashMap<(String, &'static str), usize>>> = Arc::default();
        let seen = Arc::clone(&announced);
        let subscription = farm.changes().subscribe(move |change| {
            let op = match change.op {
                ChangeOp::Created => "created",
                ChangeOp::Deleted => "deleted",
                _ => return,
            };
            *seen
                .lock()
                .unwrap()
                .entry((change.id.clone(), op))
                .or_default() += 1;
        });
        let observers = queries()
            .into_iter()
            .map(|q| store.observe_list(q))
            .collect();
        env.run_until_idle();
        World {
            api,
            env,
            store,
            _farm: farm,
            pending: Vec::new(),
            delivered: 0,
            announced,
            _subscription: subscription,
            _observers: observers,
        }
    }

    /// Moves events the server published since the last look into `pending`.
    fn collect(&mut self) {
        let log = self.api.server().log.clone();
        self.pending.extend(log[self.delivered..].iter().cloned());
        self.delivered = log.len();
    }

    fn apply(&self, event: &Event) {
        let data = event
            .data
            .as_deref()
            .and_then(|d| RawValue::from_string(d.to_owned()).ok());
        self.store
            .apply_event(event.op, &event.id, event.version, data.as_deref());
    }

    fn run(&mut self, step: &Step) {
        match *step {
            Step::Rename(i, n) => {
                let mut server = self.api.server();
                if let Some(d) = server.change(IDS[i], |d| d.name = NAMES[n].into()) {
                    let data = serde_json::to_string(&d).ok();
                    server.publish(ChangeOp::Updated, &d, data);
                }
            }
            Step::Status(i, online) => {
                let status = if online {
                    DeviceStatus::Online
                } else {
                    DeviceStatus::Offline
                };
                let mut server = self.api.server();
                if let Some(d) = server.change(IDS[i], |d| d.status = status) {
                    let data = serde_json::to_string(&serde_json::json!({ "status": status })).ok();
                    server.publish(ChangeOp::Status, &d, data);
                }
            }
            Step::Delete(i) => {
                let mut server = self.api.server();
                if let Some(mut d) = server.rows.remove(IDS[i]) {
                    d.version += 1;
                    server.publish(ChangeOp::Deleted, &d, None);
                }
            }
            Step::Create(i, n) => {
                let mut server = self.api.server();
                let id = IDS[i].to_string();
                if !server.ever.contains(&id) {
                    let d = device(&id, NAMES[n], 1, DeviceStatus::Online);
                    server.ever.push(id.clone());
                    server.rows.insert(id, d.clone());
                    let data = serde_json::to_string(&d).ok();
                    server.publish(ChangeOp::Created, &d, data);
                }
            }
            Step::Deliver(k, again) => {
                self.collect();
                if !self.pending.is_empty() {
                    let at = k % self.pending.len();
                    let event = if again {
                        self.pending[at].clone()
                    } else {
                        self.pending.remove(at)
                    };
                    self.apply(&event);
                }
            }
            Step::Replay => {
                let log = self.api.server().log.clone();
                for event in &log {
                    self.apply(event);
                }
            }
            Step::Refetch => self.store.invalidate_all(),
            Step::Hold(on) => self.api.server().hold = on,
            Step::Release => {
                let gates: Vec<_> = self.api.server().held.drain(..).collect();
                for gate in gates {
                    let _ = gate.send(());
                }
            }
            Step::Mine(i, n, outcome) => {
                let id = IDS[i];
                let Some(shown) = self.store.peek(id) else {
                    return;
                };
                match outcome {
                    Outcome::Succeeds => {}
                    Outcome::Fails => self.api.server().fail_next = true,
                    Outcome::Conflicts => {
                        let mut server = self.api.server();
                        if let Some(d) = server.change(id, |d| d.name = "zulu".into()) {
                            let data = serde_json::to_string(&d).ok();
                            server.publish(ChangeOp::Updated, &d, data);
                        }
                    }
                }
                let patch = PatchDevice {
                    name: Some(NAMES[n].into()),
                    ..Default::default()
                };
                let store = self.store;
                let base = Some(shown.version);
                // Answered now, or when the held answers are released.
                self.env.spawn(Box::pin(async move {
                    let _ = store.update(id, patch, base).await;
                }));
            }
        }
        self.env.run_until_idle();
    }

    /// Everything arrives: waiting answers, every event, a replay; observed stale lists refetch.
    fn settle(&mut self) {
        self.api.server().hold = false;
        self.run(&Step::Release);
        self.collect();
        for event in std::mem::take(&mut self.pending) {
            self.apply(&event);
        }
        self.run(&Step::Replay);
        for _ in 0..5 {
            self.env.run_until_idle();
        }
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let server = self.api.server();
        for id in &server.ever {
            prop_assert_eq!(
                self.store.peek(id),
                server.rows.get(id).cloned(),
                "record {} differs",
                id
            );
        }
        for query in queries() {
            let mut expected: Vec<Device> = server.rows.values().cloned().collect();
            expected.sort_by(|a, b| query.compare(a, b));
            let total = expected.len() as u64;
            let start = ((query.page - 1) * query.per_page) as usize;
            let page: Vec<String> = expected
                .into_iter()
                .skip(start)
                .take(query.per_page as usize)
                .map(|d| d.id)
                .collect();
            let view = self.store.list_view(&query).get_untracked();
            prop_assert_eq!(&view.ids, &page, "page {:?}", query.to_query_string());
            prop_assert_eq!(view.total, total, "total of {:?}", query.to_query_string());
        }
        for ((id, op), count) in self.announced.lock().unwrap().iter() {
            prop_assert!(*count <= 1, "{} announced {} {} times", id, op, count);
        }
        Ok(())
    }
}

/// The run is fixed (the same 192 cases every time), so the test command's answer does not
/// depend on luck. `CONVERGENCE_SEED=<n>` explores another run; `CONVERGENCE_SEED=random`
/// a fresh one each time (after the last fixes 1,000 random runs, 192,000 cases, passed; the
/// cases random runs found are named tests here and in `store::membership`).
fn seed() -> proptest::test_runner::RngSeed {
    use proptest::test_runner::RngSeed;
    match std::env::var("CONVERGENCE_SEED").ok().as_deref() {
        Some("random") => RngSeed::Random,
        Some(n) => n.parse().map_or(RngSeed::Random, RngSeed::Fixed),
        None => RngSeed::Fixed(20_261_202),
    }
}

/// Runs `steps` on a fresh world, delivers everything, and checks it against the server.
fn ends_in_the_servers_state(steps: &[Step]) -> Result<(), TestCaseError> {
    let mut world = World::new();
    for step in steps {
        world.run(step);
    }
    world.settle();
    world.check()
}

/// [`ends_in_the_servers_state`] for a named case.
fn converges(steps: &[Step]) {
    if let Err(err) = ends_in_the_servers_state(steps) {
        panic!("{steps:?}: {err}");
    }
}

/// A case a random run found: a snapshot fetched after a delete, then the deleted device's
/// older `updated` event and its `deleted` event arriving late.
#[test]
fn a_late_update_and_delete_after_a_newer_snapshot_keep_the_total() {
    converges(&[
        Step::Create(4, 0),
        Step::Rename(0, 0),
        Step::Rename(2, 1),
        Step::Rename(3, 0),
        Step::Status(0, false),
        Step::Create(0, 0),
        Step::Rename(2, 1),
        Step::Delete(2),
        Step::Refetch,
    ]);
}

/// A case a random run found: a device created, renamed and deleted while list answers wait,
/// with events delivered out of order and one of them twice.
#[test]
fn a_created_device_renamed_and_deleted_while_lists_wait_leaves_no_row() {
    converges(&[
        Step::Rename(0, 4),
        Step::Rename(1, 0),
        Step::Replay,
        Step::Rename(1, 4),
        Step::Create(6, 0),
        Step::Status(0, false),
        Step::Rename(6, 0),
        Step::Hold(true),
        Step::Deliver(2, true),
        Step::Delete(6),
        Step::Deliver(6, false),
    ]);
}

/// Cases random runs found: this client's renames answered only after list answers and
/// events that overtook them (the fetched copy is the confirmed one, the row shows the change).
#[test]
fn held_optimistic_answers_leave_every_page_in_order() {
    use Outcome::Succeeds;
    let cases = [
        vec![
            Step::Hold(true),
            Step::Refetch,
            Step::Mine(1, 3, Succeeds),
            Step::Rename(0, 3),
            Step::Deliver(1, false),
            Step::Refetch,
        ],
        vec![
            Step::Hold(true),
            Step::Refetch,
            Step::Rename(2, 4),
            Step::Mine(1, 5, Succeeds),
            Step::Deliver(0, false),
        ],
    ];
    for steps in cases {
        converges(&steps);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 192,
        max_shrink_iters: 2_000,
        rng_seed: seed(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_interleaving_ends_in_the_servers_state(steps in proptest::collection::vec(step(), 1..40)) {
        ends_in_the_servers_state(&steps)?;
    }
}
