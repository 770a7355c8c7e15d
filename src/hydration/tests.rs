//! A server render's snapshot, carried to a browser's farm: what is fresh goes, what is
//! optimistic or stale stays behind, and the browser fetches nothing it was given.

use std::sync::{Arc, Mutex};

use data_farm_protocol::{CreateTeam, ListResponse, PatchNamed, Team};
use futures_util::future::LocalBoxFuture;

use super::*;
use crate::api::{ApiError, EntityApi};
use crate::cache::ManualEnvironment;
use crate::farm::DataFarmConfig;
use crate::query::DraftsMode;

fn team(id: &str, version: u64, name: &str) -> Team {
    Team {
        id: id.into(),
        version,
        updated_at: "2026-01-01T00:00:00Z".into(),
        name: name.into(),
        description: String::new(),
    }
}

/// A backend that counts requests and never answers them (a fetch would show as a request).
#[derive(Default)]
struct Counting {
    requests: Mutex<Vec<String>>,
}

impl Counting {
    fn pending<T: 'static>(&self, what: String) -> LocalBoxFuture<'static, Result<T, ApiError>> {
        self.requests.lock().unwrap().push(what);
        Box::pin(std::future::pending())
    }
}

impl EntityApi<Team> for Counting {
    fn get_one(&self, id: &str) -> LocalBoxFuture<'static, Result<Team, ApiError>> {
        self.pending(format!("GET {id}"))
    }
    fn get_many(
        &self,
        query: &ListQuery,
    ) -> LocalBoxFuture<'static, Result<ListResponse<Team>, ApiError>> {
        self.pending(format!("LIST {}", query.to_query_string()))
    }
    fn create(&self, _: &CreateTeam, _: &str) -> LocalBoxFuture<'static, Result<Team, ApiError>> {
        self.pending("POST".into())
    }
    fn update(
        &self,
        id: &str,
        _: &PatchNamed,
        _: Option<u64>,
    ) -> LocalBoxFuture<'static, Result<Team, ApiError>> {
        self.pending(format!("PATCH {id}"))
    }
    fn delete(&self, id: &str, _: Option<u64>) -> LocalBoxFuture<'static, Result<(), ApiError>> {
        self.pending(format!("DELETE {id}"))
    }
}

fn farm_in(api: &Arc<Counting>, env: &Arc<ManualEnvironment>) -> DataFarm {
    DataFarmConfig::new("")
        .environment(Arc::clone(env) as Arc<dyn crate::cache::Environment>)
        .register_with::<Team>(Arc::clone(api) as Arc<dyn EntityApi<Team>>, None)
        .build()
}

fn farm(api: &Arc<Counting>) -> DataFarm {
    farm_in(api, &Arc::new(ManualEnvironment::new()))
}

#[test]
fn a_hydrated_farm_shows_the_servers_pages_and_fetches_none_of_them() {
    let server_api = Arc::new(Counting::default());
    let server = farm(&server_api);
    let teams = server.store::<Team>().unwrap();
    let all = ListQuery::new();
    let named = ListQuery::new().search("ac");
    teams.put_list(
        &all,
        ListResponse::new(vec![team("t1", 3, "Acme"), team("t2", 1, "Globex")], 2),
    );
    teams.put_list(&named, ListResponse::new(vec![team("t1", 3, "Acme")], 1));
    teams.put_one(team("t3", 7, "Initech"));
    let positions = Positions::from_iter([("team:t1".to_owned(), 41), ("user:u1".to_owned(), 2)]);
    let text = server.dehydrate(positions.clone()).to_script_json();

    let browser_api = Arc::new(Counting::default());
    let env = Arc::new(ManualEnvironment::new());
    let browser = farm_in(&browser_api, &env);
    let snapshot = FarmSnapshot::from_json(&text).expect("reads back");
    assert_eq!(snapshot.positions, positions);
    let report = browser.hydrate(&snapshot);
    assert_eq!(
        report,
        Hydrated {
            lists: 2,
            records: 1,
            refused: Vec::new()
        }
    );
    let store = browser.store::<Team>().unwrap();
    let names = |query: &ListQuery| -> Vec<String> {
        store.peek_list(query).into_iter().map(|t| t.name).collect()
    };
    // The server placed the detail it fetched in the complete list; so does the snapshot.
    assert_eq!(names(&all), ["Acme", "Globex", "Initech"]);
    assert_eq!(store.peek_list(&all), teams.peek_list(&all));
    assert_eq!(names(&named), ["Acme"]);
    assert_eq!(store.peek("t3").map(|t| t.version), Some(7));
    // Observing what was hydrated asks the server nothing: it is fresh.
    let _lists = (store.observe_list(all), store.observe_list(named));
    let _detail = store.observe_entity("t3");
    env.run_until_idle();
    assert!(
        browser_api.requests.lock().unwrap().is_empty(),
        "{:?}",
        browser_api.requests.lock().unwrap()
    );
    // A query the server never fetched fetches as usual.
    let _other = store.observe_list(ListQuery::new().search("zz"));
    env.run_until_idle();
    assert_eq!(browser_api.requests.lock().unwrap().len(), 1);
}

