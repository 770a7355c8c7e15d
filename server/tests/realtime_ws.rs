//! WebSocket conformance against a real server: one event per mutation, access control,
//! resumption across restarts, resync, revocation, and refusal of bad frames.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use data_farm_protocol::{
    ChangeOp, ServerMessage, WsErrorCode, CLOSE_TOO_LARGE, CLOSE_UNAUTHORIZED,
};
use serde_json::json;
use support::{TestServer, Ws};

#[tokio::test]
async fn every_mutation_publishes_exactly_one_event_with_contiguous_seq() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], None).await;
    let start = ws.expect_subscribed(&topic).await;

    let app = alice.create_app(&acme, "Evented").await;
    let app_id = app["id"].as_str().unwrap().to_owned();
    alice
        .patch(
            &format!("/applications/{app_id}"),
            json!({"name": "Evented 2"}),
            None,
        )
        .await;
    let inst = alice
        .post(
            "/instances",
            json!({"name": "ev-1", "application_id": app_id}),
        )
        .await
        .body;
    let inst_id = inst["id"].as_str().unwrap().to_owned();
    alice
        .patch(
            &format!("/instances/{inst_id}"),
            json!({"status": "starting"}),
            None,
        )
        .await;
    alice.delete(&format!("/instances/{inst_id}")).await;
    alice.delete(&format!("/applications/{app_id}")).await;

    let expected = [
        ("application", ChangeOp::Created),
        ("application", ChangeOp::Updated),
        ("instance", ChangeOp::Created),
        ("instance", ChangeOp::Status),
        ("instance", ChangeOp::Deleted),
        ("application", ChangeOp::Deleted),
    ];
    for (i, (kind, op)) in expected.iter().enumerate() {
        let (event, data) = ws.expect_event().await;
        assert_eq!(event.seq, start + 1 + i as u64, "contiguous seq");
        assert_eq!((event.kind.as_str(), event.op), (*kind, *op));
        match op {
            ChangeOp::Created | ChangeOp::Updated => assert_eq!(data["id"], event.id),
            ChangeOp::Status => assert_eq!(data, json!({"status": "starting"})),
            ChangeOp::Deleted => assert!(data.is_null()),
        }
    }
    assert!(
        ws.try_recv(Duration::from_millis(300)).await.is_none(),
        "no extra events"
    );
}

#[tokio::test]
async fn a_failed_mutation_publishes_nothing() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], None).await;
    ws.expect_subscribed(&topic).await;
    let app = alice.create_app(&acme, "Once").await;
    ws.expect_event().await;
    let path = format!("/applications/{}", app["id"].as_str().unwrap());
    assert_eq!(
        alice.patch(&path, json!({"name": ""}), None).await.status,
        422
    );
    assert_eq!(
        alice
            .patch(&path, json!({"name": "x"}), Some(9))
            .await
            .status,
        409
    );
    assert!(ws.try_recv(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn bob_never_hears_acme_and_a_forbidden_subscription_delivers_nothing() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let acme = alice.team("Acme").id;
    let globex = alice.team("Globex").id;

    let mut ws = bob.ws().await;
    let acme_topic = format!("team:{acme}");
    let globex_topic = format!("team:{globex}");
    ws.subscribe(&[&acme_topic, &globex_topic, "user:user_1"], None)
        .await;
    match ws.recv().await {
        ServerMessage::Error {
            code: WsErrorCode::Forbidden,
            topic,
            ..
        } => assert_eq!(topic.as_deref(), Some(acme_topic.as_str())),
        other => panic!("expected forbidden, got {other:?}"),
    }
    ws.expect_subscribed(&globex_topic).await;
    match ws.recv().await {
        ServerMessage::Error {
            code: WsErrorCode::Forbidden,
            ..
        } => {}
        other => panic!("another user's topic must be forbidden, got {other:?}"),
    }

    alice.create_app(&acme, "Secret").await;
    alice.create_app(&globex, "Shared").await;
    let (event, data) = ws.expect_event().await;
    assert_eq!(event.topic, globex_topic);
    assert_eq!(data["name"], "Shared");
    assert!(ws.try_recv(Duration::from_millis(300)).await.is_none());

    // eve hears nothing at all
    let eve = server.login("eve").await;
    let mut eve_ws = eve.ws().await;
    eve_ws.subscribe(&[&globex_topic], None).await;
    assert!(matches!(
        eve_ws.recv().await,
        ServerMessage::Error {
            code: WsErrorCode::Forbidden,
            ..
        }
    ));
    alice.create_app(&globex, "Still shared").await;
    assert!(eve_ws.try_recv(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn resumes_with_since_across_a_server_restart() {
    let mut server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], None).await;
    let start = ws.expect_subscribed(&topic).await;
    alice.create_app(&acme, "Before").await;
    let (seen, _) = ws.expect_event().await;

    server.restart().await;
    assert!(
        matches!(ws.closed().await, Some(1001) | None),
        "going away on shutdown"
    );
    let alice = support::Client {
        base: server.url(),
        ..alice
    };
    // changes while the client was away
    alice.create_app(&acme, "While away 1").await;
    alice.create_app(&acme, "While away 2").await;

    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], Some(BTreeMap::from([(topic.clone(), seen.seq)])))
        .await;
    let head = ws.expect_subscribed(&topic).await;
    assert_eq!(head, start + 3);
    let (first, data1) = ws.expect_event().await;
    let (second, data2) = ws.expect_event().await;
    assert_eq!((first.seq, second.seq), (seen.seq + 1, seen.seq + 2));
    assert_eq!(
        (data1["name"].as_str(), data2["name"].as_str()),
        (Some("While away 1"), Some("While away 2"))
    );
    // and then live
    alice.create_app(&acme, "After").await;
    let (live, _) = ws.expect_event().await;
    assert_eq!(live.seq, head + 1);
}

