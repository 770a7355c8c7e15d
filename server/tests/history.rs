//! Version history, audit trails, list positions and `ids` lists against a real server.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::TestServer;

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn every_change_is_a_version_with_its_data_and_its_author() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let globex = alice.team("Globex");
    let app = alice.create_app(&globex.id, "ledger").await;
    let id = app["id"].as_str().unwrap().to_owned();
    let renamed = bob
        .patch(
            &format!("/applications/{id}"),
            json!({"name": "ledger-2"}),
            Some(1),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);

    let versions = alice.get(&format!("/applications/{id}/versions")).await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.body);
    assert_eq!(versions.body["total"], 2);
    let items = versions.body["items"].as_array().unwrap();
    assert_eq!(items[0]["version"], 2);
    assert_eq!(items[0]["op"], "updated");
    assert_eq!(items[0]["user_id"], bob.user_id());
    assert_eq!(items[0]["data"]["name"], "ledger-2");
    assert_eq!(items[1]["version"], 1);
    assert_eq!(items[1]["op"], "created");
    assert_eq!(items[1]["user_id"], alice.user_id());
    assert_eq!(items[1]["data"]["name"], "ledger");

    let audit = alice.get(&format!("/applications/{id}/audit")).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    let items = audit.body["items"].as_array().unwrap();
    assert_eq!(items[0]["fields"], json!(["name"]));
    assert_eq!(items[0]["name"], "ledger-2");
    assert_eq!(
        items[1]["fields"],
        json!(["description", "name", "team_id"])
    );

    // Paged like a list, newest first.
    let page = alice
        .get(&format!("/applications/{id}/versions?per_page=1&page=2"))
        .await;
    assert_eq!(page.body["items"][0]["version"], 1);
    assert_eq!(page.body["total"], 2);
}

