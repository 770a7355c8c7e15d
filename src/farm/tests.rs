//! The farm natively: registration, rules between kinds, two farms side by side, persistence.

use std::sync::Mutex as StdMutex;

use data_farm_protocol::{Draft, DraftStatus, ListResponse, Team};
use futures_util::future::LocalBoxFuture;
use leptos::prelude::GetUntracked;
use serde::{Deserialize, Serialize};

use super::*;
use crate::api::EntityApi;
use crate::cache::ManualEnvironment;
use crate::change::{Origin, Scope};
use crate::entity::FieldValue;
use crate::query::{DraftsMode, ListQuery};

/// A fifth kind, defined only in this test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ticket {
    id: String,
    version: u64,
    name: String,
    team_id: String,
}

impl Entity for Ticket {
    const KIND: &'static str = "ticket";
    const PLURAL: &'static str = "tickets";
    type Create = String;
    type Patch = String;
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn team_id(&self) -> Option<&str> {
        Some(&self.team_id)
    }
    fn field(&self, _field: &str) -> Option<FieldValue<'_>> {
        None
    }
    fn patched(&self, name: &String) -> Self {
        Ticket {
            name: name.clone(),
            ..self.clone()
        }
    }
    fn draft(name: &String, id: &str) -> Option<Self> {
        Some(Ticket {
            id: id.into(),
            version: 0,
            name: name.clone(),
            team_id: "t1".into(),
        })
    }
}

#[derive(Default)]
struct Memory {
    tickets: StdMutex<Vec<Ticket>>,
    requests: StdMutex<Vec<String>>,
    /// Open drafts of tickets, answered to lists that ask for drafts.
    drafts: StdMutex<Vec<data_farm_protocol::Draft>>,
}

impl EntityApi<Ticket> for Memory {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<Ticket, ApiError>> {
        self.requests.lock().unwrap().push(format!("GET {id}"));
        let found = self
            .tickets
            .lock()
            .unwrap()
            .iter()
            .find(|t| t.id == id)
            .cloned();
        Box::pin(async move {
            found.ok_or(ApiError::NotFound {
                message: "ticket not found".into(),
            })
        })
    }
    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Ticket>, ApiError>> {
        self.requests.lock().unwrap().push("LIST".into());
        let drafts = match query.drafts {
            DraftsMode::Off => Vec::new(),
            _ => self.drafts.lock().unwrap().clone(),
        };
        let drafted = |t: &Ticket| drafts.iter().any(|d| d.entity_id.as_ref() == Some(&t.id));
        let items: Vec<Ticket> = self
            .tickets
            .lock()
            .unwrap()
            .iter()
            .filter(|t| query.matches(*t))
            .filter(|t| query.drafts != DraftsMode::Only || drafted(t))
            .cloned()
            .collect();
        Box::pin(async move {
            Ok(ListResponse {
                total: items.len() as u64,
                items,
                drafts: data_farm_protocol::RawDrafts::of(&drafts).expect("drafts encode"),
            })
        })
    }
    fn create(
        &self,
        name: &String,
        _key: &str,
    ) -> LocalBoxFuture<'static, Result<Ticket, ApiError>> {
        self.requests.lock().unwrap().push("POST".into());
        let mut tickets = self.tickets.lock().unwrap();
        let ticket = Ticket {
            id: format!("tk{}", tickets.len() + 1),
            version: 1,
            name: name.clone(),
            team_id: "t1".into(),
        };
        tickets.push(ticket.clone());
        Box::pin(async move { Ok(ticket) })
    }
    fn update(
        &self,
        _id: &str,
        _patch: &String,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Ticket, ApiError>> {
        Box::pin(async {
            Err(ApiError::Forbidden {
                message: "read-only".into(),
            })
        })
    }
    fn delete(
        &self,
        _id: &str,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        Box::pin(async {
            Err(ApiError::Forbidden {
                message: "read-only".into(),
            })
        })
    }
}

