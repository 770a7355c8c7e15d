//! The subscriber state machine natively: frames in, actions out, with a hand-driven clock.

use super::*;

fn core() -> SubscriberCore {
    SubscriberCore::new("u1", ["t1".to_string()], Timing::default())
}

fn event(topic: &str, seq: u64, kind: &str, op: &str, data: &str) -> String {
    format!(
        r#"{{"type":"event","topic":"{topic}","seq":{seq},"kind":"{kind}","op":"{op}","id":"x","version":{seq},"data":{data}}}"#
    )
}

fn subscribed(topic: &str, seq: u64) -> String {
    format!(r#"{{"type":"subscribed","topic":"{topic}","seq":{seq}}}"#)
}

type Subscription = (Vec<String>, Option<Positions>);

fn sent_subscribe(actions: &[Action]) -> Option<Subscription> {
    actions.iter().find_map(|a| match a {
        Action::Send(ClientMessage::Subscribe { topics, since }) => {
            Some((topics.clone(), since.clone()))
        }
        _ => None,
    })
}

fn applied(actions: &[Action]) -> Vec<u64> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::Apply(e) = a {
                Some(e.seq)
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn first_connection_subscribes_fresh_and_refetches_after_subscribed() {
    let mut c = core();
    let (topics, since) = sent_subscribe(&c.on_open(0.0)).unwrap();
    assert_eq!(topics, ["user:u1", "team:t1"]);
    assert!(since.is_none());
    assert!(c.on_text(&subscribed("user:u1", 3), 1.0).is_empty());
    assert_eq!(
        c.state(),
        &ConnectionState::Connecting,
        "live only once every topic is acknowledged"
    );
    let actions = c.on_text(&subscribed("team:t1", 10), 1.0);
    assert!(matches!(actions.as_slice(), [Action::RefetchTeam(t)] if t == "t1"));
    assert_eq!(c.state(), &ConnectionState::Live);
}

#[test]
fn a_clean_resume_sends_positions_and_refetches_nothing() {
    let mut c = core();
    c.on_open(0.0);
    c.on_text(&subscribed("user:u1", 0), 0.0);
    c.on_text(&subscribed("team:t1", 10), 0.0);
    assert_eq!(
        applied(&c.on_text(&event("team:t1", 11, "device", "updated", "{}"), 0.0)),
        [11]
    );
    c.on_closed(Some(1001), 0.0, 0.5);
    let (_, since) = sent_subscribe(&c.on_open(5.0)).unwrap();
    assert_eq!(since.unwrap().get("team:t1"), Some(&11));
    assert!(
        c.on_text(&subscribed("team:t1", 13), 5.0).is_empty(),
        "no refetch on a clean resume"
    );
    assert_eq!(
        applied(&c.on_text(&event("team:t1", 12, "device", "updated", "{}"), 5.0)),
        [12]
    );
    assert_eq!(
        applied(&c.on_text(&event("team:t1", 13, "device", "updated", "{}"), 5.0)),
        [13]
    );
    assert_eq!(c.counters().reconnects, 1);
}

#[test]
fn saved_positions_resume_without_a_refetch() {
    let mut c = core();
    c.resume_from(&Positions::from_iter([
        ("team:t1".to_string(), 7),
        ("team:other".to_string(), 3),
    ]));
    let (_, since) = sent_subscribe(&c.on_open(0.0)).unwrap();
    assert_eq!(
        since.unwrap(),
        Positions::from_iter([("team:t1".to_string(), 7)])
    );
    assert!(c.on_text(&subscribed("team:t1", 9), 0.0).is_empty());
    assert_eq!(
        applied(&c.on_text(&event("team:t1", 8, "device", "updated", "{}"), 0.0)),
        [8]
    );
}

#[test]
fn duplicates_are_dropped_and_gaps_ask_for_a_replay() {
    let mut c = core();
    c.on_open(0.0);
    c.on_text(&subscribed("team:t1", 5), 0.0);
    c.on_text(&event("team:t1", 6, "device", "updated", "{}"), 0.0);
    assert!(applied(&c.on_text(&event("team:t1", 6, "device", "updated", "{}"), 0.0)).is_empty());
    let actions = c.on_text(&event("team:t1", 9, "device", "updated", "{}"), 0.0);
    let (topics, since) = sent_subscribe(&actions).unwrap();
    assert_eq!(
        (topics, since.unwrap().get("team:t1")),
        (vec!["team:t1".to_string()], Some(&6))
    );
    // While the replay is pending, later events do not trigger more requests.
    assert!(c
        .on_text(&event("team:t1", 10, "device", "updated", "{}"), 0.0)
        .is_empty());
    c.on_text(&subscribed("team:t1", 10), 0.0);
    for seq in 7..=10 {
        assert_eq!(
            applied(&c.on_text(&event("team:t1", seq, "device", "updated", "{}"), 0.0)),
            [seq]
        );
    }
    assert_eq!((c.counters().stale, c.counters().gaps), (1, 1));
}

#[test]
fn resync_refetches_only_that_team() {
    let mut c = SubscriberCore::new(
        "u1",
        ["t1".to_string(), "t2".to_string()],
        Timing::default(),
    );
    c.on_open(0.0);
    let actions = c.on_text(r#"{"type":"resync","topic":"team:t2","seq":40}"#, 0.0);
    assert!(matches!(actions.as_slice(), [Action::RefetchTeam(t)] if t == "t2"));
    assert_eq!(c.positions().get("team:t2"), Some(&40));
    assert_eq!(c.counters().resyncs, 1);
}

#[test]
fn revocation_purges_and_forgets_the_team() {
    let mut c = core();
    c.on_open(0.0);
    c.on_text(&subscribed("team:t1", 1), 0.0);
    let actions = c.on_text(r#"{"type":"revoked","topic":"team:t1"}"#, 0.0);
    assert!(matches!(actions.as_slice(), [Action::Purge(t)] if t == "t1"));
    assert_eq!(c.topics(), ["user:u1"]);
    assert!(applied(&c.on_text(&event("team:t1", 2, "device", "updated", "{}"), 0.0)).is_empty());
}

#[test]
fn joining_a_team_subscribes_to_it() {
    let mut c = core();
    c.on_open(0.0);
    c.on_text(&subscribed("user:u1", 0), 0.0);
    let data = r#"{"user_id":"u1","team":{"id":"t9","version":1,"updated_at":"","name":"New","description":""}}"#;
    let actions = c.on_text(&event("user:u1", 1, "membership", "created", data), 0.0);
    assert!(actions.iter().any(|a| matches!(a, Action::Joined(_))));
    let (topics, _) = sent_subscribe(&actions).unwrap();
    assert_eq!(topics, ["team:t9"]);
    assert!(c.topics().contains(&"team:t9".to_string()));

    // A membership whose team has no version is malformed: counted, nothing subscribed.
    let before = c.counters().malformed;
    let data = r#"{"user_id":"u1","team":{"id":"t8","name":"No version"}}"#;
    let actions = c.on_text(&event("user:u1", 2, "membership", "created", data), 0.0);
    assert!(actions.is_empty());
    assert_eq!(c.counters().malformed, before + 1);
    assert!(!c.topics().contains(&"team:t8".to_string()));
}

#[test]
fn malformed_and_unknown_frames_are_counted_not_fatal() {
    let mut c = core();
    c.on_open(0.0);
    assert!(c.on_text("{oops", 0.0).is_empty());
    assert!(c.on_text(r#"{"type":"gossip"}"#, 0.0).is_empty());
    assert_eq!(c.counters().malformed, 2);
}

#[test]
fn closes_a_silent_connection_and_backs_off_with_jitter() {
    let mut c = core();
    c.on_open(0.0);
    c.on_text(&subscribed("team:t1", 1), 0.0);
    assert!(matches!(
        c.on_tick(15_000.0).as_slice(),
        [Action::Send(ClientMessage::Ping)]
    ));
    assert!(matches!(c.on_tick(35_000.0).as_slice(), [Action::Close]));
    let mut ceilings = Vec::new();
    for _ in 0..8 {
        if let [Action::Reconnect(delay)] = c.on_closed(None, 0.0, 0.999).as_slice() {
            ceilings.push(delay.round());
        }
    }
    assert_eq!(
        ceilings,
        [500.0, 999.0, 1998.0, 3996.0, 7992.0, 15984.0, 29970.0, 29970.0]
    );
    assert!(matches!(
        c.state(),
        ConnectionState::Reconnecting { attempt: 8, .. }
    ));
}

#[test]
fn a_session_ended_close_stops_for_good() {
    let mut c = core();
    c.on_open(0.0);
    assert!(matches!(
        c.on_closed(Some(4401), 0.0, 0.5).as_slice(),
        [Action::Stop]
    ));
    assert_eq!(c.state(), &ConnectionState::Stopped);
}

#[test]
fn offline_closes_and_waits_for_the_network_then_resumes_at_once() {
    let mut c = core();
    c.connecting();
    c.on_open(0.0);
    c.on_text(&subscribed("user:u1", 3), 1.0);
    c.on_text(&subscribed("team:t1", 10), 1.0);
    assert_eq!(c.state(), &ConnectionState::Live);

    assert!(matches!(
        c.set_offline(true, 2.0).as_slice(),
        [Action::Close]
    ));
    assert_eq!(c.state(), &ConnectionState::Offline);
    assert!(!c.may_connect());
    assert!(
        c.on_closed(None, 3.0, 0.5).is_empty(),
        "no retry while offline"
    );
    assert_eq!(c.state(), &ConnectionState::Offline);
    assert!(
        c.set_offline(true, 4.0).is_empty(),
        "told twice, acted once"
    );

    assert!(matches!(
        c.set_offline(false, 5.0).as_slice(),
        [Action::Reconnect(ms)] if *ms == 0.0
    ));
    assert!(c.may_connect());
    c.connecting();
    let (_, since) = sent_subscribe(&c.on_open(6.0)).unwrap();
    assert_eq!(
        since.unwrap().get("team:t1"),
        Some(&10),
        "resumes where it was, nothing refetched"
    );
}

#[test]
fn a_stopped_subscriber_stays_stopped_whatever_the_network() {
    let mut c = core();
    c.stop();
    assert!(c.set_offline(true, 0.0).is_empty());
    assert!(c.set_offline(false, 0.0).is_empty());
    assert_eq!(c.state(), &ConnectionState::Stopped);
}
