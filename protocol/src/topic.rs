use std::fmt;

/// A realtime topic: `team:ID` carries every lifecycle event of a team and all it owns,
/// `user:ID` carries a user's own membership changes.
///
/// ```
/// use data_farm_protocol::Topic;
/// let topic: Topic = "team:team_1".parse().unwrap();
/// assert_eq!(topic, Topic::Team("team_1".into()));
/// assert_eq!(topic.to_string(), "team:team_1");
/// assert!("group:1".parse::<Topic>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// `team:ID`
    Team(String),
    /// `user:ID`
    User(String),
}

impl Topic {
    /// The id part of the topic (the team's or the user's id).
    pub fn id(&self) -> &str {
        match self {
            Topic::Team(id) | Topic::User(id) => id,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Team(id) => write!(f, "team:{id}"),
            Topic::User(id) => write!(f, "user:{id}"),
        }
    }
}

/// Why a string is not a [`Topic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTopic(pub String);

impl fmt::Display for InvalidTopic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid topic {:?}: expected team:ID or user:ID", self.0)
    }
}

impl std::error::Error for InvalidTopic {}

impl std::str::FromStr for Topic {
    type Err = InvalidTopic;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (prefix, id) = s
            .split_once(':')
            .ok_or_else(|| InvalidTopic(s.to_owned()))?;
        let valid_id = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid_id {
            return Err(InvalidTopic(s.to_owned()));
        }
        match prefix {
            "team" => Ok(Topic::Team(id.to_owned())),
            "user" => Ok(Topic::User(id.to_owned())),
            _ => Err(InvalidTopic(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_ids_and_unknown_prefixes() {
        for bad in ["team:", "team", ":1", "org:1", "team:a b", "team:../x"] {
            assert!(bad.parse::<Topic>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn round_trips_user_topics() {
        let topic: Topic = "user:user_2".parse().unwrap();
        assert_eq!(topic.id(), "user_2");
        assert_eq!(topic.to_string(), "user:user_2");
    }
}
