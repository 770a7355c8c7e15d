//! What nodes say to each other over NATS: subjects and payloads.
//!
//! Subjects start with `datafarm.<cluster>`, the id the nodes' shared database holds, so clusters
//! sharing a broker never hear each other. An event travels on `….events.<topic>` as
//! `node \n seq \n frame` (the frame is the complete `{"type":"event",…}` text every connection
//! sends, serialized once by the node that committed it). Controls travel on `….control` as
//! `node \n revoke \n user \n topic` or `node \n close \n session`. The sending node's id lets
//! each node skip what it sent itself (it delivered that locally already).

use bytes::Bytes;

use crate::realtime::Notice;

/// The subject carrying every node's controls in `cluster`.
pub fn control_subject(cluster: &str) -> String {
    format!("datafarm.{}.control", token(cluster))
}

/// The subject on which the nodes of `cluster` say they are up (the payload: the node's id).
pub fn presence_subject(cluster: &str) -> String {
    format!("datafarm.{}.presence", token(cluster))
}

/// The subject of `topic`'s events in `cluster`.
pub fn event_subject(cluster: &str, topic: &str) -> String {
    format!("datafarm.{}.events.{}", token(cluster), token(topic))
}

/// `text` as one subject token. Ids are the server's own (`team_12`), but anything outside
/// `[A-Za-z0-9_:-]` (NATS reserves `.`, `*`, `>` and white space) is written as `%XX`.
fn token(text: &str) -> String {
    let mut subject = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b':' | b'-') {
            subject.push(byte as char);
        } else {
            subject.push_str(&format!("%{byte:02X}"));
        }
    }
    subject
}

/// An event as a node receives it from another.
#[derive(Debug, PartialEq, Eq)]
pub struct RemoteEvent {
    /// The node that committed it.
    pub node: String,
    /// Its position in the topic.
    pub seq: u64,
    /// The frame to send.
    pub frame: String,
}

/// The payload of one event.
pub fn encode_event(node: &str, seq: u64, frame: &str) -> Bytes {
    Bytes::from(format!("{node}\n{seq}\n{frame}"))
}

/// An event payload, or `None` when it is not one (a foreign publisher on our subjects).
pub fn decode_event(payload: &[u8]) -> Option<RemoteEvent> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut parts = text.splitn(3, '\n');
    let node = parts.next()?.to_owned();
    let seq = parts.next()?.parse().ok()?;
    let frame = parts.next()?.to_owned();
    Some(RemoteEvent { node, seq, frame })
}

/// The payload of one control.
pub fn encode_notice(node: &str, notice: &Notice) -> Bytes {
    Bytes::from(match notice {
        Notice::Revoke { user, topic } => format!("{node}\nrevoke\n{user}\n{topic}"),
        Notice::CloseSession(session) => format!("{node}\nclose\n{session}"),
    })
}

/// A control payload and its sender, or `None` when it is not one.
pub fn decode_notice(payload: &[u8]) -> Option<(String, Notice)> {
    let text = std::str::from_utf8(payload).ok()?;
    let mut parts = text.split('\n');
    let node = parts.next()?.to_owned();
    let notice = match parts.next()? {
        "revoke" => Notice::Revoke {
            user: parts.next()?.to_owned(),
            topic: parts.next()?.parse().ok()?,
        },
        "close" => Notice::CloseSession(parts.next()?.to_owned()),
        _ => return None,
    };
    parts.next().is_none().then_some((node, notice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use data_farm_protocol::Topic;

    #[test]
    fn subjects_keep_server_ids_and_escape_the_rest() {
        assert_eq!(
            event_subject("c1", "team:team_1"),
            "datafarm.c1.events.team:team_1"
        );
        assert_eq!(
            event_subject("c1", "team:a.b >"),
            "datafarm.c1.events.team:a%2Eb%20%3E"
        );
        assert_eq!(control_subject("c.2"), "datafarm.c%2E2.control");
    }

    #[test]
    fn events_round_trip_and_frames_keep_their_newlines() {
        let payload = encode_event("n1", 42, "{\"a\":\n1}");
        assert_eq!(
            decode_event(&payload),
            Some(RemoteEvent {
                node: "n1".into(),
                seq: 42,
                frame: "{\"a\":\n1}".into()
            })
        );
        assert_eq!(decode_event(b"n1\nnot-a-number\n{}"), None);
        assert_eq!(decode_event(b"\xff"), None);
    }

    #[test]
    fn notices_round_trip_and_garbage_is_refused() {
        for notice in [
            Notice::Revoke {
                user: "user_1".into(),
                topic: Topic::Team("team_2".into()),
            },
            Notice::CloseSession("abc".into()),
        ] {
            assert_eq!(
                decode_notice(&encode_notice("n2", &notice)),
                Some(("n2".into(), notice))
            );
        }
        assert_eq!(decode_notice(b"n2\nrevoke\nuser_1\ngroup:1"), None);
        assert_eq!(decode_notice(b"n2\nexplode\nx"), None);
        assert_eq!(decode_notice(b"n2\nclose\na\nb"), None);
    }
}
