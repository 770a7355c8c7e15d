//! Entity stores in a real browser (headless Chromium) against the real reference server:
//! list fetch, a create that shows in a mounted list with no second request, typed conflicts,
//! exact rollback, request de-duplication, and a fifth kind defined only here.
#![cfg(target_arch = "wasm32")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use data_farm::api::{ApiClient, ApiError, EntityApi, HttpEntityApi};
use data_farm::entity::{Entity, FieldValue};
use data_farm::farm::DataFarmConfig;
use data_farm::protocol::{Application, CreateApplication, ListResponse, PatchNamed};
use data_farm::query::ListQuery;
use data_farm::store::{conflict_current, LoadState};
use futures_util::future::LocalBoxFuture;
use leptos::prelude::GetUntracked;
use serde::{Deserialize, Serialize};
use support::eventually;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = match option_env!("DATA_FARM_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:18471",
};

/// Counts the requests a store makes: an `EntityApi` wrapping the HTTP one.
struct Counting<E: Entity> {
    inner: HttpEntityApi<E>,
    count: Arc<AtomicUsize>,
}

impl<E: Entity> EntityApi<E> for Counting<E> {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.get_one(id)
    }
    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<E>, ApiError>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.get_many(query)
    }
    fn create(&self, body: &E::Create, key: &str) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.create(body, key)
    }
    fn update(
        &self,
        id: &str,
        patch: &E::Patch,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<E, ApiError>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.update(id, patch, if_match)
    }
    fn delete(
        &self,
        id: &str,
        if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(id, if_match)
    }
}

fn counting<E: Entity>(client: &ApiClient) -> (Arc<dyn EntityApi<E>>, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    (
        Arc::new(Counting {
            inner: HttpEntityApi::new(client.clone()),
            count: count.clone(),
        }),
        count,
    )
}

async fn sign_in(user: &str) -> (ApiClient, String) {
    let client = ApiClient::new(SERVER);
    let session = client.login(user, user).await.expect("login");
    let acme = session
        .teams
        .iter()
        .find(|t| t.name == "Acme")
        .map(|t| t.id.clone())
        .unwrap_or_default();
    (client, acme)
}

/// How long a load or a retry may take against the test server.
const WAIT_MS: u32 = 5_000;

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", js_sys::Date::now() as u64)
}

#[wasm_bindgen_test]
async fn a_create_shows_in_a_mounted_list_with_no_second_request() {
    let (client, acme) = sign_in("alice").await;
    let (api, requests) = counting::<Application>(&client);
    let farm = DataFarmConfig::new(SERVER)
        .register_with::<Application>(api, None)
        .build();
    let store = farm.store::<Application>().expect("registered");
    let query = ListQuery::new().team(&acme).per_page(100);
    let list = store.observe_list(query.clone());
    eventually(WAIT_MS, "the list to load", || {
        list.view().get_untracked().state == LoadState::Ready
    })
    .await;
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    let before = list.view().get_untracked().total;

    let name = unique("a-created-app");
    let created = store
        .create(CreateApplication {
            name: name.clone(),
            team_id: acme.clone(),
            description: None,
        })
        .await
        .expect("created");
    let view = list.view().get_untracked();
    assert!(
        view.ids.contains(&created.id),
        "the new application is in the list"
    );
    assert_eq!(view.total, before + 1);
    assert!(
        !view.ids.iter().any(|id| id.starts_with("tmp-")),
        "the draft was replaced"
    );
    // Sorted by name, like the server would.
    let names: Vec<String> = store
        .peek_list(&query)
        .into_iter()
        .map(|a| a.name.to_ascii_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        2,
        "the list fetch and the POST, nothing else"
    );
}

#[wasm_bindgen_test]
async fn two_observers_of_one_query_make_one_request() {
    let (client, acme) = sign_in("alice").await;
    let (api, requests) = counting::<Application>(&client);
    let farm = DataFarmConfig::new(SERVER)
        .register_with::<Application>(api, None)
        .build();
    let store = farm.store::<Application>().expect("registered");
    let query = ListQuery::new().team(&acme);
    let first = store.observe_list(query.clone());
    let second = store.observe_list(query.clone());
    eventually(WAIT_MS, "both to load", || {
        first.view().get_untracked().state == LoadState::Ready
            && second.view().get_untracked().state == LoadState::Ready
    })
    .await;
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    assert_eq!(first.view().get_untracked(), second.view().get_untracked());
}

