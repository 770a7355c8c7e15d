//! Persistence with a manual clock, storage in memory and a fake server that can go down:
//! hydration, write-behind, user separation, the outbox, temporary ids and conflicts.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use data_farm_protocol::{
    Application, ChangeOp, CreateApplication, CreateTeam, ListResponse, PatchNamed, Team,
};
use futures_executor::block_on;
use futures_util::future::LocalBoxFuture;
use leptos::prelude::GetUntracked;

use super::*;
use crate::api::{ApiError, EntityApi};
use crate::cache::ManualEnvironment;
use crate::entity::Entity;
use crate::farm::{DataFarm, DataFarmConfig};
use crate::query::ListQuery;

/// What every fake kind shares: whether the server is reachable, ids, a request log.
#[derive(Default)]
struct Server {
    down: AtomicBool,
    /// The next change is made, but its answer never arrives (the connection drops).
    lose_next_answer: AtomicBool,
    /// Changes are saved as drafts for approval (202), not made.
    needs_approval: AtomicBool,
    next_id: AtomicUsize,
    log: Mutex<Vec<String>>,
}

/// One kind's table on the fake server; answers like the protocol (versions, `If-Match`).
struct Table<E: Entity> {
    server: Arc<Server>,
    rows: Mutex<Vec<E>>,
    make: fn(&E::Create, String) -> E,
    /// The first answer to every idempotency key, as the reference server keeps them.
    keys: Mutex<std::collections::HashMap<String, E>>,
}

fn bump<E: Entity>(entity: &E) -> E {
    let mut json = serde_json::to_value(entity).unwrap();
    json["version"] = serde_json::json!(entity.version() + 1);
    serde_json::from_value(json).unwrap()
}

impl<E: Entity> Table<E> {
    fn new(server: &Arc<Server>, rows: Vec<E>, make: fn(&E::Create, String) -> E) -> Arc<Self> {
        Arc::new(Table {
            server: server.clone(),
            rows: Mutex::new(rows),
            make,
            keys: Mutex::default(),
        })
    }
    fn reach(&self, what: String) -> Result<(), ApiError> {
        if self.server.down.load(Ordering::SeqCst) {
            return Err(ApiError::Network("connection refused".into()));
        }
        self.server.log.lock().unwrap().push(what);
        Ok(())
    }
    fn rows(&self) -> Vec<E> {
        self.rows.lock().unwrap().clone()
    }
    /// Someone else changes a row on the server.
    fn change(&self, id: &str, f: impl FnOnce(&E) -> E) {
        let mut rows = self.rows.lock().unwrap();
        let row = rows.iter_mut().find(|r| r.id() == id).unwrap();
        *row = bump(&f(row));
    }
    fn checked(&self, id: &str, if_match: Option<u64>) -> Result<E, ApiError> {
        let rows = self.rows.lock().unwrap();
        let row = rows
            .iter()
            .find(|r| r.id() == id)
            .cloned()
            .ok_or(ApiError::NotFound {
                message: "gone".into(),
            })?;
        match if_match {
            Some(v) if v != row.version() => Err(ApiError::Conflict {
                message: "changed".into(),
                current: data_farm_protocol::JsonText::encode(&row).ok(),
            }),
            _ => Ok(row),
        }
    }
}

fn ready<T: 'static>(value: T) -> LocalBoxFuture<'static, T> {
    Box::pin(std::future::ready(value))
}