#[test]
fn a_kind_defined_outside_the_library_is_one_type_and_one_registration() {
    let env = ManualEnvironment::new();
    let api = Arc::new(Memory::default());
    let farm = DataFarmConfig::new("")
        .environment(Arc::new(env.clone()))
        .register_with::<Ticket>(api.clone(), None)
        .build();
    assert_eq!(farm.kinds(), ["ticket"]);
    let store = farm.store::<Ticket>().expect("registered");
    let list = store.observe_list(ListQuery::new().team("t1"));
    env.run_until_idle();
    futures_executor::block_on(store.create("first".into())).expect("created");
    assert_eq!(list.view().get_untracked().ids, ["tk1"]);
    assert_eq!(*api.requests.lock().unwrap(), ["LIST", "POST"]);
    assert!(
        farm.store::<data_farm_protocol::Device>().is_none(),
        "only what was registered"
    );
}

#[test]
fn rules_turn_one_kinds_changes_into_another_kinds_staleness() {
    let env = ManualEnvironment::new();
    let api = Arc::new(Memory::default());
    let farm = DataFarmConfig::new("")
        .environment(Arc::new(env.clone()))
        .register_with::<Ticket>(api.clone(), None)
        .rule(
            InvalidationRule::when("device")
                .ops(&[ChangeOp::Created])
                .invalidate("ticket", Scope::SameTeam),
        )
        .build();
    let store = farm.store::<Ticket>().expect("registered");
    let _t1 = store.observe_list(ListQuery::new().team("t1"));
    let _t2 = store.observe_list(ListQuery::new().team("t2"));
    env.run_until_idle();
    assert_eq!(api.requests.lock().unwrap().len(), 2);
    let change = |op| Change {
        kind: "device",
        op,
        id: "d1".into(),
        team_id: Some("t1".into()),
        origin: Origin::Remote,
    };
    farm.changes().emit(&change(ChangeOp::Updated));
    env.run_until_idle();
    assert_eq!(
        api.requests.lock().unwrap().len(),
        2,
        "the rule is for creates only"
    );
    farm.changes().emit(&change(ChangeOp::Created));
    env.run_until_idle();
    assert_eq!(
        api.requests.lock().unwrap().len(),
        3,
        "only team t1's list refetched"
    );
}

#[test]
fn two_farms_share_nothing() {
    let one = DataFarmConfig::new("").builtin_kinds().build();
    let two = DataFarmConfig::new("").builtin_kinds().build();
    let a = one.store::<Team>().expect("registered");
    let b = two.store::<Team>().expect("registered");
    let team = Team {
        id: "t".into(),
        version: 1,
        updated_at: String::new(),
        name: "x".into(),
        description: String::new(),
    };
    let raw = serde_json::value::to_raw_value(&team).unwrap();
    a.apply_event(ChangeOp::Created, "t", 1, Some(&raw));
    assert!(a.peek("t").is_some());
    assert!(b.peek("t").is_none());
}

#[test]
fn a_store_is_a_copy_handle_that_outlives_its_farm_as_an_empty_store() {
    let farm = DataFarmConfig::new("").builtin_kinds().build();
    let teams = farm.store::<Team>().expect("registered");
    let copy = teams;
    teams.put_one(Team {
        id: "t".into(),
        version: 1,
        updated_at: String::new(),
        name: "Acme".into(),
        description: String::new(),
    });
    assert_eq!(copy.peek("t").map(|t| t.name), Some("Acme".into()));
    let clone = farm.clone();
    drop(farm);
    assert!(
        copy.peek("t").is_some(),
        "a clone of the farm keeps its stores"
    );
    drop(clone);
    assert!(teams.peek("t").is_none());
    assert!(teams.peek_list(&ListQuery::new()).is_empty());
    // Its requests fail, typed: a list cannot be fetched, an entity is absent.
    let listed = futures_executor::block_on(teams.fetch_list(&ListQuery::new()));
    assert!(
        matches!(listed, Err(ApiError::NotFound { .. })),
        "{listed:?}"
    );
    assert_eq!(futures_executor::block_on(teams.fetch_one("t")), Ok(None));
    // A later farm's store never answers through the old handle.
    let later = DataFarmConfig::new("").register::<Team>().build();
    later.store::<Team>().expect("registered").put_one(Team {
        id: "t".into(),
        version: 1,
        updated_at: String::new(),
        name: "Later".into(),
        description: String::new(),
    });
    assert!(teams.peek("t").is_none());
}

