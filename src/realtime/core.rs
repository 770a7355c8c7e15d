//! The subscriber's logic, free of any transport or timer: frames in, actions out. Positions
//! per topic make resumption exact; gaps ask the server for a replay; `resync` and `revoked`
//! become refetches and purges.

use data_farm_protocol::{
    ChangeOp, ClientMessage, EventMessage, Positions, ServerMessage, Topic, WsErrorCode,
};
use serde_json::value::RawValue;

use super::backoff::Backoff;
use super::status::{ConnectionState, Counters};
use topic_set::TopicSet;

mod topic_set;

/// What the subscriber asks its host to do.
#[derive(Debug, Clone)]
pub enum Action {
    /// Send this message (WebSocket) or reopen with the new topics (SSE).
    Send(ClientMessage),
    /// Apply this event to the store of its kind.
    Apply(EventMessage),
    /// Refetch what the stores hold of this team (after `resync`, or a first subscription).
    RefetchTeam(String),
    /// Forget everything of this team (access revoked).
    Purge(String),
    /// The user joined this team: its record, for the team store.
    Joined(EventMessage),
    /// Close the connection (it went silent).
    Close,
    /// Open a new connection after this many milliseconds.
    Reconnect(f64),
    /// The session is over: stop.
    Stop,
}

/// Heartbeat and backoff settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Client ping interval. Defaults to 15 s.
    pub ping_ms: f64,
    /// Silence after which the connection counts as dead. Defaults to 35 s.
    pub dead_after_ms: f64,
    /// Reconnection backoff.
    pub backoff: Backoff,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            ping_ms: 15_000.0,
            dead_after_ms: 35_000.0,
            backoff: Backoff::default(),
        }
    }
}

/// The subscriber's state machine.
#[derive(Debug, Clone)]
pub struct SubscriberCore {
    user_id: String,
    teams: TopicSet,
    positions: Positions,
    /// Topics asked with `since`, until their `subscribed` arrives.
    resuming: TopicSet,
    /// Topics asked without `since`: their data must be refetched once subscribed.
    fresh: TopicSet,
    state: ConnectionState,
    /// The browser reports no network: no connection is tried until it is back.
    offline: bool,
    /// Stopped for good (sign-out, or the server ended the session).
    ended: bool,
    attempt: u32,
    opened_before: bool,
    last_heard: f64,
    last_ping: f64,
    timing: Timing,
    counters: Counters,
}

fn team_of(topic: &str) -> Option<String> {
    match topic.parse::<Topic>() {
        Ok(Topic::Team(id)) => Some(id),
        _ => None,
    }
}

impl SubscriberCore {
    /// A subscriber for `user_id`, member of `teams`.
    pub fn new(user_id: &str, teams: impl IntoIterator<Item = String>, timing: Timing) -> Self {
        SubscriberCore {
            user_id: user_id.to_owned(),
            teams: TopicSet::of(teams),
            positions: Positions::new(),
            resuming: TopicSet::default(),
            fresh: TopicSet::default(),
            state: ConnectionState::Stopped,
            offline: false,
            ended: false,
            attempt: 0,
            opened_before: false,
            last_heard: 0.0,
            last_ping: 0.0,
            timing,
            counters: Counters::default(),
        }
    }

    /// The connection state.
    pub fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The counters.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Counts events the stores reported as applied, stale or malformed.
    pub fn count_outcomes(&mut self, applied: u64, stale: u64, malformed: u64) {
        self.counters.applied += applied;
        self.counters.stale += stale;
        self.counters.malformed += malformed;
    }

    /// Every topic the subscriber wants.
    pub fn topics(&self) -> Vec<String> {
        let mut topics = vec![format!("user:{}", self.user_id)];
        topics.extend(self.teams.iter().map(|team| format!("team:{team}")));
        topics
    }

    /// The last applied `seq` per topic.
    pub fn positions(&self) -> &Positions {
        &self.positions
    }

    /// Resumes these topics from these positions on the next open.
    pub fn resume_from(&mut self, positions: &Positions) {
        let wanted = self.topics();
        for (topic, seq) in positions.iter() {
            if wanted.iter().any(|w| w == topic) {
                self.positions.insert(topic.to_owned(), *seq);
            }
        }
    }

    /// The connection is being opened.
    pub fn connecting(&mut self) {
        self.state = ConnectionState::Connecting;
    }