impl<E: Entity> EntityApi<E> for Table<E> {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        ready(
            self.reach(format!("GET {id}"))
                .and_then(|()| self.checked(id, None)),
        )
    }
    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<E>, ApiError>> {
        let result = self.reach(format!("LIST {}", E::PLURAL)).map(|()| {
            let items: Vec<E> = self
                .rows()
                .into_iter()
                .filter(|e| query.matches(e))
                .collect();
            ListResponse {
                total: items.len() as u64,
                items,
                drafts: Default::default(),
            }
        });
        ready(result)
    }
    fn create(&self, body: &E::Create, key: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        let result = self.reach(format!("POST {}", E::PLURAL)).map(|()| {
            let mut keys = self.keys.lock().unwrap();
            if let Some(first) = keys.get(key) {
                return first.clone();
            }
            let n = self.server.next_id.fetch_add(1, Ordering::SeqCst);
            let entity = (self.make)(body, format!("{}_{n}", E::KIND));
            self.rows.lock().unwrap().push(entity.clone());
            keys.insert(key.to_owned(), entity.clone());
            entity
        });
        ready(result)
    }
    fn update(
        &self,
        id: &str,
        patch: &E::Patch,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        if self.server.needs_approval.load(Ordering::SeqCst) {
            let drafted = self.reach(format!("PATCH {id}")).and_then(|()| {
                let draft = data_farm_protocol::Draft {
                    id: "draft_1".into(),
                    version: 1,
                    updated_at: String::new(),
                    team_id: "t1".into(),
                    kind: E::KIND.into(),
                    entity_id: Some(id.into()),
                    operation: data_farm_protocol::DraftOperation::Update,
                    status: data_farm_protocol::DraftStatus::Draft,
                    body: serde_json::to_value(patch).unwrap_or_default(),
                    base_version: if_match,
                    author_id: "u1".into(),
                    name: String::new(),
                    comments: Vec::new(),
                };
                let draft = serde_json::to_string(&draft)
                    .map_err(|err| ApiError::Decode(err.to_string()))
                    .and_then(crate::api::DraftAnswer::from_json)?;
                Err(ApiError::Drafted {
                    message: "saved as a draft".into(),
                    draft: Box::new(draft),
                })
            });
            return ready(drafted);
        }
        let result = self
            .reach(format!("PATCH {id}"))
            .and_then(|()| self.checked(id, if_match))
            .map(|row| {
                let next = bump(&row.patched(patch));
                let mut rows = self.rows.lock().unwrap();
                if let Some(slot) = rows.iter_mut().find(|r| r.id() == id) {
                    *slot = next.clone();
                }
                next
            });
        if result.is_ok() && self.server.lose_next_answer.swap(false, Ordering::SeqCst) {
            return ready(Err(ApiError::Network("the connection dropped".into())));
        }
        ready(result)
    }
    fn delete(
        &self,
        id: &str,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        let result = self
            .reach(format!("DELETE {id}"))
            .and_then(|()| self.checked(id, if_match))
            .map(|_| self.rows.lock().unwrap().retain(|r| r.id() != id));
        ready(result)
    }
}

fn team(id: &str, name: &str, version: u64) -> Team {
    Team {
        id: id.into(),
        version,
        updated_at: String::new(),
        name: name.into(),
        description: String::new(),
    }
}

/// One page load: a farm with persistence over `storage`, talking to `server`.
struct Page {
    env: ManualEnvironment,
    farm: DataFarm,
    persistence: Persistence,
}

struct World {
    server: Arc<Server>,
    teams: Arc<Table<Team>>,
    apps: Arc<Table<Application>>,
    storage: MemoryStorage,
}

impl World {
    fn new() -> Self {
        let server = Arc::new(Server::default());
        let teams = Table::new(
            &server,
            vec![team("t1", "Acme", 1), team("t2", "Globex", 1)],
            |c: &CreateTeam, id| Team {
                id,
                version: 1,
                updated_at: String::new(),
                name: c.name.clone(),
                description: String::new(),
            },
        );
        let apps = Table::new(&server, Vec::new(), |c: &CreateApplication, id| {
            Application {
                id,
                version: 1,
                updated_at: String::new(),
                name: c.name.clone(),
                description: String::new(),
                team_id: c.team_id.clone(),
            }
        });
        World {
            server,
            teams,
            apps,
            storage: MemoryStorage::default(),
        }
    }

    fn config(&self) -> PersistConfig {
        PersistConfig::new("test")
    }

