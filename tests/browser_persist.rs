//! Persistence over the browser's real IndexedDB (headless Chromium): the storage's prefix
//! reads, batches and prefix deletes; a broken database recreated rather than fatal; and a
//! "reload" (a second farm on the same database) showing what the first one fetched from the
//! real reference server before fetching anything itself.
#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use data_farm::api::ApiClient;
use data_farm::farm::{DataFarm, DataFarmConfig};
use data_farm::persist::{
    HydrateReport, IdbStorage, PersistConfig, Persistence, Storage, StorageHealth, Write,
};
use data_farm::protocol::Application;
use data_farm::query::ListQuery;
use leptos::prelude::GetUntracked;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const SERVER: &str = match option_env!("DATA_FARM_TEST_SERVER") {
    Some(url) => url,
    None => "http://127.0.0.1:18471",
};

/// A database name no other test uses.
fn fresh(name: &str) -> String {
    format!("test-{name}-{}", js_sys::Date::now())
}

fn put(key: &str, value: &str) -> Write {
    Write::Put(key.to_owned(), value.to_owned())
}

#[wasm_bindgen_test]
async fn storage_reads_by_prefix_writes_batches_and_deletes_by_prefix() {
    let storage = IdbStorage::open(&fresh("storage"))
        .await
        .expect("IndexedDB");
    storage
        .write(vec![
            put("alice/r/team/t1", "1"),
            put("alice/r/team/t2", "2"),
            put("alice/l/team/q", "[]"),
            put("alicia/r/team/t9", "9"),
            put("bob/r/team/t1", "b"),
        ])
        .await
        .expect("one batch");
    let alice = storage.read_prefix("alice/").await.expect("read");
    let keys: Vec<&str> = alice.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["alice/l/team/q", "alice/r/team/t1", "alice/r/team/t2"],
        "in key order, prefix exact"
    );
    storage
        .write(vec![
            put("alice/r/team/t1", "1b"),
            Write::Delete("alice/r/team/t2".into()),
        ])
        .await
        .expect("put and delete together");
    let teams = storage.read_prefix("alice/r/").await.expect("read");
    assert_eq!(teams, vec![("alice/r/team/t1".to_owned(), "1b".to_owned())]);
    storage.delete_prefix("alice/").await.expect("delete");
    assert!(storage
        .read_prefix("alice/")
        .await
        .expect("read")
        .is_empty());
    assert_eq!(
        storage.read_prefix("").await.expect("read").len(),
        2,
        "alicia and bob keep theirs"
    );
}

#[wasm_bindgen_test]
async fn a_database_of_another_layout_is_recreated_not_fatal() {
    let name = fresh("broken");
    // A database at our version but without our object store (another app's, or half made).
    let factory = idb::Factory::new().expect("factory");
    let db = factory
        .open(&name, Some(1))
        .expect("open")
        .await
        .expect("opened");
    db.close();
    let storage = IdbStorage::open(&name).await.expect("recreated");
    storage.write(vec![put("k", "v")]).await.expect("usable");
    assert_eq!(storage.read_prefix("k").await.expect("read").len(), 1);
}

/// A page load: a farm persisting to `database`, started for `user`.
async fn load(database: &str, user: &str) -> (DataFarm, Persistence, HydrateReport) {
    let farm = DataFarmConfig::new(SERVER)
        .builtin_kinds()
        .persist(PersistConfig::new(database))
        .build();
    let persistence = farm.persistence().expect("on");
    let storage = IdbStorage::open(database).await.expect("idb");
    persistence.attach(Arc::new(storage)).await;
    let report = persistence.start(user).await;
    (farm, persistence, report)
}

#[wasm_bindgen_test]
async fn a_second_page_load_shows_what_the_first_fetched_before_fetching() {
    let api = ApiClient::new(SERVER);
    let session = api.login("alice", "alice").await.expect("login");
    let team = session
        .teams
        .iter()
        .find(|t| t.name == "Acme")
        .expect("Acme")
        .id
        .clone();
    let user = session.user.id.clone();
    let database = fresh("reload");
    let query = ListQuery::new().team(&team);

    let (first, persistence, _) = load(&database, &user).await;
    assert_eq!(
        persistence.status().get_untracked().storage,
        StorageHealth::Persistent
    );
    let apps = first.store::<Application>().expect("registered");
    apps.fetch_list(&query).await.expect("fetched");
    let fetched = apps.peek_list(&query);
    assert!(!fetched.is_empty());
    persistence.flush().await;

    let (second, _, report) = load(&database, &user).await;
    assert!(
        report.records >= fetched.len() && report.lists >= 1,
        "{report:?}"
    );
    let apps = second.store::<Application>().expect("registered");
    let view = apps.list_view(&query).get_untracked();
    assert!(view.stale, "shown at once, marked stale");
    assert_eq!(
        apps.peek_list(&query),
        fetched,
        "the same rows, in the same order, before any fetch"
    );

    // Another user of the browser sees none of it.
    let (_third, _, report) = load(&database, "someone-else").await;
    assert_eq!((report.records, report.lists), (0, 0));
    let _ = api.logout().await;
}
