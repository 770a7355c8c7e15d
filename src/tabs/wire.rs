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
        assert!(Wire::decode("\"from_the_future\"").is_none());
        assert!(Wire::decode("not json").is_none());
    }
}