    /// The connection opened: subscribe to every topic, resuming where positions are known.
    pub fn on_open(&mut self, now: f64) -> Vec<Action> {
        if self.opened_before {
            self.counters.reconnects += 1;
        }
        self.opened_before = true;
        self.state = ConnectionState::Connecting;
        self.last_heard = now;
        self.last_ping = now;
        let topics = self.topics();
        self.subscribe(topics)
    }

    fn subscribe(&mut self, topics: Vec<String>) -> Vec<Action> {
        let mut since = Positions::new();
        for topic in &topics {
            match self.positions.get(topic) {
                Some(&position) => {
                    since.insert(topic.clone(), position);
                    self.resuming.insert(topic.clone());
                }
                None => {
                    self.fresh.insert(topic.clone());
                }
            }
        }
        let since = (!since.is_empty()).then_some(since);
        vec![Action::Send(ClientMessage::Subscribe { topics, since })]
    }

    /// A frame arrived.
    pub fn on_text(&mut self, text: &str, now: f64) -> Vec<Action> {
        self.last_heard = now;
        let message = match ServerMessage::decode(text) {
            Ok(message) => message,
            Err(err) => {
                self.counters.malformed += 1;
                leptos::logging::warn!("data-farm realtime: ignored a frame: {err}");
                return Vec::new();
            }
        };
        self.on_message(message)
    }

    /// A decoded message arrived.
    pub fn on_message(&mut self, message: ServerMessage) -> Vec<Action> {
        match message {
            ServerMessage::Subscribed { topic, seq } => {
                let resumed = self.resuming.remove(&topic);
                let fresh = self.fresh.remove(&topic);
                self.mark_live_when_settled();
                if resumed {
                    // Replayed events follow; the position moves as they apply.
                    return Vec::new();
                }
                self.positions.insert(topic.clone(), seq);
                match team_of(&topic) {
                    // Whatever was fetched before this subscription may predate events we
                    // will never see: refetch from here on.
                    Some(team) if fresh => vec![Action::RefetchTeam(team)],
                    _ => Vec::new(),
                }
            }
            ServerMessage::Event(event) => self.on_event(event),
            ServerMessage::Resync { topic, seq } => {
                self.resuming.remove(&topic);
                self.positions.insert(topic.clone(), seq);
                self.counters.resyncs += 1;
                team_of(&topic)
                    .map(Action::RefetchTeam)
                    .into_iter()
                    .collect()
            }
            ServerMessage::Revoked { topic } => self.drop_topic(&topic),
            ServerMessage::Error {
                code: WsErrorCode::Forbidden,
                topic: Some(topic),
                ..
            } => self.drop_topic(&topic),
            ServerMessage::Error { .. } => {
                self.counters.malformed += 1;
                Vec::new()
            }
            ServerMessage::Pong => Vec::new(),
        }
    }

    /// Live once every topic asked for has been acknowledged.
    fn mark_live_when_settled(&mut self) {
        if self.fresh.is_empty()
            && self.resuming.is_empty()
            && self.state == ConnectionState::Connecting
        {
            self.state = ConnectionState::Live;
            self.attempt = 0;
        }
    }

    fn drop_topic(&mut self, topic: &str) -> Vec<Action> {
        self.positions.remove(topic);
        self.resuming.remove(topic);
        self.fresh.remove(topic);
        self.mark_live_when_settled();
        match team_of(topic) {
            Some(team) => {
                self.teams.remove(&team);
                vec![Action::Purge(team)]
            }
            None => Vec::new(),
        }
    }

    fn on_event(&mut self, event: EventMessage) -> Vec<Action> {
        let Some(position) = self.positions.get(&event.topic).copied() else {
            // Not (or no longer) subscribed: a straggler from before an unsubscribe.
            self.counters.stale += 1;
            return Vec::new();
        };
        if event.seq <= position {
            self.counters.stale += 1;
            return Vec::new();
        }
        if event.seq > position + 1 {
            if self.resuming.contains(&event.topic) {
                return Vec::new(); // a replay is on its way
            }
            self.counters.gaps += 1;
            let topic = event.topic.clone();
            self.resuming.insert(topic.clone());
            let since = Positions::from_iter([(topic.clone(), position)]);
            return vec![Action::Send(ClientMessage::Subscribe {
                topics: vec![topic],
                since: Some(since),
            })];
        }
        // The topic has a position (read above): move it without a copy of the topic's name.
        if let Some(seq) = self.positions.get_mut(&event.topic) {
            *seq = event.seq;
        }
        if event.kind == "membership" {
            return self.on_membership(event);
        }
        vec![Action::Apply(event)]
    }