    /// Loads the page as `user`: attaches the storage and hydrates.
    fn load(&self, user: &str) -> Page {
        self.load_with(user, self.config())
    }

    /// Loads a tab that follows another (it queues into the shared storage, never sends).
    fn load_follower(&self, user: &str) -> Page {
        self.load_as(user, self.config(), false)
    }

    fn load_with(&self, user: &str, config: PersistConfig) -> Page {
        self.load_as(user, config, true)
    }

    fn load_as(&self, user: &str, config: PersistConfig, replaying: bool) -> Page {
        let env = ManualEnvironment::new();
        let farm = DataFarmConfig::new("")
            .environment(Arc::new(env.clone()))
            .register_with::<Team>(self.teams.clone(), None)
            .register_with::<Application>(self.apps.clone(), None)
            .persist(config)
            .build();
        let persistence = farm.persistence().unwrap();
        persistence.set_replaying(replaying);
        block_on(persistence.attach(Arc::new(self.storage.clone())));
        block_on(persistence.start(user));
        env.run_until_idle();
        Page {
            env,
            farm,
            persistence,
        }
    }

    fn keys(&self) -> Vec<String> {
        self.storage.entries().into_iter().map(|(k, _)| k).collect()
    }

    fn down(&self, down: bool) {
        self.server.down.store(down, Ordering::SeqCst);
    }

    fn log(&self) -> Vec<String> {
        std::mem::take(&mut *self.server.log.lock().unwrap())
    }
}

impl World {
    /// Loads the page as alice with the team list observed and fetched.
    fn load_teams(&self) -> (Page, crate::store::ListObserver<Team>) {
        let page = self.load("alice");
        let list = page.teams().observe_list(ListQuery::new());
        page.settle();
        (page, list)
    }

    /// The server answers again and the page hears the browser is online.
    fn back_online(&self, page: &Page) {
        self.down(false);
        page.persistence.set_browser_offline(false);
        page.settle();
    }
}

impl Page {
    /// Renames team `id` (based on version `base`); offline, the change is queued.
    fn rename(&self, id: &str, name: &str, description: Option<&str>, base: u64) -> Team {
        let patch = PatchNamed {
            name: Some(name.into()),
            description: description.map(Into::into),
        };
        block_on(self.teams().update(id, patch, Some(base))).expect("applied or queued")
    }

    fn teams(&self) -> crate::store::EntityStore<Team> {
        self.farm.store::<Team>().unwrap()
    }
    fn apps(&self) -> crate::store::EntityStore<Application> {
        self.farm.store::<Application>().unwrap()
    }
    fn settle(&self) {
        self.env.run_until_idle();
    }
    fn outbox(&self) -> Vec<OutboxItem> {
        self.persistence.outbox().get_untracked()
    }
}

fn raw(entity: &impl serde::Serialize) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(entity).unwrap()
}

#[test]
fn a_reload_shows_the_last_data_at_once_marked_stale_then_revalidates() {
    let world = World::new();
    let first = world.load("alice");
    let list = first.teams().observe_list(ListQuery::new());
    first.settle();
    assert_eq!(first.teams().peek_list(&ListQuery::new()).len(), 2);
    drop(list);
    world.log();

    world.down(true);
    let second = world.load("alice");
    let view = second.teams().list_view(&ListQuery::new()).get_untracked();
    assert_eq!(view.ids, ["t1", "t2"], "cached rows before any fetch");
    assert!(view.stale, "hydrated lists are stale");
    assert!(world.log().is_empty(), "nothing was fetched to show them");
    let _observed = second.teams().observe_list(ListQuery::new());
    second.settle();
    let view = second.teams().list_view(&ListQuery::new()).get_untracked();
    assert_eq!(
        view.ids,
        ["t1", "t2"],
        "a failed revalidation keeps the cached rows"
    );
    assert!(matches!(
        view.state,
        crate::store::LoadState::Error(ApiError::Network(_))
    ));

    world.down(false);
    second.teams().invalidate_all();
    second.settle();
    assert_eq!(
        world.log(),
        ["LIST teams"],
        "observed hydrated lists revalidate"
    );
}

