//! One connection's subscriptions: access checks, `since` replay, live delivery in `seq` order
//! without gaps or duplicates, catch-up after falling behind, and revocation.
//!
//! The order that makes resumption lossless: subscribe to live delivery first, then read the
//! log. Every event is either in what the log returned (seq ≤ head) or arrives live after it;
//! the overlap is dropped by comparing each live event's `seq` with the position already sent.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use data_farm_protocol::{Positions, ServerMessage, Topic, WsErrorCode};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{StreamExt, StreamMap};

use crate::fanout::StoredEvent;
use crate::state::AppState;
use crate::store::{rows, users, Replay};

/// Most topics one subscribe frame may name.
const MAX_TOPICS: usize = 256;

/// Something to send to the client, in order.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// A lifecycle event (its frame is pre-serialized).
    Event(StoredEvent),
    /// Any other server message.
    Message(ServerMessage),
}

/// The subscriptions of one connection.
pub struct TopicFeed {
    state: AppState,
    user_id: String,
    streams: StreamMap<String, BroadcastStream<Arc<StoredEvent>>>,
    positions: BTreeMap<String, u64>,
}

fn error(code: WsErrorCode, message: String, topic: Option<String>) -> Outgoing {
    Outgoing::Message(ServerMessage::Error {
        code,
        message,
        topic,
    })
}

impl TopicFeed {
    /// An empty feed for `user_id`.
    pub fn new(state: AppState, user_id: String) -> Self {
        TopicFeed {
            state,
            user_id,
            streams: StreamMap::new(),
            positions: BTreeMap::new(),
        }
    }

    async fn may_read(&self, topic: &Topic) -> bool {
        match topic {
            Topic::User(id) => *id == self.user_id,
            Topic::Team(team_id) => {
                let (user_id, team_id) = (self.user_id.clone(), team_id.clone());
                self.state
                    .db()
                    .read(move |conn| Ok(rows::is_member(conn, &user_id, &team_id)?))
                    .await
                    .unwrap_or(false)
            }
        }
    }

    /// Subscribes to each topic (resuming after `since` where given) and returns what to send:
    /// per topic `subscribed`, then the replayed events or a `resync`, or an `error`.
    pub async fn subscribe(&mut self, topics: &[String], since: &Positions) -> Vec<Outgoing> {
        let mut out = Vec::new();
        if topics.len() > MAX_TOPICS {
            out.push(error(
                WsErrorCode::Invalid,
                format!("at most {MAX_TOPICS} topics per subscription"),
                None,
            ));
            return out;
        }
        let mut seen = HashSet::new();
        for name in topics {
            if !seen.insert(name) {
                continue;
            }
            let topic = match name.parse::<Topic>() {
                Ok(topic) => topic,
                Err(why) => {
                    out.push(error(
                        WsErrorCode::Invalid,
                        why.to_string(),
                        Some(name.clone()),
                    ));
                    continue;
                }
            };
            if !self.may_read(&topic).await {
                let message = format!("you may not subscribe to {name}");
                out.push(error(WsErrorCode::Forbidden, message, Some(name.clone())));
                continue;
            }
            // Live first, then the log: see the module docs.
            let live = BroadcastStream::new(self.state.fanout().subscribe(name));
            self.state.fanout().until_live(name).await;
            let log = self.state.log();
            let topic_name = name.clone();
            let resume = since.get(name).copied();
            let replay = tokio::task::spawn_blocking(move || match resume {
                Some(since) => log.replay(&topic_name, since),
                None => log.head(&topic_name).map(|head| Replay::Events {
                    head,
                    events: Vec::new(),
                }),
            })
            .await;
            let replay = match replay {
                Ok(Ok(replay)) => replay,
                _ => {
                    out.push(error(
                        WsErrorCode::Invalid,
                        "the event log is unavailable; retry".into(),
                        Some(name.clone()),
                    ));
                    continue;
                }
            };
            // Access may have ended while the log was read; then nothing of it is sent.
            if !self.may_read(&topic).await {
                out.push(Outgoing::Message(ServerMessage::Revoked {
                    topic: name.clone(),
                }));
                continue;
            }
            self.streams.insert(name.clone(), live);
            match replay {
                Replay::Events { head, events } => {
                    out.push(Outgoing::Message(ServerMessage::Subscribed {
                        topic: name.clone(),
                        seq: head,
                    }));
                    out.extend(events.into_iter().map(Outgoing::Event));
                    self.positions.insert(name.clone(), head);
                }
                Replay::TooOld { head } => {
                    out.push(Outgoing::Message(ServerMessage::Subscribed {
                        topic: name.clone(),
                        seq: head,
                    }));
                    out.push(Outgoing::Message(ServerMessage::Resync {
                        topic: name.clone(),
                        seq: head,
                    }));
                    self.positions.insert(name.clone(), head);
                }
            }
        }
        out
    }

