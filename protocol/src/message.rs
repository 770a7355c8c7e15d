use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::wire_name::{deserialize_by_wire_name, WireName};

/// What happened to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// A new entity; `data` is the whole entity.
    Created,
    /// A changed entity; `data` is the whole entity.
    Updated,
    /// A removed entity; `data` is `null`.
    Deleted,
    /// Only status fields changed; `data` holds just those fields.
    Status,
}

impl ChangeOp {
    /// The wire name (`"created"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeOp::Created => "created",
            ChangeOp::Updated => "updated",
            ChangeOp::Deleted => "deleted",
            ChangeOp::Status => "status",
        }
    }
}

impl WireName for ChangeOp {
    const ALL: &'static [Self] = &[
        ChangeOp::Created,
        ChangeOp::Updated,
        ChangeOp::Deleted,
        ChangeOp::Status,
    ];
    const NAMES: &'static [&'static str] = &["created", "updated", "deleted", "status"];
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

deserialize_by_wire_name!(ChangeOp, WsErrorCode);

/// A frame a client sends over the WebSocket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Start receiving `topics`. For each topic named in `since`, first replay every event with a
    /// greater `seq`, then go live.
    Subscribe {
        /// Topics such as `team:team_1`.
        topics: Vec<String>,
        /// Last applied `seq` per topic.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<crate::Positions>,
    },
    /// Stop receiving `topics`.
    Unsubscribe {
        /// Topics to leave.
        topics: Vec<String>,
    },
    /// Application-level liveness probe; answered by [`ServerMessage::Pong`].
    Ping,
}

impl ClientMessage {
    /// The JSON text of this message.
    pub fn encode(&self) -> String {
        // Serializing these plain structs cannot fail: no maps with non-string keys, no floats.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One lifecycle event on a topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventMessage {
    /// The topic it was published on.
    pub topic: String,
    /// Position in the topic; increases by exactly 1 per event.
    pub seq: u64,
    /// Entity kind, singular (`device`). Open-ended: backends may add kinds.
    pub kind: String,
    /// What happened.
    pub op: ChangeOp,
    /// The entity's id.
    pub id: String,
    /// The entity's version after the change.
    pub version: u64,
    /// The whole entity (`created`, `updated`), only the status fields (`status`), or `null` (`deleted`).
    /// Left undecoded so that a dispatcher decodes it once, into the right type for `kind`.
    pub data: Option<Box<RawValue>>,
}

/// Error codes carried by [`ServerMessage::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WsErrorCode {
    /// The topic is not one the user may read.
    Forbidden,
    /// The frame was not a valid client message.
    Invalid,
    /// The frame was larger than the server accepts.
    TooLarge,
    /// The client sent frames faster than the server accepts (extension).
    RateLimited,
    /// A code this version of the protocol does not know.
    Unknown,
}

impl WsErrorCode {
    /// The wire name (`"too_large"`).
    pub fn as_str(self) -> &'static str {
        match self {
            WsErrorCode::Forbidden => "forbidden",
            WsErrorCode::Invalid => "invalid",
            WsErrorCode::TooLarge => "too_large",
            WsErrorCode::RateLimited => "rate_limited",
            WsErrorCode::Unknown => "unknown",
        }
    }
}

impl WireName for WsErrorCode {
    const ALL: &'static [Self] = &[
        WsErrorCode::Forbidden,
        WsErrorCode::Invalid,
        WsErrorCode::TooLarge,
        WsErrorCode::RateLimited,
    ];
    const UNKNOWN: Option<Self> = Some(WsErrorCode::Unknown);
    fn wire_name(self) -> &'static str {
        self.as_str()
    }
}

/// A frame the server sends over the WebSocket (and, as SSE events, over the event stream).
///
/// Decoding goes through a flat view of the frame rather than serde's internally tagged
/// enums, which buffer the whole value and cannot hand the event's `data` over undecoded.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The subscription is active; `seq` is the topic's current sequence number. When the
    /// subscription asked for `since`, the replayed events (`since + 1 ..= seq`) follow at once.
    Subscribed {
        /// The topic.
        topic: String,
        /// Its current sequence number.
        seq: u64,
    },
    /// A lifecycle event.
    Event(EventMessage),
    /// The requested `since` is older than the server keeps (or newer than it has): refetch
    /// everything held under `topic`, then continue from `seq`.
    Resync {
        /// The topic.
        topic: String,
        /// Its current sequence number.
        seq: u64,
    },
    /// The user lost access to `topic`; nothing more arrives on it.
    Revoked {
        /// The topic.
        topic: String,
    },
    /// A frame was refused.
    Error {
        /// What went wrong.
        code: WsErrorCode,
        /// A human-readable explanation.
        message: String,
        /// The topic concerned, when there is one (extension).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
    },
    /// Answer to [`ClientMessage::Ping`].
    Pong,
}

/// Why a server frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON, or JSON of the wrong shape.
    Malformed(String),
    /// Well-formed, but with a `type` this client does not know.
    UnknownType(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Malformed(why) => write!(f, "malformed message: {why}"),
            DecodeError::UnknownType(ty) => write!(f, "unknown message type {ty:?}"),
        }
    }
}