#[test]
fn write_behind_keeps_the_latest_state_per_record_in_batches() {
    let world = World::new();
    let page = world.load("alice");
    let before = world.storage.transactions();
    for version in 2..=20 {
        page.teams().apply_event(
            ChangeOp::Updated,
            "t1",
            version,
            Some(&raw(&team("t1", &format!("v{version}"), version))),
        );
    }
    for i in 0..14 {
        let id = format!("x{i}");
        page.teams()
            .apply_event(ChangeOp::Created, &id, 1, Some(&raw(&team(&id, "x", 1))));
    }
    assert_eq!(
        world.storage.transactions(),
        before,
        "nothing written before the debounce"
    );
    page.settle();
    // 15 records, batches of 10: two transactions, each record written once, the latest version.
    assert_eq!(world.storage.transactions() - before, 2);
    let t1 = world
        .storage
        .entries()
        .into_iter()
        .find(|(k, _)| k == &keys::record("alice", "team", "t1"))
        .unwrap();
    assert_eq!(serde_json::from_str::<Team>(&t1.1).unwrap().version, 20);
    let metrics = page.persistence.metrics().get_untracked();
    assert_eq!(metrics.records_written, 15);
    let last = metrics.last_write.expect("the run is remembered");
    assert_eq!((last.records, last.batches, last.failures), (15, 2, 0));
}

#[test]
fn a_failed_batch_is_counted_and_does_not_block_the_others() {
    let world = World::new();
    let page = world.load_with(
        "alice",
        world.config().kind(
            "team",
            KindSettings {
                batch_size: 1,
                ..KindSettings::default()
            },
        ),
    );
    world.storage.fail_key(&keys::record("alice", "team", "a"));
    for id in ["a", "b", "c"] {
        page.teams()
            .apply_event(ChangeOp::Created, id, 1, Some(&raw(&team(id, id, 1))));
    }
    page.settle();
    let keys = world.keys();
    assert!(keys.contains(&keys::record("alice", "team", "b")));
    assert!(keys.contains(&keys::record("alice", "team", "c")));
    assert!(!keys.contains(&keys::record("alice", "team", "a")));
    assert_eq!(page.persistence.metrics().get_untracked().write_failures, 1);
}

#[test]
fn a_full_storage_degrades_to_memory_only_with_a_warning() {
    let world = World::new();
    let page = world.load("alice");
    world.storage.set_full(true);
    page.teams()
        .apply_event(ChangeOp::Created, "a", 1, Some(&raw(&team("a", "a", 1))));
    page.settle();
    assert!(matches!(
        page.persistence.status().get_untracked().storage,
        StorageHealth::MemoryOnly(_)
    ));
    assert!(
        page.teams().peek("a").is_some(),
        "the data itself is still there"
    );
}

#[test]
fn another_user_of_the_browser_never_sees_the_first_ones_rows() {
    let world = World::new();
    let (_alice, _list) = world.load_teams();
    assert!(
        world.keys().contains(&keys::record("alice", "team", "t1")),
        "alice's rows are stored"
    );
    world.down(true);
    let bob = world.load("bob");
    assert!(bob
        .teams()
        .list_view(&ListQuery::new())
        .get_untracked()
        .ids
        .is_empty());
    assert!(bob.teams().peek("t1").is_none());
}

