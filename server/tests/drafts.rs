//! Drafts against a real server: approval rules, roles, every transition and its permissions,
//! approval applying the change, and an outdated draft refused.

mod support;

use data_farm_protocol::Team;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{Client, TestServer};

async fn put(client: &Client, path: &str, body: Value) -> support::Reply {
    client
        .send(client.request(Method::PUT, path).json(&body))
        .await
}

async fn require_approval(owner: &Client, team: &str, kinds: Value) {
    let reply = put(
        owner,
        &format!("/teams/{team}/approvals"),
        json!({ "kinds": kinds }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// A server where Globex's changes of `kinds` need approval, with Alice (its owner) and Bob
/// (a member) signed in.
async fn globex_needing_approval(kinds: Value) -> (TestServer, Client, Client, Team) {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let globex = alice.team("Globex");
    require_approval(&alice, &globex.id, kinds).await;
    (server, alice, bob, globex)
}

/// `client` patches `path` with `body`, which becomes a draft: its id.
async fn propose(client: &Client, path: &str, body: Value) -> String {
    let reply = client.patch(path, body, None).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    reply.body["id"].as_str().expect("a draft").to_owned()
}

async fn first_device(client: &Client, team: &str) -> Value {
    let page = client
        .get(&format!("/devices?team={team}&per_page=1"))
        .await;
    page.body["items"][0].clone()
}

async fn step(client: &Client, draft: &str, step: &str, comment: &str) -> support::Reply {
    client
        .post(
            &format!("/drafts/{draft}/{step}"),
            json!({ "comment": comment }),
        )
        .await
}

#[tokio::test]
async fn a_change_needing_approval_becomes_a_draft_and_takes_effect_when_an_owner_approves() {
    let (_server, alice, bob, globex) = globex_needing_approval(json!(["device"])).await;

    let device = first_device(&bob, &globex.id).await;
    let id = device["id"].as_str().unwrap();
    let reply = bob
        .patch(
            &format!("/devices/{id}"),
            json!({"name": "proposed name"}),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let draft = reply.body.clone();
    assert_eq!(
        reply.headers["data-farm-draft"],
        draft["id"].as_str().unwrap()
    );
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["operation"], "update");
    assert_eq!(draft["entity_id"], id);
    assert_eq!(draft["base_version"], device["version"]);
    assert_eq!(draft["name"], "proposed name");
    assert_eq!(draft["author_id"], bob.user_id());
    let unchanged = bob.get(&format!("/devices/{id}")).await;
    assert_eq!(
        unchanged.body["name"], device["name"],
        "nothing applied yet"
    );

    let draft_id = draft["id"].as_str().unwrap();
    let listed = alice
        .get(&format!("/drafts?team={}&status=draft", globex.id))
        .await;
    assert_eq!(listed.body["total"], 1, "{}", listed.body);

    let submitted = step(&bob, draft_id, "submit", "please").await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);
    assert_eq!(submitted.body["status"], "under_review");
    let refused = step(&bob, draft_id, "approve", "").await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a member cannot approve"
    );

    let approved = step(&alice, draft_id, "approve", "looks good").await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body["status"], "effective");
    let actions: Vec<&str> = approved.body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["drafted", "submitted", "approved"]);
    let now = bob.get(&format!("/devices/{id}")).await;
    assert_eq!(now.body["name"], "proposed name");
    // History names the author of the change.
    let audit = alice.get(&format!("/devices/{id}/audit")).await;
    assert_eq!(audit.body["items"][0]["user_id"], bob.user_id());
    assert_eq!(audit.body["items"][0]["fields"], json!(["name"]));

    // Once approved, nothing more happens to it.
    assert_eq!(
        step(&alice, draft_id, "approve", "").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        step(&bob, draft_id, "cancel", "").await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn a_drafted_change_publishes_the_draft_and_nothing_of_the_entity() {
    let (_server, alice, bob, globex) = globex_needing_approval(json!(["device"])).await;
    let device = first_device(&bob, &globex.id).await;
    let id = device["id"].as_str().unwrap();
    let topic = format!("team:{}", globex.id);
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], None).await;
    let start = ws.expect_subscribed(&topic).await;
    let reply = bob
        .patch(&format!("/devices/{id}"), json!({"status": "error"}), None)
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let (event, data) = ws.expect_event().await;
    assert_eq!(
        (event.kind.as_str(), event.op),
        ("draft", data_farm_protocol::ChangeOp::Created)
    );
    assert_eq!(data["entity_id"], id);
    assert_eq!(event.seq, start + 1, "the undone trial took no seq");
    // The undone trial published nothing: the next event is the draft's own next step.
    step(&bob, reply.body["id"].as_str().unwrap(), "submit", "").await;
    let (event, data) = ws.expect_event().await;
    assert_eq!(event.kind, "draft");
    assert_eq!(data["status"], "under_review");
    let versions = alice.get(&format!("/devices/{id}/versions")).await;
    assert_eq!(versions.body["total"], 1, "history holds no undone version");
}