#[wasm_bindgen_test]
async fn a_conflict_is_a_typed_error_carrying_the_current_entity() {
    let (client, acme) = sign_in("alice").await;
    let farm = DataFarmConfig::new(SERVER).builtin_kinds().build();
    let store = farm.store::<Application>().expect("registered");
    let app: Application = client
        .post(
            "/applications",
            &CreateApplication {
                name: unique("contested"),
                team_id: acme,
                description: None,
            },
        )
        .await
        .expect("created");
    let mine = PatchNamed {
        name: Some("first writer".into()),
        description: None,
    };
    store
        .update(&app.id, mine, Some(1))
        .await
        .expect("first write wins");
    let late = PatchNamed {
        name: Some("second writer".into()),
        description: None,
    };
    let err = store
        .update(&app.id, late, Some(1))
        .await
        .expect_err("stale If-Match");
    assert!(matches!(err, ApiError::Conflict { .. }), "{err:?}");
    let current: Application = conflict_current(&err).expect("current entity");
    assert_eq!(
        (current.name.as_str(), current.version),
        ("first writer", 2)
    );
    assert_eq!(
        store.peek(&app.id).map(|a| a.name),
        Some("first writer".into()),
        "rolled back to theirs"
    );
}

#[wasm_bindgen_test]
async fn a_failed_mutation_rolls_back_exactly() {
    let (_client, acme) = sign_in("alice").await;
    let farm = DataFarmConfig::new(SERVER).builtin_kinds().build();
    let store = farm.store::<Application>().expect("registered");
    let query = ListQuery::new().team(&acme).per_page(100);
    let list = store.observe_list(query.clone());
    eventually(WAIT_MS, "the list to load", || {
        list.view().get_untracked().state == LoadState::Ready
    })
    .await;
    let before = list.view().get_untracked();
    let some_id = before.ids.first().cloned().expect("Acme has applications");
    let original = store.peek(&some_id).expect("loaded");

    let refused = store
        .update(
            &some_id,
            PatchNamed {
                name: Some("   ".into()),
                description: None,
            },
            None,
        )
        .await;
    match refused {
        Err(ApiError::Invalid { fields, .. }) => assert!(fields.contains_key("name")),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(store.peek(&some_id), Some(original));

    let refused = store
        .create(CreateApplication {
            name: String::new(),
            team_id: acme,
            description: None,
        })
        .await;
    assert!(matches!(refused, Err(ApiError::Invalid { .. })));
    assert_eq!(
        list.view().get_untracked().ids,
        before.ids,
        "the draft is gone"
    );
    assert_eq!(list.view().get_untracked().total, before.total);
}

/// A fifth kind, defined only in this test: a trimmed view of devices with its own type. One
/// type plus one registration line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Gadget {
    id: String,
    version: u64,
    name: String,
    team_id: String,
    status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct NewGadget {
    name: String,
    owner: serde_json::Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct GadgetPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl Entity for Gadget {
    const KIND: &'static str = "device";
    const PLURAL: &'static str = "devices";
    type Create = NewGadget;
    type Patch = GadgetPatch;
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
    fn field(&self, field: &str) -> Option<FieldValue<'_>> {
        (field == "status").then_some(FieldValue::Text(&self.status))
    }
    fn patched(&self, patch: &GadgetPatch) -> Self {
        Gadget {
            name: patch.name.clone().unwrap_or_else(|| self.name.clone()),
            ..self.clone()
        }
    }
}

#[wasm_bindgen_test]
async fn a_kind_defined_outside_the_library_works_end_to_end() {
    let (_client, acme) = sign_in("alice").await;
    let farm = DataFarmConfig::new(SERVER).register::<Gadget>().build();
    let store = farm.store::<Gadget>().expect("registered");
    let query = ListQuery::new()
        .team(&acme)
        .filter("status", "online")
        .per_page(10);
    let list = store.observe_list(query.clone());
    eventually(WAIT_MS, "gadgets to load", || {
        list.view().get_untracked().state == LoadState::Ready
    })
    .await;
    let gadgets = store.peek_list(&query);
    assert!(!gadgets.is_empty());
    assert!(gadgets
        .iter()
        .all(|g| g.status == "online" && g.team_id == acme));

    let created = store
        .create(NewGadget {
            name: unique("gadget"),
            owner: serde_json::json!({"type": "team", "id": acme}),
        })
        .await
        .expect("created");
    let renamed = store
        .update(
            &created.id,
            GadgetPatch {
                name: Some(unique("gadget-renamed")),
            },
            None,
        )
        .await
        .expect("renamed");
    assert_eq!(renamed.version, 2);
    store.delete(&created.id, Some(2)).await.expect("deleted");
    assert!(store.peek(&created.id).is_none());
}

#[wasm_bindgen_test]
async fn bob_sees_none_of_acme_through_the_store() {
    let (client, _) = sign_in("alice").await;
    let acme: Vec<data_farm::protocol::Team> = client
        .get::<ListResponse<data_farm::protocol::Team>>("/teams")
        .await
        .expect("teams")
        .items
        .into_iter()
        .filter(|t| t.name == "Acme")
        .collect();
    let acme_id = acme[0].id.clone();
    let (_, _) = sign_in("bob").await;
    let farm = DataFarmConfig::new(SERVER).builtin_kinds().build();
    let store = farm.store::<Application>().expect("registered");
    let list = store.observe_list(ListQuery::new().team(&acme_id));
    eventually(WAIT_MS, "the list to load", || {
        list.view().get_untracked().state == LoadState::Ready
    })
    .await;
    assert_eq!(list.view().get_untracked().total, 0);
    let teams = farm
        .store::<data_farm::protocol::Team>()
        .expect("registered");
    let detail = teams.fetch_one(&acme_id).await;
    assert!(
        matches!(detail, Ok(None)),
        "not found looks like absent: {detail:?}"
    );
}

/// An API whose list endpoint accepts the request and never answers (the test server's
/// `/test/hang`).
struct Hanging {
    client: ApiClient,
}

impl EntityApi<Application> for Hanging {
    fn get_one(&self, _id: &str) -> LocalBoxFuture<'static, Result<Application, ApiError>> {
        let client = self.client.clone();
        Box::pin(async move { client.get("/test/hang").await })
    }
    fn get_many(
        &self,
        _query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Application>, ApiError>> {
        let client = self.client.clone();
        Box::pin(async move { client.get("/test/hang").await })
    }
    fn create(
        &self,
        _body: &CreateApplication,
        _key: &str,
    ) -> LocalBoxFuture<'static, Result<Application, ApiError>> {
        let client = self.client.clone();
        Box::pin(async move { client.get("/test/hang").await })
    }
    fn update(
        &self,
        _id: &str,
        _patch: &PatchNamed,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Application, ApiError>> {
        let client = self.client.clone();
        Box::pin(async move { client.get("/test/hang").await })
    }
    fn delete(
        &self,
        _id: &str,
        _if_match: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        let client = self.client.clone();
        Box::pin(async move {
            client
                .get::<serde_json::Value>("/test/hang")
                .await
                .map(|_| ())
        })
    }
}

#[wasm_bindgen_test]
async fn a_server_that_never_answers_ends_the_query_in_a_timeout_not_loading() {
    let client = ApiClient::new(SERVER).timeout(300);
    let farm = DataFarmConfig::new(SERVER)
        .register_with::<Application>(Arc::new(Hanging { client }), None)
        .build();
    let store = farm.store::<Application>().expect("registered");
    let list = store.observe_list(ListQuery::new());
    gloo_timers::future::TimeoutFuture::new(100).await;
    assert_eq!(list.view().get_untracked().state, LoadState::Loading);
    // One timeout, a jittered retry (at most 1 s), a second timeout.
    eventually(WAIT_MS, "the query to give up", || {
        matches!(list.view().get_untracked().state, LoadState::Error(_))
    })
    .await;
    assert_eq!(
        list.view().get_untracked().state,
        LoadState::Error(ApiError::Timeout { after_ms: 300 })
    );
}