#[test]
fn sign_out_deletes_the_users_data_and_a_revoked_team_its_records() {
    let world = World::new();
    let (alice, _list) = world.load_teams();
    alice.apps().apply_event(
        ChangeOp::Created,
        "a1",
        1,
        Some(&raw(&Application {
            id: "a1".into(),
            version: 1,
            updated_at: String::new(),
            name: "web".into(),
            description: String::new(),
            team_id: "t2".into(),
        })),
    );
    alice.settle();
    assert!(world
        .keys()
        .contains(&keys::record("alice", "application", "a1")));
    alice.farm.purge_team("t2");
    alice.settle();
    let keys = world.keys();
    assert!(
        !keys.contains(&keys::record("alice", "application", "a1")),
        "{keys:?}"
    );
    assert!(!keys.contains(&keys::record("alice", "team", "t2")));
    assert!(keys.contains(&keys::record("alice", "team", "t1")));

    alice.farm.clear();
    alice.settle();
    assert!(
        world.keys().iter().all(|k| !k.starts_with("alice/")),
        "{:?}",
        world.keys()
    );
}

#[test]
fn offline_changes_are_queued_replayed_in_order_and_temporary_ids_mapped() {
    let world = World::new();
    let (page, _list) = world.load_teams();
    world.down(true);

    let made = block_on(page.teams().create(CreateTeam {
        name: "Initech".into(),
        description: None,
    }))
    .expect("queued");
    assert!(made.id.starts_with("tmp-"), "the draft is returned");
    let app = block_on(page.apps().create(CreateApplication {
        name: "web".into(),
        team_id: made.id.clone(),
        description: None,
    }))
    .expect("queued");
    let renamed = page.rename("t1", "Acme 2", None, 1);
    assert_eq!(renamed.name, "Acme 2", "shown optimistically");
    page.settle();
    assert_eq!(page.outbox().len(), 3);
    assert_eq!(
        page.persistence.status().get_untracked().connection,
        Connection::Offline
    );
    assert!(page
        .teams()
        .peek_list(&ListQuery::new())
        .iter()
        .any(|t| t.name == "Initech"));
    world.log();

    world.back_online(&page);
    assert_eq!(world.log(), ["POST teams", "POST applications", "PATCH t1"]);
    assert!(page.outbox().is_empty());
    let created = world
        .teams
        .rows()
        .into_iter()
        .find(|t| t.name == "Initech")
        .unwrap();
    let server_app = world.apps.rows().pop().unwrap();
    assert_eq!(
        server_app.team_id, created.id,
        "the application points at the real team id"
    );
    assert!(
        page.teams().peek(&made.id).is_none() && page.apps().peek(&app.id).is_none(),
        "no temporary rows left"
    );
    assert_eq!(page.teams().peek("t1").unwrap().version, 2);
    let metrics = page.persistence.metrics().get_untracked();
    assert_eq!(
        (metrics.total, metrics.succeeded, metrics.pending),
        (3, 3, 0)
    );
}

#[test]
fn the_outbox_survives_a_reload_and_shows_its_changes_again() {
    let world = World::new();
    let (first, _list) = world.load_teams();
    world.down(true);
    first.rename("t1", "Offline", None, 1);
    block_on(first.teams().delete("t2", Some(1))).expect("queued");
    first.settle();
    drop(first);

    let second = world.load("alice");
    assert_eq!(second.outbox().len(), 2);
    assert_eq!(second.teams().peek("t1").unwrap().name, "Offline");
    assert!(
        second.teams().peek("t2").is_none(),
        "the queued delete still hides it"
    );
    world.down(false);
    block_on(second.persistence.sync_now());
    second.settle();
    assert!(second.outbox().is_empty());
    assert_eq!(
        world
            .teams
            .rows()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["Offline"]
    );
    assert!(world
        .keys()
        .iter()
        .all(|k| !k.starts_with(&keys::outbox("alice"))));
}