#[tokio::test]
async fn creates_and_deletes_are_drafted_and_the_author_never_approves_their_own() {
    let (_server, alice, bob, globex) = globex_needing_approval(json!(["application"])).await;

    // A body the server refuses is refused at once, with no draft.
    let bad = alice
        .post("/applications", json!({"name": " ", "team_id": globex.id}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let reply = alice
        .post(
            "/applications",
            json!({"name": "Drafted app", "team_id": globex.id}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let draft_id = reply.body["id"].as_str().unwrap().to_owned();
    assert_eq!(reply.body["entity_id"], Value::Null);
    let apps = alice
        .get(&format!("/applications?team={}&q=Drafted", globex.id))
        .await;
    assert_eq!(apps.body["total"], 0, "not created yet");

    assert_eq!(
        step(&alice, &draft_id, "submit", "").await.status,
        StatusCode::OK
    );
    let own = step(&alice, &draft_id, "approve", "").await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);

    // Alice makes Bob an owner; he approves.
    let promoted = alice
        .patch(
            &format!("/teams/{}/members/{}", globex.id, bob.user_id()),
            json!({"role": "owner"}),
            None,
        )
        .await;
    assert_eq!(promoted.status, StatusCode::NO_CONTENT, "{}", promoted.body);
    let members = alice.get(&format!("/teams/{}/members", globex.id)).await;
    assert!(members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["role"] == "owner"));
    let approved = step(&bob, &draft_id, "approve", "").await;
    assert_eq!(approved.body["status"], "effective", "{}", approved.body);
    let app_id = approved.body["entity_id"].as_str().unwrap().to_owned();
    let app = alice.get(&format!("/applications/{app_id}")).await;
    assert_eq!(app.body["name"], "Drafted app");

    // Deleting it is drafted too.
    let delete = alice.delete(&format!("/applications/{app_id}")).await;
    assert_eq!(delete.status, StatusCode::ACCEPTED);
    assert_eq!(delete.body["operation"], "delete");
    assert_eq!(
        alice.get(&format!("/applications/{app_id}")).await.status,
        StatusCode::OK
    );
    let delete_id = delete.body["id"].as_str().unwrap().to_owned();
    step(&alice, &delete_id, "submit", "").await;
    let rejected = step(&bob, &delete_id, "reject", "keep it").await;
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(
        alice.get(&format!("/applications/{app_id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn approving_an_outdated_draft_is_a_conflict_and_a_gone_entity_fails_it() {
    let (_server, alice, bob, globex) = globex_needing_approval(json!(["device"])).await;
    let device = first_device(&bob, &globex.id).await;
    let id = device["id"].as_str().unwrap();
    let draft_id = propose(
        &bob,
        &format!("/devices/{id}"),
        json!({"name": "bob's name"}),
    )
    .await;
    step(&bob, &draft_id, "submit", "").await;

    // The device moves on meanwhile (rules off for a moment).
    require_approval(&alice, &globex.id, json!([])).await;
    let moved = alice
        .patch(&format!("/devices/{id}"), json!({"status": "error"}), None)
        .await;
    assert_eq!(moved.status, StatusCode::OK);
    require_approval(&alice, &globex.id, json!(["device"])).await;
    let outdated = step(&alice, &draft_id, "approve", "").await;
    assert_eq!(outdated.status, StatusCode::CONFLICT, "{}", outdated.body);
    let still = alice.get(&format!("/drafts/{draft_id}")).await;
    assert_eq!(still.body["status"], "under_review");
    assert_eq!(
        bob.get(&format!("/devices/{id}")).await.body["name"],
        device["name"]
    );

    // A draft whose entity is gone fails when approved, saying why.
    let other = bob
        .get(&format!("/devices?team={}&per_page=2", globex.id))
        .await
        .body["items"][1]
        .clone();
    let other_id = other["id"].as_str().unwrap();
    let rename_id = propose(
        &bob,
        &format!("/devices/{other_id}"),
        json!({"name": "soon gone"}),
    )
    .await;
    step(&bob, &rename_id, "submit", "").await;
    require_approval(&alice, &globex.id, json!([])).await;
    assert_eq!(
        alice.delete(&format!("/devices/{other_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let failed = step(&alice, &rename_id, "approve", "").await;
    assert_eq!(failed.status, StatusCode::OK);
    assert_eq!(failed.body["status"], "failed");
    let last = failed.body["comments"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["action"], "failed");
    assert!(!last["text"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn only_the_author_edits_submits_and_cancels_and_comments_need_words() {
    let (_server, alice, bob, globex) = globex_needing_approval(json!(["device"])).await;
    let device = first_device(&bob, &globex.id).await;
    let id = device["id"].as_str().unwrap();
    let draft_id = propose(
        &bob,
        &format!("/devices/{id}"),
        json!({"name": "first idea"}),
    )
    .await;

    let edited = bob
        .patch(
            &format!("/drafts/{draft_id}"),
            json!({"body": {"name": "better idea"}}),
            None,
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["name"], "better idea");
    assert_eq!(edited.body["version"], 2);
    let refused = bob
        .patch(
            &format!("/drafts/{draft_id}"),
            json!({"body": {"name": ""}}),
            None,
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tried like the change"
    );
    let not_yours = alice
        .patch(
            &format!("/drafts/{draft_id}"),
            json!({"body": {"name": "x"}}),
            None,
        )
        .await;
    assert_eq!(not_yours.status, StatusCode::FORBIDDEN);
    assert_eq!(
        step(&alice, &draft_id, "submit", "").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        step(&alice, &draft_id, "cancel", "").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        step(&alice, &draft_id, "comment", "  ").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let commented = step(&alice, &draft_id, "comment", "why?").await;
    assert_eq!(
        commented.body["comments"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["text"],
        "why?"
    );
    assert_eq!(
        step(&bob, &draft_id, "submit", "").await.status,
        StatusCode::OK
    );
    assert_eq!(
        step(&bob, &draft_id, "submit", "").await.status,
        StatusCode::CONFLICT
    );
    let late_edit = bob
        .patch(
            &format!("/drafts/{draft_id}"),
            json!({"body": {"name": "late"}}),
            None,
        )
        .await;
    assert_eq!(
        late_edit.status,
        StatusCode::FORBIDDEN,
        "no edits once submitted"
    );
    let cancelled = step(&bob, &draft_id, "cancel", "never mind").await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(
        step(&bob, &draft_id, "teleport", "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn rules_and_roles_belong_to_owners_and_a_team_keeps_one() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let globex = alice.team("Globex");
    let by_member = put(
        &bob,
        &format!("/teams/{}/approvals", globex.id),
        json!({"kinds": ["device"]}),
    )
    .await;
    assert_eq!(by_member.status, StatusCode::FORBIDDEN);
    let unknown = put(
        &alice,
        &format!("/teams/{}/approvals", globex.id),
        json!({"kinds": ["team"]}),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rules = alice.get(&format!("/teams/{}/approvals", globex.id)).await;
    assert_eq!(rules.body, json!({"kinds": []}));
    let last_owner = alice
        .patch(
            &format!("/teams/{}/members/{}", globex.id, alice.user_id()),
            json!({"role": "member"}),
            None,
        )
        .await;
    assert_eq!(last_owner.status, StatusCode::CONFLICT);
    let bad_role = alice
        .patch(
            &format!("/teams/{}/members/{}", globex.id, bob.user_id()),
            json!({"role": "king"}),
            None,
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A new team's creator owns it.
    let team = bob.post("/teams", json!({"name": "Bobco"})).await;
    let team_id = team.body["id"].as_str().unwrap();
    let members = bob.get(&format!("/teams/{team_id}/members")).await;
    assert_eq!(members.body["items"][0]["role"], "owner");
}

#[tokio::test]
async fn a_list_asked_for_drafts_answers_them_beside_its_items_and_only_lists_the_drafted() {
    let (_server, alice, bob, globex) = globex_needing_approval(json!(["device"])).await;
    let device = first_device(&bob, &globex.id).await;
    let id = device["id"].as_str().unwrap();
    let change = propose(
        &bob,
        &format!("/devices/{id}"),
        json!({"name": "proposed name"}),
    )
    .await;
    let create = bob
        .post(
            "/devices",
            json!({"name": "new pump", "owner": {"type": "team", "id": globex.id}}),
        )
        .await;
    assert_eq!(create.status, StatusCode::ACCEPTED, "{}", create.body);
    let create = create.body["id"].as_str().unwrap().to_owned();

    let plain = alice
        .get(&format!("/devices?team={}&per_page=1", globex.id))
        .await;
    assert!(
        plain.body.get("drafts").is_none(),
        "no drafts unless asked: {}",
        plain.body
    );

    let included = alice
        .get(&format!(
            "/devices?team={}&per_page=1&drafts=include",
            globex.id
        ))
        .await;
    assert_eq!(included.status, StatusCode::OK, "{}", included.body);
    assert_eq!(included.body["total"], plain.body["total"]);
    assert_eq!(included.body["items"][0]["id"], id);
    let ids: Vec<&str> = included.body["drafts"]
        .as_array()
        .expect("drafts")
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{}", included.body);
    assert!(ids.contains(&change.as_str()) && ids.contains(&create.as_str()));

    let only = alice
        .get(&format!("/devices?team={}&drafts=only", globex.id))
        .await;
    assert_eq!(
        only.body["total"], 1,
        "only the drafted device: {}",
        only.body
    );
    assert_eq!(only.body["items"][0]["id"], id);
    let position = alice
        .get(&format!(
            "/devices/{id}/position?team={}&drafts=only",
            globex.id
        ))
        .await;
    assert_eq!(position.body["index"], 0, "{}", position.body);

    // A draft that ended no longer counts.
    assert_eq!(
        step(&bob, &change, "cancel", "").await.status,
        StatusCode::OK
    );
    let after = alice
        .get(&format!("/devices?team={}&drafts=only", globex.id))
        .await;
    assert_eq!(after.body["total"], 0, "{}", after.body);
    assert_eq!(
        after.body["drafts"][0]["id"], create,
        "the create is still open"
    );

    // Bob sees nothing of Acme's, and kinds without drafts refuse the parameter.
    let acme = alice.team("Acme");
    let foreign = bob
        .get(&format!("/devices?team={}&drafts=include", acme.id))
        .await;
    assert_eq!(foreign.body["total"], 0, "{}", foreign.body);
    let teams = alice.get("/teams?drafts=include").await;
    assert_eq!(teams.status, StatusCode::BAD_REQUEST, "{}", teams.body);
    assert!(
        teams.error().error.fields.contains_key("drafts"),
        "{}",
        teams.body
    );
    let bad = alice.get("/devices?drafts=sometimes").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
}

#[tokio::test]
async fn a_drafted_create_sent_again_with_its_key_answers_the_same_draft() {
    let (_server, alice, bob, globex) = globex_needing_approval(json!(["application"])).await;
    let create = |key: &str| {
        bob.request(Method::POST, "/applications")
            .header("idempotency-key", key)
            .json(&json!({"name": "Proposed app", "team_id": globex.id}))
    };
    let first = bob.send(create("tmp-application-7-1-cd")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = bob.send(create("tmp-application-7-1-cd")).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.body);
    assert_eq!(again.body["id"], first.body["id"], "the same draft");
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(
        again.headers["data-farm-draft"],
        first.headers["data-farm-draft"]
    );

    let drafts = alice
        .get(&format!("/drafts?team={}&operation=create", globex.id))
        .await;
    assert_eq!(drafts.body["total"], 1, "one draft: {}", drafts.body);
}
