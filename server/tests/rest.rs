//! REST conformance against a real server: sessions, CRUD, validation, lists, access control,
//! optimistic concurrency and the error envelope.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{raw, Client, TestServer};

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_me_knows_the_user() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    assert_eq!(alice.session.user.username, "alice");
    let mut names: Vec<_> = alice.session.teams.iter().map(|t| t.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["Acme", "Globex"]);

    let me = alice.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["user"]["username"], "alice");
    assert_eq!(me.body["team_ids"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn wrong_password_and_missing_session_are_unauthorized() {
    let server = TestServer::start().await;
    let http = reqwest::Client::new();
    let reply = raw(
        &http,
        http.post(format!("{}/api/v1/session", server.url()))
            .json(&json!({"username":"alice","password":"nope"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "unauthorized");

    let reply = raw(&http, http.get(format!("{}/api/v1/devices", server.url()))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.code(), "unauthorized");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let reply = alice.delete("/session").await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let cleared = reply.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_eq!(alice.get("/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_survive_a_server_restart() {
    let mut server = TestServer::start().await;
    let alice = server.login("alice").await;
    server.restart().await;
    let again = Client {
        base: server.url(),
        ..alice
    };
    assert_eq!(again.get("/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn crud_round_trip_for_every_kind() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme");

    // team
    let team = alice
        .post(
            "/teams",
            json!({"name": "Initech", "description": "TPS reports"}),
        )
        .await;
    assert_eq!(team.status, StatusCode::CREATED);
    assert_eq!(team.body["version"], 1);
    let team_id = team.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        alice.get(&format!("/teams/{team_id}")).await.body["name"],
        "Initech"
    );

    // application
    let app = alice.create_app(&acme.id, "Payroll").await;
    let app_id = app["id"].as_str().unwrap();
    assert_eq!(app["team_id"], acme.id);

    // instance: team comes from the application, status defaults to stopped
    let inst = alice
        .post(
            "/instances",
            json!({"name": "payroll-1", "application_id": app_id}),
        )
        .await;
    assert_eq!(inst.status, StatusCode::CREATED, "{}", inst.body);
    assert_eq!(inst.body["team_id"], acme.id);
    assert_eq!(inst.body["status"], "stopped");
    let inst_id = inst.body["id"].as_str().unwrap().to_owned();

    // device owned by the instance
    let dev = alice
        .post(
            "/devices",
            json!({"name": "pump", "owner": {"type": "instance", "id": inst_id}}),
        )
        .await;
    assert_eq!(dev.status, StatusCode::CREATED, "{}", dev.body);
    assert_eq!(dev.body["team_id"], acme.id);
    assert_eq!(dev.body["status"], "offline");
    let dev_id = dev.body["id"].as_str().unwrap().to_owned();

    // update bumps the version and answers with an ETag
    let renamed = alice
        .patch(
            &format!("/devices/{dev_id}"),
            json!({"name": "pump-2"}),
            Some(1),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["version"], 2);
    assert_eq!(renamed.headers.get("etag").unwrap(), "\"2\"");

    // deleting the instance moves its device to the team
    assert_eq!(
        alice.delete(&format!("/instances/{inst_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let moved = alice.get(&format!("/devices/{dev_id}")).await;
    assert_eq!(moved.body["owner"], json!({"type": "team", "id": acme.id}));
    assert_eq!(moved.body["version"], 3);

    assert_eq!(
        alice.delete(&format!("/devices/{dev_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        alice.get(&format!("/devices/{dev_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice
            .delete(&format!("/applications/{app_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        alice.delete(&format!("/teams/{team_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        alice.get(&format!("/teams/{team_id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_application_with_instances_cannot_be_deleted() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let app = alice.create_app(&alice.team("Acme").id, "Busy").await;
    let app_id = app["id"].as_str().unwrap();
    alice
        .post(
            "/instances",
            json!({"name": "busy-1", "application_id": app_id}),
        )
        .await;
    let reply = alice.delete(&format!("/applications/{app_id}")).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.code(), "conflict");
}

#[tokio::test]
async fn validation_names_every_bad_field() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let reply = alice
        .post(
            "/applications",
            json!({"name": "   ", "team_id": "team_999"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.code(), "invalid");
    let fields = reply.error().error.fields;
    assert!(fields.contains_key("name"), "{fields:?}");
    assert!(fields.contains_key("team_id"), "{fields:?}");

    let long = "x".repeat(101);
    let reply = alice.post("/teams", json!({"name": long})).await;
    assert_eq!(
        reply.error().error.fields["name"],
        "must be at most 100 characters"
    );

    let reply = alice
        .post("/devices", json!({"name": "d", "owner": {"type": "team", "id": alice.team("Acme").id}, "status": "melting"}))
        .await;
    assert!(
        reply.error().error.fields.contains_key("status"),
        "{}",
        reply.body
    );

    let acme = alice.team("Acme").id;
    let globex = alice.team("Globex").id;
    let reply = alice
        .post(
            "/devices",
            json!({"name": "d", "owner": {"type": "team", "id": acme}, "team_id": globex}),
        )
        .await;
    assert!(
        reply.error().error.fields.contains_key("team_id"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn malformed_bodies_get_the_error_envelope() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;

    let syntax = alice
        .send(
            alice
                .request(Method::POST, "/teams")
                .header("content-type", "application/json")
                .body("{nope"),
        )
        .await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert_eq!(syntax.code(), "invalid");

    let missing = alice
        .post("/teams", json!({"description": "no name"}))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.code(), "invalid");
    assert_eq!(missing.body["error"]["fields"]["name"], "is required");
    let message = missing.body["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        !message.contains("deserialize") && !message.contains("line 1"),
        "the server's own words: {message}"
    );

    let unknown_field = alice
        .post("/teams", json!({"name": "x", "owner": "me"}))
        .await;
    assert_eq!(unknown_field.code(), "invalid");
    assert_eq!(
        unknown_field.body["error"]["fields"]["owner"],
        "is not a known field"
    );

    let wrong_type = alice
        .post("/applications", json!({"name": 7, "team_id": "team_1"}))
        .await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong_type.body["error"]["fields"]["name"],
        "must be a string"
    );

    let not_json = alice
        .send(alice.request(Method::POST, "/teams").body("name=x"))
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(not_json.code(), "invalid");

    let huge = json!({"name": "x", "description": "y".repeat(100_000)});
    let too_large = alice.post("/teams", huge).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.code(), "too_large");

    let nowhere = alice.get("/widgets").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert_eq!(nowhere.code(), "not_found");

    let bad_if_match = alice
        .send(
            alice
                .request(Method::DELETE, "/devices/dev_1")
                .header("if-match", "*"),
        )
        .await;
    assert_eq!(bad_if_match.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let forged = alice
        .send(
            alice
                .request(Method::POST, "/teams")
                .header("origin", "https://evil.example")
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.code(), "forbidden");
    // An action without a body still needs the JSON content type.
    let form_like = alice
        .send(
            alice
                .request(Method::POST, "/teams")
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(form_like.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn lists_page_search_sort_and_filter_like_the_protocol_says() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let team = alice.post("/teams", json!({"name": "Listing"})).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (name, status) in [
        ("beta", "online"),
        ("Alpha", "offline"),
        ("gamma", "online"),
        ("alpha", "error"),
        ("Delta", "online"),
    ] {
        let reply = alice
            .post(
                "/devices",
                json!({"name": name, "owner": {"type": "team", "id": team}, "status": status}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    let names = |reply: &support::Reply| -> Vec<String> {
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect()
    };

    // default: name ascending, case-insensitive, ties by id
    let all = alice.get(&format!("/devices?team={team}")).await;
    assert_eq!(all.body["total"], 5);
    assert_eq!(names(&all), ["Alpha", "alpha", "beta", "Delta", "gamma"]);

    let desc = alice.get(&format!("/devices?team={team}&order=desc")).await;
    assert_eq!(names(&desc), ["gamma", "Delta", "beta", "alpha", "Alpha"]);

    let page2 = alice
        .get(&format!("/devices?team={team}&per_page=2&page=2"))
        .await;
    assert_eq!(page2.body["total"], 5);
    assert_eq!(names(&page2), ["beta", "Delta"]);

    let search = alice.get(&format!("/devices?team={team}&q=ALP")).await;
    assert_eq!(names(&search), ["Alpha", "alpha"]);
    assert_eq!(search.body["total"], 2);

    let online = alice
        .get(&format!("/devices?team={team}&status=online&sort=name"))
        .await;
    assert_eq!(names(&online), ["beta", "Delta", "gamma"]);

    let by_status = alice
        .get(&format!("/devices?team={team}&sort=status"))
        .await;
    assert_eq!(by_status.body["items"][0]["status"], "error");

    let bad = alice
        .get(&format!("/devices?team={team}&per_page=500&sort=password"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let fields = bad.error().error.fields;
    assert!(
        fields.contains_key("per_page") && fields.contains_key("sort"),
        "{fields:?}"
    );

    let many = alice.get("/devices?per_page=100").await.body["total"]
        .as_u64()
        .unwrap();
    let default_page = alice.get("/devices").await;
    assert_eq!(
        default_page.body["items"].as_array().unwrap().len() as u64,
        many.min(25)
    );
}

#[tokio::test]
async fn filters_by_polymorphic_owner() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let app = alice.create_app(&acme, "Owner test").await;
    let app_id = app["id"].as_str().unwrap();
    for name in ["owned-1", "owned-2"] {
        alice
            .post(
                "/devices",
                json!({"name": name, "owner": {"type": "application", "id": app_id}}),
            )
            .await;
    }
    let owned = alice
        .get(&format!(
            "/devices?owner_type=application&owner_id={app_id}"
        ))
        .await;
    assert_eq!(owned.body["total"], 2);
    assert!(owned.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["owner"]["id"] == app_id));
}

#[tokio::test]
async fn members_see_only_their_teams_and_others_get_404() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let eve = server.login("eve").await;
    let acme = alice.team("Acme").id;

    let acme_device = alice
        .get(&format!("/devices?team={acme}&per_page=1"))
        .await
        .body["items"][0]
        .clone();
    let device_id = acme_device["id"].as_str().unwrap();

    // bob: Globex only
    let bob_teams: Vec<Value> = bob.get("/teams").await.body["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(bob_teams.len(), 1);
    assert_eq!(bob_teams[0]["name"], "Globex");
    assert_eq!(
        bob.get(&format!("/teams/{acme}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get(&format!("/devices/{device_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get(&format!("/devices?team={acme}")).await.body["total"],
        0
    );
    let all_bob = bob.get("/devices?per_page=100").await;
    assert!(all_bob.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["team_id"] != acme));
    assert_eq!(
        bob.patch(
            &format!("/devices/{device_id}"),
            json!({"name": "mine"}),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.delete(&format!("/devices/{device_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let sneaky = bob
        .post("/applications", json!({"name": "x", "team_id": acme}))
        .await;
    assert_eq!(sneaky.code(), "invalid");

    // eve: nothing at all
    for kind in ["teams", "applications", "instances", "devices"] {
        assert_eq!(
            eve.get(&format!("/{kind}")).await.body["total"],
            0,
            "{kind}"
        );
    }
    assert_eq!(
        eve.get(&format!("/teams/{acme}/members")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn if_match_conflict_returns_the_current_entity() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let app = alice.create_app(&alice.team("Acme").id, "Versioned").await;
    let path = format!("/applications/{}", app["id"].as_str().unwrap());
    assert_eq!(
        alice
            .patch(&path, json!({"name": "v2"}), Some(1))
            .await
            .status,
        StatusCode::OK
    );
    let stale = alice
        .patch(&path, json!({"name": "v2-from-stale"}), Some(1))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "conflict");
    assert_eq!(stale.body["current"]["name"], "v2");
    assert_eq!(stale.body["current"]["version"], 2);
    // A quoted ETag works as well.
    let quoted = alice
        .send(
            alice
                .request(Method::PATCH, &path)
                .header("if-match", "\"2\"")
                .json(&json!({"name": "v3"})),
        )
        .await;
    assert_eq!(quoted.status, StatusCode::OK);
    // And a stale delete is refused too.
    let stale_delete = alice
        .send(alice.request(Method::DELETE, &path).header("if-match", "1"))
        .await;
    assert_eq!(stale_delete.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn concurrent_patches_with_the_same_if_match_have_exactly_one_winner() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let app = alice.create_app(&alice.team("Acme").id, "Contested").await;
    let path = format!("/applications/{}", app["id"].as_str().unwrap());
    let attempts = (0..16).map(|i| {
        let alice = alice.clone();
        let path = path.clone();
        tokio::spawn(async move {
            alice
                .patch(&path, json!({"name": format!("writer-{i}")}), Some(1))
                .await
                .status
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(alice.get(&path).await.body["version"], 2);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let app = alice.create_app(&alice.team("Acme").id, "Same").await;
    let path = format!("/applications/{}", app["id"].as_str().unwrap());
    let reply = alice.patch(&path, json!({"name": "Same"}), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["version"], 1);
}

#[tokio::test]
async fn the_request_rate_is_limited_per_user() {
    let server = TestServer::start_with(|config| config.api_rate_per_sec = 5).await;
    let alice = server.login("alice").await;
    let mut limited = 0;
    for _ in 0..60 {
        if alice.get("/me").await.status == StatusCode::TOO_MANY_REQUESTS {
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "60 requests at once should exceed 5/s with a burst of 20"
    );
    let bob = server.login("bob").await;
    assert_eq!(
        bob.get("/me").await.status,
        StatusCode::OK,
        "other users are not affected"
    );
}

#[tokio::test]
async fn the_demo_seed_has_a_thousand_devices_in_acme() {
    let server = TestServer::start_with(|config| config.seed = data_farm_server::Seed::Demo).await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let page = alice.get(&format!("/devices?team={acme}&per_page=1")).await;
    assert_eq!(page.body["total"], 1000);
    let bob = server.login("bob").await;
    assert_eq!(bob.get("/devices?per_page=1").await.body["total"], 40);
}

#[tokio::test]
async fn test_control_restart_exists_only_when_enabled() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    assert_eq!(
        alice
            .post("/test/restart", json!({"down_ms": 10}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let mut controlled = TestServer::start_with(|config| config.test_control = true).await;
    let alice = controlled.login("alice").await;
    assert_eq!(
        alice
            .post("/test/restart", json!({"down_ms": 25}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let asked = tokio::time::timeout(support::PATIENCE, controlled.restart_requested()).await;
    assert_eq!(asked.ok(), Some(25));
}

/// A create sent with an `Idempotency-Key`: once more with the same key answers the first
/// entity, even after a restart; the key is the user's own; another body under it is refused.
#[tokio::test]
async fn a_repeated_idempotency_key_answers_the_first_create() {
    let mut server = TestServer::start().await;
    let alice = server.login("alice").await;
    let team = alice.team("Globex").id;
    let create = |client: &Client, key: &str, name: &str| {
        client
            .request(Method::POST, "/applications")
            .header("idempotency-key", key)
            .json(&json!({"name": name, "team_id": team}))
    };
    let before = alice
        .get(&format!("/applications?team={team}&per_page=1"))
        .await
        .body["total"]
        .as_u64()
        .unwrap();

    let first = alice
        .send(create(&alice, "tmp-application-1-1-ab", "Once"))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = alice
        .send(create(&alice, "tmp-application-1-1-ab", "Once"))
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, first.body, "the same entity, not a second one");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.headers["etag"], first.headers["etag"]);

    server.restart().await;
    let alice = Client {
        base: server.url(),
        ..alice
    };
    let after_restart = alice
        .send(create(&alice, "tmp-application-1-1-ab", "Once"))
        .await;
    assert_eq!(after_restart.status, StatusCode::CREATED);
    assert_eq!(after_restart.body, first.body, "keys survive a restart");

    let other_body = alice
        .send(create(&alice, "tmp-application-1-1-ab", "Twice"))
        .await;
    assert_eq!(
        other_body.status,
        StatusCode::CONFLICT,
        "{}",
        other_body.body
    );
    assert_eq!(other_body.code(), "conflict");

    let bad = alice.send(create(&alice, "has space", "Bad key")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let total = alice
        .get(&format!("/applications?team={team}&per_page=1"))
        .await
        .body["total"]
        .as_u64()
        .unwrap();
    assert_eq!(total, before + 1, "exactly one application was made");

    // Bob, also of Globex, sending the same key makes his own entity.
    let bob = server.login("bob").await;
    let theirs = bob
        .send(create(&bob, "tmp-application-1-1-ab", "Once"))
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.body["id"], first.body["id"]);
}

/// A delete replayed after its first attempt went through ends as done (404), never as a
/// version conflict.
#[tokio::test]
async fn a_replayed_delete_finds_nothing_to_conflict_with() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let team = alice.team("Globex").id;
    let app = alice.create_app(&team, "Short-lived").await;
    let path = format!("/applications/{}", app["id"].as_str().unwrap());
    let delete = || {
        alice
            .request(Method::DELETE, &path)
            .header("if-match", app["version"].to_string())
    };
    assert_eq!(alice.send(delete()).await.status, StatusCode::NO_CONTENT);
    let replay = alice.send(delete()).await;
    assert_eq!(replay.status, StatusCode::NOT_FOUND, "{}", replay.body);
}

#[tokio::test]
async fn health_answers_without_a_session_while_the_database_does() {
    let server = TestServer::start().await;
    let reply = support::raw(
        &reqwest::Client::new(),
        reqwest::Client::new().get(format!("{}/api/v1/health", server.url())),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "ok");
    let nodes = server.nodes().count() as u64;
    assert!(reply.body["nodes"]
        .as_u64()
        .is_some_and(|n| n >= 1 && n <= nodes));
}

/// A client that holds a request open (a body announced and never sent) cannot keep a stopping
/// server from stopping, nor from being started again on its address: the shutdown waits for
/// requests in flight at most `SHUTDOWN_GRACE`.
#[tokio::test]
async fn a_held_request_does_not_keep_the_server_from_stopping() {
    use tokio::io::AsyncWriteExt;

    let mut server = TestServer::node(|_| {}).await;
    let node = server.server.take().expect("running");
    let addr = node.addr();
    let mut held = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    held.write_all(
        b"POST /api/v1/session HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
    )
    .await
    .expect("writes");
    // The server has the request and waits for the rest of its body.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let patience = data_farm_server::SHUTDOWN_GRACE + support::PATIENCE;
    let stopped = tokio::time::timeout(patience, node.shutdown()).await;
    assert!(stopped.is_ok(), "the shutdown waited on a held request");
    let mut config = server.config.clone();
    config.addr = addr;
    let again = data_farm_server::start(config)
        .await
        .expect("starts on the same address");
    again.shutdown().await;
    drop(held);
}