/// Two tabs hydrate the same queued create and both replay it: the server makes one entity,
/// and both tabs show it once, under its real id.
#[test]
fn a_create_replayed_by_two_tabs_makes_one_entity() {
    let world = World::new();
    let (first, _list) = world.load_teams();
    world.down(true);
    let made = block_on(first.teams().create(CreateTeam {
        name: "Initech".into(),
        description: None,
    }))
    .expect("queued");
    first.settle();
    let (second, _list2) = world.load_teams();
    assert_eq!(
        second.outbox().len(),
        1,
        "the second tab hydrated the queued create"
    );

    world.back_online(&first);
    world.back_online(&second);
    let initech: Vec<Team> = world
        .teams
        .rows()
        .into_iter()
        .filter(|t| t.name == "Initech")
        .collect();
    assert_eq!(initech.len(), 1, "one entity on the server");
    for page in [&first, &second] {
        assert!(page.outbox().is_empty());
        assert!(
            page.teams().peek(&made.id).is_none(),
            "no temporary row left"
        );
        let shown: Vec<Team> = page
            .teams()
            .peek_list(&ListQuery::new())
            .into_iter()
            .filter(|t| t.name == "Initech")
            .collect();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].id, initech[0].id);
    }
}

/// A follower tab queues a change offline; the leader takes it in from the shared storage and
/// sends it, once; the follower then drops it. Two tabs queueing at the same moment write two
/// keys, not one.
#[test]
fn a_followers_queued_change_is_sent_once_by_the_leader() {
    let world = World::new();
    let (leader, _list) = world.load_teams();
    let follower = world.load_follower("alice");
    let _followed = follower.teams().observe_list(ListQuery::new());
    follower.settle();
    world.down(true);
    follower.rename("t1", "From the follower", None, 1);
    leader.rename("t2", "From the leader", None, 1);
    follower.settle();
    leader.settle();
    let queued: Vec<String> = world
        .keys()
        .into_iter()
        .filter(|k| keys::is_outbox_item(k))
        .collect();
    assert_eq!(queued.len(), 2, "one key each: {queued:?}");

    let writes = |log: Vec<String>| -> Vec<String> {
        let mut writes: Vec<String> = log
            .into_iter()
            .filter(|l| !l.starts_with("GET") && !l.starts_with("LIST"))
            .collect();
        writes.sort();
        writes
    };
    // The server is back; the follower, told so, sends nothing. (Tasks of every page run in
    // one thread-local pool here, so the leader is told only afterwards.)
    world.log();
    world.back_online(&follower);
    let by_follower = writes(world.log());
    assert!(
        by_follower.is_empty(),
        "a follower sends nothing: {by_follower:?}"
    );
    block_on(follower.persistence.reconcile_outbox());
    assert_eq!(follower.outbox().len(), 2, "every tab shows what waits");

    // The follower announced its item; the leader takes it in from the shared outbox.
    world.down(true);
    block_on(leader.persistence.reconcile_outbox());
    assert_eq!(leader.outbox().len(), 2);
    assert_eq!(
        leader.teams().peek("t1").unwrap().name,
        "From the follower",
        "the follower's change shows in the leader too"
    );
    leader.settle();
    world.back_online(&leader);
    let sent = writes(world.log());
    assert_eq!(
        sent,
        ["PATCH t1", "PATCH t2"],
        "each sent once, by the leader"
    );
    assert!(leader.outbox().is_empty());

    block_on(follower.persistence.reconcile_outbox());
    follower.settle();
    assert!(follower.outbox().is_empty(), "sent elsewhere: dropped here");
    assert!(!world.keys().iter().any(|k| keys::is_outbox_item(k)));
}

/// An update whose answer was lost is sent again with the same `If-Match`: the server says
/// conflict, with its current entity, which already holds the change. That ends as done, not
/// as a conflict for the user to resolve.
#[test]
fn a_replayed_update_that_already_went_through_ends_as_done() {
    let world = World::new();
    let (page, _list) = world.load_teams();
    world.down(true);
    page.rename("t1", "Once", None, 1);
    page.settle();
    world.server.lose_next_answer.store(true, Ordering::SeqCst);
    world.back_online(&page);
    assert_eq!(
        world.teams.rows()[0].name,
        "Once",
        "the first attempt went through"
    );
    assert_eq!(page.outbox().len(), 1, "its answer was lost: still queued");

    block_on(page.persistence.sync_now());
    page.settle();
    assert!(
        page.outbox().is_empty(),
        "done, no conflict: {:?}",
        page.outbox()
    );
    let shown = page.teams().peek("t1").unwrap();
    assert_eq!((shown.name.as_str(), shown.version), ("Once", 2));
    assert_eq!(world.teams.rows()[0].version, 2, "sent once");
}

