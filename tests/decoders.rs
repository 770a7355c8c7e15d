//! Decoders never panic: whatever text arrives as a realtime frame, as an error body or as an
//! event's data, the client answers with a typed error or a count, never a crash. Property
//! tests over arbitrary strings and arbitrary JSON values (a bounded run here; a longer one
//! with `scripts/fuzz-decoders.sh`).
#![cfg(not(target_arch = "wasm32"))]

use data_farm::api::ApiError;
use data_farm::farm::DataFarmConfig;
use data_farm::protocol::{ChangeOp, Device, ServerMessage, Team};
use data_farm::realtime::{SubscriberCore, Timing};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON, nested a few levels.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("event"),
            Just("subscribed"),
            Just("resync"),
            Just("revoked"),
            Just("error"),
            Just("pong"),
            Just("team:t1"),
            Just("user:u1"),
            Just("device"),
            Just("created"),
            Just("updated"),
            Just("deleted"),
            Just("status"),
            Just("online"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("type".to_string()),
                    Just("topic".to_string()),
                    Just("seq".to_string()),
                    Just("kind".to_string()),
                    Just("op".to_string()),
                    Just("id".to_string()),
                    Just("version".to_string()),
                    Just("data".to_string()),
                    Just("code".to_string()),
                    Just("message".to_string()),
                    Just("status".to_string()),
                    Just("team".to_string()),
                    ".{0,6}",
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text a transport could deliver: arbitrary, or JSON (mostly shaped like a frame).
fn frame_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => ".*",
        1 => proptest::collection::vec(any::<u8>(), 0..64)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        4 => json().prop_map(|v| v.to_string()),
    ]
}

proptest! {
    #[test]
    fn a_frame_decodes_or_is_refused(text in frame_text()) {
        let _ = ServerMessage::decode(&text);
    }

    #[test]
    fn the_subscriber_survives_any_frame(texts in proptest::collection::vec(frame_text(), 1..12)) {
        let mut core = SubscriberCore::new("u1", ["t1".to_string()], Timing::default());
        core.connecting();
        let _ = core.on_open(0.0);
        for (i, text) in texts.iter().enumerate() {
            let _ = core.on_text(text, i as f64);
        }
        let counted = core.counters();
        prop_assert!(counted.applied + counted.stale + counted.malformed <= texts.len() as u64 * 2);
    }

    #[test]
    fn an_error_answer_is_always_a_typed_error(status in 100u16..600, body in frame_text()) {
        let err = ApiError::from_response(status, &body);
        let _ = err.to_string();
        let _ = err.is_transient();
    }

    #[test]
    fn event_data_of_any_shape_is_applied_or_counted(
        op in prop_oneof![Just(ChangeOp::Created), Just(ChangeOp::Updated), Just(ChangeOp::Deleted), Just(ChangeOp::Status)],
        version in 0u64..5,
        data in proptest::option::of(json()),
    ) {
        let farm = DataFarmConfig::new("").register::<Device>().register::<Team>().build();
        let raw = data.map(|d| serde_json::value::to_raw_value(&d).unwrap());
        for kind in ["device", "team"] {
            let store = farm.store_of_kind(kind).unwrap();
            let _ = store.apply_event(op, "x1", version, raw.as_deref());
        }
    }
}