#[test]
fn only_the_servers_fresh_state_is_carried() {
    let api = Arc::new(Counting::default());
    let server = farm(&api);
    let teams = server.store::<Team>().unwrap();
    let stale = ListQuery::new().search("old");
    teams.put_list(&stale, ListResponse::new(vec![team("t1", 1, "Acme")], 1));
    teams.invalidate_all();
    let drafts = ListQuery::new().drafts(DraftsMode::Include);
    teams.put_list(&drafts, ListResponse::new(vec![team("t2", 1, "Globex")], 1));
    let snapshot = server.dehydrate(Positions::new());
    assert!(
        snapshot.kinds.is_empty(),
        "a stale page and a drafts page are not the server's to hand on: {snapshot:?}"
    );

    // An optimistic rename (its request never answers) is this client's, not the server's.
    let fresh = ListQuery::new();
    teams.put_list(&fresh, ListResponse::new(vec![team("t3", 1, "Initech")], 1));
    let rename = teams.update(
        "t3",
        PatchNamed {
            name: Some("Mine".into()),
            description: None,
        },
        Some(1),
    );
    let mut rename = Box::pin(rename);
    let waker = futures_util::task::noop_waker();
    let _ = std::future::Future::poll(rename.as_mut(), &mut std::task::Context::from_waker(&waker));
    assert!(server.dehydrate(Positions::new()).kinds.is_empty());
}

#[test]
fn what_cannot_be_read_is_refused_and_the_rest_installed() {
    let api = Arc::new(Counting::default());
    let browser = farm(&api);
    let query = |q: &ListQuery| serde_json::to_string(q).unwrap();
    let text = format!(
        r#"{{"positions":{{}},"kinds":[
        {{"kind":"gadget","lists":[],"records":[{{"id":"g1"}}]}},
        {{"kind":"team","lists":[
            {{"query":{},"page":{{"items":[{{"id":"t1"}}],"total":1}}}},
            {{"query":{},"page":{{"items":[],"total":0}}}}
        ],"records":[{{"id":"t9","version":2,"updated_at":"x","name":"Nine","description":""}}]}}
    ]}}"#,
        query(&ListQuery::new()),
        query(&ListQuery::new().search("a")),
    );
    let snapshot = FarmSnapshot::from_json(&text).expect("well-formed JSON");
    let report = browser.hydrate(&snapshot);
    assert_eq!((report.lists, report.records), (1, 1));
    assert_eq!(report.refused.len(), 2, "{:?}", report.refused);
    assert!(report.refused[0].contains("gadget"));
    assert!(report.refused[1].contains("team page"));
    assert_eq!(
        browser.store::<Team>().unwrap().peek("t9").unwrap().name,
        "Nine"
    );
    assert!(FarmSnapshot::from_json("<html>").is_err());
}