fn conflicted(world: &World) -> (Page, u64) {
    let (page, _list) = world.load_teams();
    world.down(true);
    page.rename("t1", "Mine", Some("my text"), 1);
    world.teams.change("t1", |t| Team {
        description: "their text".into(),
        name: "Theirs".into(),
        ..t.clone()
    });
    world.back_online(&page);
    let item = page.outbox().pop().expect("kept");
    assert!(matches!(item.state, ItemState::Conflict { .. }), "{item:?}");
    assert_eq!(
        page.teams().peek("t1").unwrap().name,
        "Mine",
        "my change still shows"
    );
    (page, item.seq)
}

#[test]
fn a_conflict_resolved_as_keep_mine_resends_over_their_version() {
    let world = World::new();
    let (page, seq) = conflicted(&world);
    block_on(page.persistence.resolve(seq, Resolution::KeepMine));
    page.settle();
    let server = &world.teams.rows()[0];
    assert_eq!((server.name.as_str(), server.version), ("Mine", 3));
    assert!(page.outbox().is_empty());
}

#[test]
fn a_conflict_resolved_as_take_theirs_drops_my_change() {
    let world = World::new();
    let (page, seq) = conflicted(&world);
    block_on(page.persistence.resolve(seq, Resolution::TakeTheirs));
    page.settle();
    assert_eq!(page.teams().peek("t1").unwrap().name, "Theirs");
    assert_eq!(world.teams.rows()[0].version, 2, "nothing sent");
    assert!(page.outbox().is_empty());
}

#[test]
fn a_conflict_merged_field_by_field_sends_the_chosen_fields() {
    let world = World::new();
    let (page, seq) = conflicted(&world);
    block_on(
        page.persistence
            .resolve(seq, Resolution::Merge(serde_json::json!({"name": "Mine"}))),
    );
    page.settle();
    let server = &world.teams.rows()[0];
    assert_eq!(
        (server.name.as_str(), server.description.as_str()),
        ("Mine", "their text")
    );
    assert_eq!(page.teams().peek("t1").unwrap().description, "their text");
}

#[test]
fn a_refused_change_stays_with_its_error_until_retried_or_discarded() {
    let world = World::new();
    let (page, _list) = world.load_teams();
    world.down(true);
    page.rename("t1", "Gone", None, 1);
    world.teams.rows.lock().unwrap().retain(|t| t.id != "t1");
    world.back_online(&page);
    let item = page.outbox().pop().expect("kept");
    assert!(
        matches!(item.state, ItemState::Failed { ref error } if error.contains("gone")),
        "{item:?}"
    );
    block_on(page.persistence.retry(item.seq));
    page.settle();
    assert!(
        matches!(page.outbox()[0].state, ItemState::Failed { .. }),
        "refused again"
    );
    block_on(page.persistence.discard(item.seq));
    page.settle();
    assert!(page.outbox().is_empty());
    assert_eq!(
        page.teams().peek("t1").unwrap().name,
        "Acme",
        "the change is undone"
    );
}

#[test]
fn a_replayed_change_saved_as_a_draft_leaves_the_outbox_and_the_record_shows_the_server() {
    let world = World::new();
    let (page, _list) = world.load_teams();
    world.down(true);
    page.rename("t1", "Needs approval", None, 1);
    assert_eq!(page.teams().peek("t1").unwrap().name, "Needs approval");
    world.server.needs_approval.store(true, Ordering::SeqCst);
    world.back_online(&page);
    assert!(page.outbox().is_empty(), "{:?}", page.outbox());
    assert_eq!(
        page.teams().peek("t1").unwrap().name,
        "Acme",
        "not made yet: the record shows the server's"
    );
    assert_eq!(world.teams.rows()[0].name, "Acme");
}