    /// Checks, in one read, that the session `session_id` lives and that the user still
    /// belongs to each team topic followed, in case a sign-out or revocation never reached this
    /// node (another node sent it while the broker was away). `None` when the session ended;
    /// otherwise what to send for the topics dropped. A database that does not answer ends and
    /// revokes nothing.
    pub async fn recheck(&mut self, session_id: &str) -> Option<Vec<Outgoing>> {
        let teams: Vec<String> = self
            .positions
            .keys()
            .filter_map(|name| match name.parse::<Topic>() {
                Ok(Topic::Team(team)) => Some(team),
                _ => None,
            })
            .collect();
        let (user_id, session_id) = (self.user_id.clone(), session_id.to_owned());
        let checked = self
            .state
            .db()
            .read(move |conn| {
                if !users::session_alive(conn, &session_id)? {
                    return Ok(None);
                }
                let mut lost = Vec::new();
                for team in teams {
                    if !rows::is_member(conn, &user_id, &team)? {
                        lost.push(team);
                    }
                }
                Ok(Some(lost))
            })
            .await
            .unwrap_or_else(|_| Some(Vec::new()))?;
        Some(
            checked
                .into_iter()
                .filter_map(|team| self.revoke(&Topic::Team(team)))
                .collect(),
        )
    }

    /// Stops delivering `topics`.
    pub fn unsubscribe(&mut self, topics: &[String]) {
        for topic in topics {
            self.streams.remove(topic);
            self.positions.remove(topic);
        }
    }

    /// Drops `topic` after the user lost access; the `revoked` message when it was subscribed.
    pub fn revoke(&mut self, topic: &Topic) -> Option<Outgoing> {
        let name = topic.to_string();
        self.streams.remove(&name)?;
        self.positions.remove(&name);
        Some(Outgoing::Message(ServerMessage::Revoked { topic: name }))
    }

    /// The next things to send from live delivery. Pending forever while nothing is subscribed,
    /// so it can sit in a `select!` unguarded.
    pub async fn next(&mut self) -> Vec<Outgoing> {
        if self.streams.is_empty() {
            return std::future::pending().await;
        }
        let Some((topic, item)) = self.streams.next().await else {
            return Vec::new();
        };
        let position = self.positions.get(&topic).copied().unwrap_or(0);
        match item {
            Ok(event) if event.seq <= position => Vec::new(),
            Ok(event) if event.seq == position + 1 => {
                self.positions.insert(topic, event.seq);
                vec![Outgoing::Event(StoredEvent::clone(&event))]
            }
            // A gap (or lag): whatever was skipped is in the log.
            Ok(_) | Err(BroadcastStreamRecvError::Lagged(_)) => {
                self.catch_up(topic, position).await
            }
        }
    }

    async fn catch_up(&mut self, topic: String, position: u64) -> Vec<Outgoing> {
        let log = self.state.log();
        let name = topic.clone();
        match tokio::task::spawn_blocking(move || log.replay(&name, position)).await {
            Ok(Ok(Replay::Events { head, events })) => {
                self.positions.insert(topic, head);
                events.into_iter().map(Outgoing::Event).collect()
            }
            Ok(Ok(Replay::TooOld { head })) => {
                self.positions.insert(topic.clone(), head);
                vec![Outgoing::Message(ServerMessage::Resync {
                    topic,
                    seq: head,
                })]
            }
            _ => {
                // The log is unreachable: the client must refetch this topic once it is back.
                vec![Outgoing::Message(ServerMessage::Resync {
                    topic,
                    seq: position,
                })]
            }
        }
    }
}
