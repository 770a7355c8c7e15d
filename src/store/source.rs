//! Where a record's confirmed state came from (feature `devtools`): kept on every row for the
//! panel, and named by the merge path as it writes.

/// Where a record's confirmed state last came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// Not confirmed yet (a temporary create, or a row a reader asked for).
    #[default]
    Nothing,
    /// A list or detail fetch from the server.
    Fetch,
    /// A page or record the leader tab shared from its cache (feature `tabs`).
    LeaderCache,
    /// Local storage, read when the app started (feature `persist`).
    Hydration,
    /// The answer to this client's own mutation.
    Mutation,
    /// A realtime event, with its `seq` on its topic when known.
    Event {
        /// The event's position on its topic.
        seq: Option<u64>,
        /// Whether the leader tab applied it and relayed it here.
        relayed: bool,
    },
}

impl Source {
    /// What an origin passed down the merge path means: none is a fetch.
    pub(super) fn of(origin: Option<crate::change::Origin>) -> Source {
        match origin {
            None => Source::Fetch,
            Some(crate::change::Origin::Local) => Source::Mutation,
            Some(crate::change::Origin::Remote) => Source::Event {
                seq: None,
                relayed: false,
            },
        }
    }

    /// A short label (`realtime event #42, relayed by the leader tab`).
    pub fn label(self) -> String {
        match self {
            Source::Nothing => "nothing yet".into(),
            Source::Fetch => "fetch".into(),
            Source::LeaderCache => "the leader tab's cache".into(),
            Source::Hydration => "local storage".into(),
            Source::Mutation => "mutation answer".into(),
            Source::Event { seq, relayed } => {
                let mut label = String::from("realtime event");
                if let Some(seq) = seq {
                    label.push_str(&format!(" #{seq}"));
                }
                if relayed {
                    label.push_str(", relayed by the leader tab");
                }
                label
            }
        }
    }
}