fn ticket_draft(id: &str, entity: Option<&str>, status: DraftStatus, version: u64) -> Draft {
    super::drafts::draft_for_tests(id, "ticket", entity, status, version)
}

#[test]
fn drafts_answered_beside_a_list_are_found_by_entity_and_their_events_refetch_drafts_only_lists() {
    let env = ManualEnvironment::new();
    let api = Arc::new(Memory::default());
    let ticket = |id: &str, name: &str| Ticket {
        id: id.into(),
        version: 1,
        name: name.into(),
        team_id: "t1".into(),
    };
    *api.tickets.lock().unwrap() = vec![ticket("tk1", "a"), ticket("tk2", "b")];
    let change = ticket_draft("draft_1", Some("tk1"), DraftStatus::UnderReview, 1);
    let create = ticket_draft("draft_2", None, DraftStatus::Draft, 2);
    *api.drafts.lock().unwrap() = vec![change.clone(), create.clone()];
    let farm = DataFarmConfig::new("")
        .environment(Arc::new(env.clone()))
        .register_with::<Ticket>(api.clone(), None)
        .drafts()
        .build();
    let store = farm.store::<Ticket>().expect("registered");
    assert_eq!(farm.draft_of("ticket", "tk1"), None, "nothing known yet");

    let all = store.observe_list(ListQuery::new().team("t1").drafts(DraftsMode::Include));
    let drafted = store.observe_list(ListQuery::new().team("t1").drafts(DraftsMode::Only));
    env.run_until_idle();
    assert_eq!(all.view().get_untracked().ids, ["tk1", "tk2"]);
    assert_eq!(drafted.view().get_untracked().ids, ["tk1"]);
    assert_eq!(farm.draft_of("ticket", "tk1"), Some(change.clone()));
    assert_eq!(farm.draft_of("ticket", "tk2"), None);
    assert_eq!(
        farm.drafted_creates("ticket", Some("t1")),
        std::slice::from_ref(&create)
    );
    assert!(farm.drafted_creates("ticket", Some("t2")).is_empty());
    let drafts = farm.store::<Draft>().expect("registered");
    assert_eq!(
        drafts.peek("draft_1"),
        Some(change.clone()),
        "in the Draft store"
    );
    let lists = api.requests.lock().unwrap().len();

    // A rename of a ticket the drafts-only page (which holds the whole list) does not show
    // cannot bring it in: nothing refetches.
    let renamed = serde_json::value::to_raw_value(&Ticket {
        version: 2,
        ..ticket("tk2", "c")
    })
    .unwrap();
    store.apply_event(ChangeOp::Updated, "tk2", 2, Some(&renamed));
    env.run_until_idle();
    assert_eq!(drafted.view().get_untracked().ids, ["tk1"]);
    assert_eq!(api.requests.lock().unwrap().len(), lists);

    // The draft takes effect: it leaves the index, and the drafts-only list (only) refetches.
    let effective = ticket_draft("draft_1", Some("tk1"), DraftStatus::Effective, 3);
    api.drafts.lock().unwrap().retain(|d| d.id != "draft_1");
    let raw = serde_json::value::to_raw_value(&effective).unwrap();
    drafts.apply_event(ChangeOp::Updated, "draft_1", 3, Some(&raw));
    assert_eq!(farm.draft_of("ticket", "tk1"), None);
    env.run_until_idle();
    assert_eq!(api.requests.lock().unwrap().len(), lists + 1);
    assert!(drafted.view().get_untracked().ids.is_empty());
    assert_eq!(all.view().get_untracked().ids, ["tk1", "tk2"]);
}