#[tokio::test]
async fn history_outlives_a_deletion_and_stays_private_to_the_team() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let acme = alice.team("Acme");
    let app = alice.create_app(&acme.id, "secret").await;
    let id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(
        bob.get(&format!("/applications/{id}/versions"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "bob is not in Acme"
    );
    assert_eq!(
        alice.delete(&format!("/applications/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let audit = alice.get(&format!("/applications/{id}/audit")).await;
    assert_eq!(audit.status, StatusCode::OK);
    let items = audit.body["items"].as_array().unwrap();
    assert_eq!(items[0]["op"], "deleted");
    assert_eq!(
        items[0]["name"], "secret",
        "a deletion names what was deleted"
    );
    assert_eq!(items[0]["fields"], json!([]));
    let versions = alice.get(&format!("/applications/{id}/versions")).await;
    assert_eq!(versions.body["items"][0]["data"], Value::Null);
    assert_eq!(
        alice.get("/applications/app_999999/versions").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_status_change_is_audited_as_its_fields_and_the_seed_as_no_ones() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let devices = alice.get("/devices?per_page=1").await;
    let device = devices.body["items"][0].clone();
    let id = device["id"].as_str().unwrap();
    let next = if device["status"] == "online" {
        "error"
    } else {
        "online"
    };
    let changed = alice
        .patch(&format!("/devices/{id}"), json!({"status": next}), None)
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let audit = alice.get(&format!("/devices/{id}/audit")).await;
    let first = &audit.body["items"][0];
    assert_eq!(first["op"], "status");
    assert_eq!(first["user_id"], alice.user_id());
    assert_eq!(first["fields"], json!(["status"]));
    // History begins with what the seed wrote, made by no one.
    let seeded = &audit.body["items"][1];
    assert_eq!(seeded["op"], "created");
    assert_eq!(seeded["version"], 1);
    assert_eq!(seeded["user_id"], Value::Null);
    assert_eq!(audit.body["total"], 2);

    let again = alice
        .patch(
            &format!("/devices/{id}"),
            json!({"name": "renamed device"}),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK);
    let audit = alice.get(&format!("/devices/{id}/audit")).await;
    assert_eq!(audit.body["items"][0]["fields"], json!(["name"]));
}

#[tokio::test]
async fn a_teams_audit_trail_holds_everything_in_it_and_filters_by_kind() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let globex = alice.team("Globex");
    let app = alice.create_app(&globex.id, "billing").await;
    let app_id = app["id"].as_str().unwrap().to_owned();
    let instance = bob
        .post(
            "/instances",
            json!({"name": "billing-1", "application_id": app_id}),
        )
        .await;
    assert_eq!(instance.status, StatusCode::CREATED);

    let trail = alice.get(&format!("/teams/{}/audit", globex.id)).await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.body);
    let items = trail.body["items"].as_array().unwrap();
    assert_eq!(items[0]["kind"], "instance", "newest first");
    assert_eq!(items[0]["user_id"], bob.user_id());
    assert_eq!(items[1]["kind"], "application");
    assert_eq!(items[1]["entity_id"], app_id.as_str());

    let apps = alice
        .get(&format!("/teams/{}/audit?kind=application", globex.id))
        .await;
    assert!(apps.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|entry| entry["kind"] == "application"));
    assert_eq!(
        apps.body["items"][0]["entity_id"],
        app_id.as_str(),
        "newest first"
    );
    assert_eq!(
        apps.body["total"], 3,
        "Globex's two seeded applications and the new one"
    );

    let acme = alice.team("Acme");
    assert_eq!(
        bob.get(&format!("/teams/{}/audit", acme.id)).await.status,
        StatusCode::NOT_FOUND
    );
    let bad = alice
        .get(&format!("/teams/{}/audit?per_page=0&colour=red", globex.id))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = alice
        .get(&format!("/applications/{app_id}/audit?kind=device"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn position_answers_the_page_and_index_of_an_entity_in_a_list() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme");
    let query = format!("team={}&sort=name&order=desc&per_page=7", acme.id);
    let all = alice
        .get(&format!(
            "/devices?team={}&sort=name&order=desc&per_page=100",
            acme.id
        ))
        .await;
    let every = ids(&all.body);
    assert!(every.len() > 10, "the seed has enough devices");
    for (rank, id) in every.iter().enumerate().step_by(3) {
        let position = alice.get(&format!("/devices/{id}/position?{query}")).await;
        assert_eq!(position.status, StatusCode::OK, "{}", position.body);
        assert_eq!(position.body["page"], (rank / 7 + 1) as u64, "{id}");
        assert_eq!(position.body["index"], (rank % 7) as u64, "{id}");
        assert_eq!(position.body["per_page"], 7);
        assert_eq!(position.body["total"], all.body["total"]);
        let page = alice
            .get(&format!("/devices?{query}&page={}", rank / 7 + 1))
            .await;
        assert_eq!(ids(&page.body)[rank % 7], *id, "the page holds it there");
    }
    let missing = alice
        .get(&format!(
            "/devices/{}/position?{query}&q=zzzz-none",
            every[0]
        ))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "not_found");
    let bad = alice
        .get(&format!("/devices/{}/position?sort=colour", every[0]))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_list_of_ids_answers_those_the_user_may_see() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let acme = alice.team("Acme");
    let globex = alice.team("Globex");
    let acme_apps = ids(&alice
        .get(&format!("/applications?team={}", acme.id))
        .await
        .body);
    let globex_apps = ids(&alice
        .get(&format!("/applications?team={}", globex.id))
        .await
        .body);
    let wanted = [
        acme_apps[0].clone(),
        globex_apps[0].clone(),
        "app_999999".into(),
    ];
    let page = alice
        .get(&format!(
            "/applications?ids={}&per_page=100",
            wanted.join(",")
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut got = ids(&page.body);
    got.sort();
    let mut expected = vec![acme_apps[0].clone(), globex_apps[0].clone()];
    expected.sort();
    assert_eq!(got, expected);
    let page = bob
        .get(&format!("/applications?ids={}", wanted.join(",")))
        .await;
    assert_eq!(
        ids(&page.body),
        [globex_apps[0].clone()],
        "bob sees Globex only"
    );
    let too_many = (0..101)
        .map(|i| format!("app_{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let bad = alice.get(&format!("/applications?ids={too_many}")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