impl std::error::Error for DecodeError {}

const SERVER_TYPES: [&str; 6] = ["subscribed", "event", "resync", "revoked", "error", "pong"];

/// Every field any server message has, all optional; which are required depends on `type`.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    ty: std::borrow::Cow<'a, str>,
    topic: Option<String>,
    seq: Option<u64>,
    kind: Option<String>,
    op: Option<ChangeOp>,
    id: Option<String>,
    version: Option<u64>,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    code: Option<WsErrorCode>,
    message: Option<String>,
}

fn required<T, E: serde::de::Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

impl<'de> Deserialize<'de> for ServerMessage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let frame = Frame::deserialize(deserializer)?;
        Ok(match frame.ty.as_ref() {
            "event" => ServerMessage::Event(EventMessage {
                topic: required(frame.topic, "topic")?,
                seq: required(frame.seq, "seq")?,
                kind: required(frame.kind, "kind")?,
                op: required(frame.op, "op")?,
                id: required(frame.id, "id")?,
                version: required(frame.version, "version")?,
                data: frame.data,
            }),
            "subscribed" => ServerMessage::Subscribed {
                topic: required(frame.topic, "topic")?,
                seq: required(frame.seq, "seq")?,
            },
            "resync" => ServerMessage::Resync {
                topic: required(frame.topic, "topic")?,
                seq: required(frame.seq, "seq")?,
            },
            "revoked" => ServerMessage::Revoked {
                topic: required(frame.topic, "topic")?,
            },
            "error" => ServerMessage::Error {
                code: required(frame.code, "code")?,
                message: required(frame.message, "message")?,
                topic: frame.topic,
            },
            "pong" => ServerMessage::Pong,
            other => return Err(serde::de::Error::unknown_variant(other, &SERVER_TYPES)),
        })
    }
}

impl ServerMessage {
    /// Decodes one frame, telling malformed frames from frames of an unknown type.
    ///
    /// ```
    /// use data_farm_protocol::{DecodeError, ServerMessage};
    /// assert!(matches!(ServerMessage::decode(r#"{"type":"pong"}"#), Ok(ServerMessage::Pong)));
    /// assert_eq!(
    ///     ServerMessage::decode(r#"{"type":"gossip"}"#).unwrap_err(),
    ///     DecodeError::UnknownType("gossip".into())
    /// );
    /// assert!(matches!(ServerMessage::decode("{"), Err(DecodeError::Malformed(_))));
    /// ```
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        serde_json::from_str(text).map_err(|err| classify(text, err))
    }

    /// The JSON text of this message.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn classify(text: &str, err: serde_json::Error) -> DecodeError {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        ty: String,
    }
    match serde_json::from_str::<Probe>(text) {
        Ok(probe) if !SERVER_TYPES.contains(&probe.ty.as_str()) => {
            DecodeError::UnknownType(probe.ty)
        }
        _ => DecodeError::Malformed(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_without_since_omits_it() {
        let msg = ClientMessage::Subscribe {
            topics: vec!["team:team_1".into()],
            since: None,
        };
        assert_eq!(
            msg.encode(),
            r#"{"type":"subscribe","topics":["team:team_1"]}"#
        );
    }

    #[test]
    fn deleted_event_has_no_data() {
        let text = r#"{"type":"event","topic":"team:t","seq":2,"kind":"device","op":"deleted","id":"d","version":3,"data":null}"#;
        let ServerMessage::Event(event) = ServerMessage::decode(text).unwrap() else {
            panic!("not an event")
        };
        assert!(event.data.is_none());
        assert_eq!(event.op, ChangeOp::Deleted);
    }

    #[test]
    fn event_with_wrong_field_type_is_malformed_not_unknown() {
        let text = r#"{"type":"event","topic":"team:t","seq":"two"}"#;
        assert!(matches!(
            ServerMessage::decode(text),
            Err(DecodeError::Malformed(_))
        ));
    }

    #[test]
    fn event_round_trips_with_its_data_untouched() {
        let text = r#"{"type":"event","topic":"team:t","seq":5,"kind":"device","op":"updated","id":"d1","version":2,"data":{"id":"d1","name":"x"}}"#;
        let message = ServerMessage::decode(text).unwrap();
        let ServerMessage::Event(event) = &message else {
            panic!("not an event")
        };
        assert_eq!(
            event.data.as_ref().unwrap().get(),
            r#"{"id":"d1","name":"x"}"#
        );
        assert_eq!(message.encode(), text);
    }

    #[test]
    fn an_event_missing_a_field_is_malformed() {
        let text = r#"{"type":"event","topic":"team:t","seq":5,"kind":"device","op":"updated","version":2,"data":null}"#;
        let err = ServerMessage::decode(text).unwrap_err();
        assert!(
            matches!(&err, DecodeError::Malformed(why) if why.contains("id")),
            "{err}"
        );
    }

    #[test]
    fn unknown_error_codes_still_decode() {
        let text = r#"{"type":"error","code":"teapot","message":"short and stout"}"#;
        let ServerMessage::Error { code, .. } = ServerMessage::decode(text).unwrap() else {
            panic!("not an error")
        };
        assert_eq!(code, WsErrorCode::Unknown);
    }
}