/// A newer app version's data is left alone (the page runs in memory and says so); an older
/// layout loses its cache but never its outbox.
#[test]
fn a_layout_change_never_deletes_the_outbox() {
    let world = World::new();
    let queued = keys::outbox_item("alice", 1);
    block_on(world.storage.write(vec![
        Write::Put(keys::SCHEMA.into(), (SCHEMA_VERSION + 1).to_string()),
        Write::Put(keys::record("alice", "team", "t9"), "{}".into()),
        Write::Put(queued.clone(), "{}".into()),
    ]))
    .unwrap();
    let page = world.load("alice");
    assert!(matches!(
        page.persistence.status().get_untracked().storage,
        StorageHealth::MemoryOnly(ref why) if why.contains("newer version")
    ));
    assert_eq!(
        world.keys().len(),
        3,
        "nothing of the newer layout was touched"
    );

    block_on(
        world
            .storage
            .write(vec![Write::Put(keys::SCHEMA.into(), "0".into())]),
    )
    .unwrap();
    let _older = world.load("bob");
    assert!(world.keys().contains(&queued), "the outbox item stays");
    assert!(!world.keys().contains(&keys::record("alice", "team", "t9")));
}

#[test]
fn data_of_another_schema_or_unreadable_entries_are_dropped_not_fatal() {
    let world = World::new();
    block_on(world.storage.write(vec![
        Write::Put(keys::SCHEMA.into(), "0".into()),
        Write::Put(keys::record("alice", "team", "old"), "{}".into()),
    ]))
    .unwrap();
    let page = world.load("alice");
    assert!(page.teams().peek("old").is_none());
    assert_eq!(world.keys(), [keys::SCHEMA.to_string()]);

    block_on(world.storage.write(vec![
        Write::Put(keys::record("alice", "team", "bad"), "not json".into()),
        Write::Put(
            keys::record("alice", "team", "ok"),
            serde_json::to_string(&team("ok", "fine", 1)).unwrap(),
        ),
    ]))
    .unwrap();
    let again = world.load("alice");
    assert!(again.teams().peek("ok").is_some());
    assert_eq!(
        again.persistence.status().get_untracked().corrupt_dropped,
        1
    );
    assert!(!world.keys().contains(&keys::record("alice", "team", "bad")));
}

#[test]
fn a_disabled_kind_is_neither_written_nor_kept() {
    let world = World::new();
    let page = world.load("alice");
    page.teams()
        .apply_event(ChangeOp::Created, "a", 1, Some(&raw(&team("a", "a", 1))));
    page.settle();
    assert!(world.keys().contains(&keys::record("alice", "team", "a")));
    block_on(page.persistence.configure(
        "team",
        KindSettings {
            enabled: false,
            ..KindSettings::default()
        },
    ));
    page.teams()
        .apply_event(ChangeOp::Created, "b", 1, Some(&raw(&team("b", "b", 1))));
    page.settle();
    assert!(
        world.keys().iter().all(|k| !k.contains("/r/team/")),
        "{:?}",
        world.keys()
    );
}

#[test]
fn starting_twice_for_the_same_user_shows_queued_changes_once() {
    let world = World::new();
    let (page, _list) = world.load_teams();
    world.down(true);
    page.rename("t1", "Offline", None, 1);
    page.settle();
    let again = block_on(page.persistence.start("alice"));
    assert_eq!(again, HydrateReport::default(), "nothing read twice");
    world.log();
    world.back_online(&page);
    assert_eq!(world.log(), ["PATCH t1"], "sent once");
    assert!(page.outbox().is_empty());
    // Nothing of the change lingers: a later change by someone else shows as it is.
    page.teams().apply_event(
        ChangeOp::Updated,
        "t1",
        3,
        Some(&raw(&team("t1", "Theirs", 3))),
    );
    assert_eq!(page.teams().peek("t1").unwrap().name, "Theirs");
}