#[tokio::test]
async fn a_since_older_than_the_window_gets_resync() {
    let server = TestServer::start_with(|config| config.event_window = 3).await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    for i in 0..6 {
        alice.create_app(&acme, &format!("burst {i}")).await;
    }
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], Some(BTreeMap::from([(topic.clone(), 1)])))
        .await;
    let head = ws.expect_subscribed(&topic).await;
    match ws.recv().await {
        ServerMessage::Resync { topic: t, seq } => assert_eq!((t, seq), (topic.clone(), head)),
        other => panic!("expected resync, got {other:?}"),
    }
    // within the window it replays
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], Some(BTreeMap::from([(topic.clone(), head - 3)])))
        .await;
    ws.expect_subscribed(&topic).await;
    for expected in head - 2..=head {
        assert_eq!(ws.expect_event().await.0.seq, expected);
    }
    // a since from the future (e.g. a reset server) also resyncs
    let mut ws = alice.ws().await;
    ws.subscribe(
        &[&topic],
        Some(BTreeMap::from([(topic.clone(), head + 50)])),
    )
    .await;
    ws.expect_subscribed(&topic).await;
    assert!(matches!(ws.recv().await, ServerMessage::Resync { .. }));
}

#[tokio::test]
async fn membership_removal_revokes_the_topic_and_tells_the_user() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let globex = alice.team("Globex").id;
    let team_topic = format!("team:{globex}");
    let user_topic = format!("user:{}", bob.user_id());

    let mut ws = bob.ws().await;
    ws.subscribe(&[&team_topic, &user_topic], None).await;
    ws.expect_subscribed(&team_topic).await;
    ws.expect_subscribed(&user_topic).await;

    let removed = alice
        .delete(&format!("/teams/{globex}/members/{}", bob.user_id()))
        .await;
    assert_eq!(removed.status, 204);
    let mut saw_membership = false;
    let mut saw_revoked = false;
    for _ in 0..2 {
        match ws.recv().await {
            ServerMessage::Event(event) => {
                assert_eq!(
                    (event.kind.as_str(), event.op, event.topic.as_str()),
                    ("membership", ChangeOp::Deleted, user_topic.as_str())
                );
                saw_membership = true;
            }
            ServerMessage::Revoked { topic } => {
                assert_eq!(topic, team_topic);
                saw_revoked = true;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(saw_membership && saw_revoked);
    alice.create_app(&globex, "After bob left").await;
    assert!(
        ws.try_recv(Duration::from_millis(300)).await.is_none(),
        "nothing after revocation"
    );
    assert_eq!(bob.get(&format!("/teams/{globex}")).await.status, 404);

    // re-adding bob tells him on his user topic
    let added = alice
        .post(
            &format!("/teams/{globex}/members"),
            json!({"username": "bob"}),
        )
        .await;
    assert_eq!(added.status, 201);
    let (event, data) = ws.expect_event().await;
    assert_eq!(
        (event.kind.as_str(), event.op),
        ("membership", ChangeOp::Created)
    );
    assert_eq!(data["team"]["id"], globex);
}

#[tokio::test]
async fn malformed_and_unknown_frames_get_errors_and_the_connection_stays() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let mut ws = alice.ws().await;
    for bad in [
        "{not json",
        r#"{"type":"dance"}"#,
        r#"{"type":"subscribe","topics":"team:1"}"#,
        "42",
    ] {
        ws.send_text(bad).await;
        match ws.recv().await {
            ServerMessage::Error {
                code: WsErrorCode::Invalid,
                ..
            } => {}
            other => panic!("{bad}: expected invalid, got {other:?}"),
        }
    }
    ws.subscribe(&["group:1"], None).await;
    assert!(matches!(
        ws.recv().await,
        ServerMessage::Error {
            code: WsErrorCode::Invalid,
            ..
        }
    ));
    ws.send(&data_farm_protocol::ClientMessage::Ping).await;
    assert!(matches!(ws.recv().await, ServerMessage::Pong), "still up");
}

#[tokio::test]
async fn an_oversized_frame_closes_with_message_too_big() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let mut ws = alice.ws().await;
    let huge = format!(
        r#"{{"type":"subscribe","topics":["{}"]}}"#,
        "x".repeat(data_farm_protocol::MAX_CLIENT_FRAME_BYTES)
    );
    ws.send_text(&huge).await;
    assert!(matches!(
        ws.recv().await,
        ServerMessage::Error {
            code: WsErrorCode::TooLarge,
            ..
        }
    ));
    assert_eq!(ws.closed().await, Some(CLOSE_TOO_LARGE));
}