    fn on_membership(&mut self, event: EventMessage) -> Vec<Action> {
        if event.op != ChangeOp::Created {
            return Vec::new(); // a removal is followed by `revoked` for the team topic
        }
        let Some(team) = event.data.as_deref().and_then(joined_team).map(|t| t.id) else {
            self.counters.malformed += 1;
            return Vec::new();
        };
        if !self.teams.insert(team.clone()) {
            return Vec::new();
        }
        let mut actions = vec![Action::Joined(event)];
        actions.extend(self.subscribe(vec![format!("team:{team}")]));
        actions
    }

    /// The connection closed (`code` when the server said why). `random` in `[0, 1)` jitters
    /// the retry.
    pub fn on_closed(&mut self, code: Option<u16>, now: f64, random: f64) -> Vec<Action> {
        self.resuming.clear();
        self.fresh.clear();
        if code == Some(data_farm_protocol::CLOSE_UNAUTHORIZED) || self.ended {
            self.state = ConnectionState::Stopped;
            self.ended = true;
            return vec![Action::Stop];
        }
        if self.offline {
            // Nothing to retry against: the browser says when the network is back.
            self.state = ConnectionState::Offline;
            return Vec::new();
        }
        let delay = self.timing.backoff.delay(self.attempt, random);
        self.attempt += 1;
        self.state = ConnectionState::Reconnecting {
            attempt: self.attempt,
            next_retry_at: now + delay,
        };
        vec![Action::Reconnect(delay)]
    }

    /// Time passed: ping when due; close a connection that went silent.
    pub fn on_tick(&mut self, now: f64) -> Vec<Action> {
        if !matches!(
            self.state,
            ConnectionState::Live | ConnectionState::Connecting
        ) || !self.opened_before
        {
            return Vec::new();
        }
        if now - self.last_heard >= self.timing.dead_after_ms {
            return vec![Action::Close];
        }
        if now - self.last_ping >= self.timing.ping_ms {
            self.last_ping = now;
            return vec![Action::Send(ClientMessage::Ping)];
        }
        Vec::new()
    }

    /// Stops for good (sign-out).
    pub fn stop(&mut self) {
        self.state = ConnectionState::Stopped;
        self.ended = true;
    }

    /// Whether a connection may be opened now (not stopped, not offline).
    pub fn may_connect(&self) -> bool {
        !self.offline && !self.ended
    }

    /// The browser went offline (`true`) or came back. Offline, the connection is closed and
    /// no retry is scheduled; back online, one is opened at once, the backoff starting over.
    pub fn set_offline(&mut self, offline: bool, now: f64) -> Vec<Action> {
        if offline == self.offline {
            return Vec::new();
        }
        self.offline = offline;
        if self.ended {
            return Vec::new();
        }
        self.resuming.clear();
        self.fresh.clear();
        if offline {
            self.state = ConnectionState::Offline;
            return vec![Action::Close];
        }
        if self.state != ConnectionState::Offline {
            return Vec::new();
        }
        self.attempt = 0;
        self.state = ConnectionState::Reconnecting {
            attempt: 0,
            next_retry_at: now,
        };
        vec![Action::Reconnect(0.0)]
    }
}

/// The team of a `membership` event's `data` (a [`MembershipData`](data_farm_protocol::MembershipData)):
/// its id and version, and its record left undecoded for the team store.
///
/// Only what the subscriber needs is read: decoding the whole `MembershipData` (and encoding
/// its `Team` again for the store) linked the `Team` decoder and encoder into every app with
/// realtime, whether it has a team store or not.
pub(super) fn joined_team(data: &RawValue) -> Option<JoinedTeam<'_>> {
    #[derive(serde::Deserialize)]
    struct Membership<'a> {
        #[serde(borrow)]
        team: &'a RawValue,
    }
    #[derive(serde::Deserialize)]
    struct Head {
        id: String,
        version: u64,
    }
    let membership: Membership = serde_json::from_str(data.get()).ok()?;
    let head: Head = serde_json::from_str(membership.team.get()).ok()?;
    Some(JoinedTeam {
        id: head.id,
        version: head.version,
        record: membership.team,
    })
}

/// A team the user joined, as [`joined_team`] read it.
pub(super) struct JoinedTeam<'a> {
    /// The team's id.
    pub id: String,
    /// Its version.
    pub version: u64,
    /// Its whole record, as the event carried it.
    pub record: &'a RawValue,
}

#[cfg(test)]
mod tests;
