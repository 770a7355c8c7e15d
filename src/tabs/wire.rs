//! What tabs say to each other over the channel.

use serde::{Deserialize, Serialize};

use crate::realtime::relay::Relayed;

/// One message on the channel of a user's tabs.
#[derive(Debug, Clone, Serialize, Deserialize)]
// Externally tagged, like [`Relayed`] (whose events keep their `data` undecoded).
#[serde(rename_all = "snake_case")]
pub(crate) enum Wire {
    /// From the leader: what its subscriber did.
    Relay {
        /// The relayed message.
        relayed: Relayed,
    },
    /// From a tab that just started: the leader answers with its state.
    Hello,
    /// From a follower: it queued changes in the shared outbox for the leader to send.
    OutboxChanged,
    /// From a follower about to fetch: does the leader hold a fresh answer?
    Ask {
        /// The asking tab.
        from: u32,
        /// Its request number.
        id: u64,
        /// The entity kind.
        kind: String,
        /// What it would fetch.
        question: Question,
    },
    /// The leader's answer to [`Wire::Ask`]: the JSON the server would give, or nothing.
    Answer {
        /// The asking tab.
        to: u32,
        /// Its request number.
        id: u64,
        /// The answer (the server's JSON text), when fresh.
        value: Option<String>,
    },
}

/// What a follower would fetch.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Question {
    /// One page of a list.
    List(crate::query::ListQuery),
    /// One entity.
    Record(String),
}

impl Wire {
    /// The text sent on the channel.
    pub(crate) fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A message read from the channel; `None` for anything this version cannot read.
    pub(crate) fn decode(text: &str) -> Option<Wire> {
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_survive_the_channel_and_garbage_is_ignored() {
        let hello = Wire::decode(&Wire::Hello.encode());
        assert!(matches!(hello, Some(Wire::Hello)));
        let relay = Wire::Relay {
            relayed: Relayed::Purge { team: "t1".into() },
        };
        assert!(matches!(
            Wire::decode(&relay.encode()),
            Some(Wire::Relay { relayed: Relayed::Purge { team } }) if team == "t1"
        ));
        let ask = Wire::Ask {
            from: 7,
            id: 1,
            kind: "device".into(),
            question: Question::List(crate::query::ListQuery::new().team("t1")),
        };
        assert!(matches!(
            Wire::decode(&ask.encode()),
            Some(Wire::Ask { question: Question::List(q), .. }) if q.team.as_deref() == Some("t1")
        ));
        assert!(Wire::decode("\"from_the_future\"").is_none());
        assert!(Wire::decode("not json").is_none());
    }
}