#[tokio::test]
async fn unsubscribe_stops_delivery() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    let mut ws = alice.ws().await;
    ws.subscribe(&[&topic], None).await;
    ws.expect_subscribed(&topic).await;
    ws.send(&data_farm_protocol::ClientMessage::Unsubscribe {
        topics: vec![topic.clone()],
    })
    .await;
    ws.send(&data_farm_protocol::ClientMessage::Ping).await;
    assert!(matches!(ws.recv().await, ServerMessage::Pong));
    alice.create_app(&acme, "Unheard").await;
    assert!(ws.try_recv(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn logout_closes_the_sessions_connections() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let mut ws = alice.ws().await;
    alice.delete("/session").await;
    assert_eq!(ws.closed().await, Some(CLOSE_UNAUTHORIZED));
}

#[tokio::test]
async fn connections_need_a_session_and_the_right_origin() {
    let server = TestServer::start_with(|config| {
        config.allowed_origins = vec!["http://localhost:9999".into()]
    })
    .await;
    let alice = server.login("alice").await;
    assert!(
        Ws::connect(&server.url(), None, None).await.is_err(),
        "no cookie, no socket"
    );
    assert!(Ws::connect(
        &server.url(),
        Some(&alice.cookie),
        Some("https://evil.example")
    )
    .await
    .is_err());
    assert!(Ws::connect(
        &server.url(),
        Some(&alice.cookie),
        Some("http://localhost:9999")
    )
    .await
    .is_ok());
    assert!(
        Ws::connect(&server.url(), Some(&alice.cookie), Some(&server.url()))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_silent_peer_is_dropped_by_the_heartbeat() {
    let server =
        TestServer::start_with(|config| config.heartbeat = Duration::from_millis(50)).await;
    let alice = server.login("alice").await;
    let ws = alice.ws().await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(server.connection_count(), 1);
    // Never reading means never answering pings: the server must give up on us.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while server.connection_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.connection_count(), 0, "dead peer still registered");
    drop(ws);
}

#[tokio::test]
async fn frames_beyond_the_rate_limit_are_refused() {
    let server = TestServer::start_with(|config| config.ws_rate_per_sec = 2).await;
    let alice = server.login("alice").await;
    let mut ws = alice.ws().await;
    for _ in 0..12 {
        ws.send(&data_farm_protocol::ClientMessage::Ping).await;
    }
    let mut limited = 0;
    for _ in 0..12 {
        if let ServerMessage::Error {
            code: WsErrorCode::RateLimited,
            ..
        } = ws.recv().await
        {
            limited += 1;
        }
    }
    assert!(
        limited >= 3,
        "a burst of 8 then refusals, got {limited} refusals"
    );
}

#[tokio::test]
async fn positions_read_before_a_fetch_resume_without_a_gap() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let topic = format!("team:{acme}");
    let positions: data_farm_protocol::PositionsResponse = alice.get("/positions").await.json();
    let mine = format!("user:{}", alice.user_id());
    assert!(positions.positions.contains_key(&mine), "{positions:?}");
    let before = *positions.positions.get(&topic).expect("a position");
    // A change lands after the positions were read (between a server render and hydration).
    let app = alice.create_app(&acme, "Between").await;
    let after: data_farm_protocol::PositionsResponse = alice.get("/positions").await.json();
    assert_eq!(after.positions.get(&topic), Some(&(before + 1)));
    // Resuming from the positions read first replays exactly that change.
    let mut ws = alice.ws().await;
    let since = BTreeMap::from([(topic.clone(), before)]);
    ws.subscribe(&[&topic], Some(since)).await;
    assert_eq!(ws.expect_subscribed(&topic).await, before + 1);
    let (event, _) = ws.expect_event().await;
    assert_eq!(
        (event.seq, event.id.as_str()),
        (before + 1, app["id"].as_str().unwrap())
    );
    // Someone else's teams are not among them; signed out, there are none.
    let bob = server.login("bob").await;
    let theirs: data_farm_protocol::PositionsResponse = bob.get("/positions").await.json();
    assert!(!theirs.positions.contains_key(&topic), "{theirs:?}");
    assert!(theirs
        .positions
        .contains_key(&format!("team:{}", bob.team("Globex").id)));
    let anonymous = reqwest::Client::new()
        .get(format!("{}/api/v1/positions", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
