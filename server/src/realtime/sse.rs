//! `GET /api/v1/events/stream?topics=…`: the Server-Sent Events endpoint.
//!
//! Events are `event: entity.changed` with the same JSON as WebSocket `event` frames; the other
//! server messages are sent as SSE events named after their `type` (`subscribed`, `resync`,
//! `revoked`, `error`). Every message's `id` is the comma-separated `topic=seq` list of all
//! topics, so `Last-Event-ID` resumes each of them.

use std::convert::Infallible;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use data_farm_protocol::{Positions, ServerMessage};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{stopped, Control, Outgoing, TopicFeed};
use crate::auth::{origin_allowed, CurrentUser};
use crate::error::ApiError;
use crate::state::AppState;

/// The query string.
#[derive(Debug, Deserialize)]
pub struct StreamParams {
    topics: String,
    /// Extension: the same `topic=seq` list as `Last-Event-ID`, for clients that manage their
    /// own reconnection. `Last-Event-ID` wins where both name a topic.
    since: Option<String>,
}

/// Parses a `Last-Event-ID` of the form `team:1=5,team:2=9`; malformed parts are ignored.
pub fn parse_last_event_id(value: &str) -> Positions {
    value
        .split(',')
        .filter_map(|part| {
            let (topic, seq) = part.trim().rsplit_once('=')?;
            Some((topic.to_owned(), seq.parse().ok()?))
        })
        .collect()
}

fn event_id(positions: &Positions) -> String {
    positions
        .iter()
        .map(|(topic, seq)| format!("{topic}={seq}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// What the client has been sent, per topic: the basis of every event id. Tracked from the
/// outgoing messages themselves so that an id never runs ahead of what was delivered.
#[derive(Default)]
struct Sent(Positions);

impl Sent {
    /// Records `item` as sent and returns its SSE form.
    fn record(&mut self, item: Outgoing, since: &Positions) -> Event {
        match item {
            Outgoing::Event(event) => {
                self.0.insert(event.topic.clone(), event.seq);
                Event::default()
                    .event("entity.changed")
                    .id(event_id(&self.0))
                    .data(event.frame.as_str())
            }
            Outgoing::Message(message) => {
                let name = match &message {
                    ServerMessage::Subscribed { topic, seq } => {
                        // With `since`, the replayed events follow; the position is theirs to move.
                        let at = since.get(topic).map_or(*seq, |since| (*since).min(*seq));
                        self.0.insert(topic.clone(), at);
                        "subscribed"
                    }
                    ServerMessage::Resync { topic, seq } => {
                        self.0.insert(topic.clone(), *seq);
                        "resync"
                    }
                    ServerMessage::Revoked { topic } => {
                        self.0.remove(topic);
                        "revoked"
                    }
                    ServerMessage::Error { .. } => "error",
                    ServerMessage::Pong => "pong",
                    ServerMessage::Event(_) => "entity.changed",
                };
                Event::default()
                    .event(name)
                    .id(event_id(&self.0))
                    .data(message.encode())
            }
        }
    }
}

/// Opens the stream for the topics named in the query, resuming from `Last-Event-ID`.
pub async fn handler(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    Query(params): Query<StreamParams>,
) -> Response {
    if !origin_allowed(&headers, &state.config().allowed_origins) {
        return ApiError::forbidden("this origin may not open realtime connections")
            .into_response();
    }
    let topics: Vec<String> = params
        .topics
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    if topics.is_empty() {
        return ApiError::invalid_field("topics", "name at least one topic").into_response();
    }
    let mut since = params
        .since
        .as_deref()
        .map(parse_last_event_id)
        .unwrap_or_default();
    if let Some(last) = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
    {
        since.extend(parse_last_event_id(last));
    }
    let (tx, rx) = mpsc::channel::<Result<Event, Infallible>>(256);
    tokio::spawn(run(state.clone(), current, topics, since, tx));
    Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(state.config().heartbeat))
        .into_response()
}

async fn run(
    state: AppState,
    current: CurrentUser,
    topics: Vec<String>,
    since: Positions,
    tx: mpsc::Sender<Result<Event, Infallible>>,
) {
    let mut controls = state
        .controls()
        .register(&current.user.id, &current.session_id);
    let mut shutdown = state.shutdown_signal();
    let mut feed = TopicFeed::new(state, current.user.id);
    let mut sent = Sent::default();
    let first = feed.subscribe(&topics, &since).await;
    for item in first {
        if tx.send(Ok(sent.record(item, &since))).await.is_err() {
            return;
        }
    }
    loop {
        let out = tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => return,
            _ = tx.closed() => return,
            control = controls.recv() => match control {
                Some(Control::Revoke(topic)) => feed.revoke(&topic).into_iter().collect(),
                Some(Control::Close) | None => return,
            },
            out = feed.next() => out,
        };
        for item in out {
            if tx.send(Ok(sent.record(item, &since))).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_event_id_round_trips() {
        let positions: Positions = [("team:a".to_owned(), 5), ("team:b".to_owned(), 9)].into();
        let id = event_id(&positions);
        assert_eq!(id, "team:a=5,team:b=9");
        assert_eq!(parse_last_event_id(&id), positions);
    }

    #[test]
    fn malformed_parts_of_last_event_id_are_ignored() {
        let parsed = parse_last_event_id("team:a=5,garbage,team:b=x, team:c=2");
        assert_eq!(
            parsed,
            [("team:a".to_owned(), 5), ("team:c".to_owned(), 2)].into()
        );
    }
}
