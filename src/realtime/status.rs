/// The realtime connection's health, for the UI to show (never a stale "live" while the socket
/// is dead).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Not started, or stopped (signed out).
    #[default]
    Stopped,
    /// Opening the connection.
    Connecting,
    /// Connected and subscribed: changes arrive as they happen.
    Live,
    /// Connection lost; trying again.
    Reconnecting {
        /// Failed attempts so far.
        attempt: u32,
        /// Environment time (ms) of the next try.
        next_retry_at: f64,
    },
    /// No push transport: observed queries are revalidated on an interval.
    Polling,
    /// The browser reports no network.
    Offline,
}

const STATES: [&str; 6] = [
    "stopped",
    "connecting",
    "live",
    "reconnecting",
    "polling",
    "offline",
];

/// Reads the shape the derived serializer writes (`{"state": "reconnecting", "attempt": 2,
/// "next_retry_at": 1500}`) through a flat view of the object: serde's internally tagged enums
/// first buffer the value in a generic tree, which was about 4.9 KB of wasm for this one type
/// (the demo, where the leader tab relays its state to the others).
impl<'de> serde::Deserialize<'de> for ConnectionState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Flat {
            state: String,
            attempt: Option<u32>,
            next_retry_at: Option<f64>,
        }
        let flat = Flat::deserialize(deserializer)?;
        let missing = <D::Error as serde::de::Error>::missing_field;
        Ok(match flat.state.as_str() {
            "stopped" => ConnectionState::Stopped,
            "connecting" => ConnectionState::Connecting,
            "live" => ConnectionState::Live,
            "reconnecting" => ConnectionState::Reconnecting {
                attempt: flat.attempt.ok_or_else(|| missing("attempt"))?,
                next_retry_at: flat.next_retry_at.ok_or_else(|| missing("next_retry_at"))?,
            },
            "polling" => ConnectionState::Polling,
            "offline" => ConnectionState::Offline,
            other => return Err(serde::de::Error::unknown_variant(other, &STATES)),
        })
    }
}

impl ConnectionState {
    /// A short label for indicators.
    pub fn label(&self) -> &'static str {
        match self {
            ConnectionState::Stopped => "stopped",
            ConnectionState::Connecting => "connecting",
            ConnectionState::Live => "live",
            ConnectionState::Reconnecting { .. } => "reconnecting",
            ConnectionState::Polling => "polling",
            ConnectionState::Offline => "offline",
        }
    }
}

/// What the dispatcher has done, for dashboards and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// Events that changed a store.
    pub applied: u64,
    /// Events dropped as duplicates or older than what the store holds.
    pub stale: u64,
    /// Frames that were not valid messages, or events whose data did not decode.
    pub malformed: u64,
    /// Topics refetched because the server asked (`resync`) or a gap could not be replayed.
    pub resyncs: u64,
    /// Sequence gaps detected (each answered by a replay request).
    pub gaps: u64,
    /// Connections opened after the first.
    pub reconnects: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_as_written_and_bad_ones_are_errors() {
        let states = [
            ConnectionState::Stopped,
            ConnectionState::Connecting,
            ConnectionState::Live,
            ConnectionState::Reconnecting {
                attempt: 3,
                next_retry_at: 1_500.5,
            },
            ConnectionState::Polling,
            ConnectionState::Offline,
        ];
        for state in states {
            let text = serde_json::to_string(&state).expect("a state writes");
            let back: ConnectionState = serde_json::from_str(&text).expect("and reads back");
            assert_eq!(back, state, "{text}");
            assert!(STATES.contains(&state.label()));
        }
        let unknown = serde_json::from_str::<ConnectionState>(r#"{"state":"dozing"}"#);
        assert!(unknown.is_err_and(|e| e.to_string().contains("unknown variant `dozing`")));
        let partial = serde_json::from_str::<ConnectionState>(r#"{"state":"reconnecting"}"#);
        assert!(partial.is_err_and(|e| e.to_string().contains("missing field `attempt`")));
        let untagged = serde_json::from_str::<ConnectionState>(r#"{"attempt":1}"#);
        assert!(untagged.is_err_and(|e| e.to_string().contains("missing field `state`")));
        // Fields a state does not have are ignored, as the derived reader did.
        let live: ConnectionState =
            serde_json::from_str(r#"{"state":"live","attempt":2}"#).expect("live");
        assert_eq!(live, ConnectionState::Live);
    }
}
