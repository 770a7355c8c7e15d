//! `GET /api/v1/ws`: the WebSocket endpoint.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use data_farm_protocol::{
    ClientMessage, ServerMessage, WsErrorCode, CLOSE_GOING_AWAY, CLOSE_POLICY, CLOSE_TOO_LARGE,
    CLOSE_UNAUTHORIZED, MAX_CLIENT_FRAME_BYTES,
};
use governor::{Quota, RateLimiter};
use tokio::time::{interval, Instant, MissedTickBehavior};

use super::{stopped, Control, Outgoing, TopicFeed};
use crate::auth::{origin_allowed, CurrentUser};
use crate::error::ApiError;
use crate::state::AppState;

/// Frames refused for rate before the connection is closed.
const MAX_STRIKES: u32 = 20;
/// Silent heartbeat intervals before a peer counts as dead.
const DEAD_AFTER_INTERVALS: u32 = 3;

/// Upgrades an authenticated same-origin (or allowed-origin) request.
pub async fn handler(
    State(state): State<AppState>,
    current: CurrentUser,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    if !origin_allowed(&headers, &state.config().allowed_origins) {
        return ApiError::forbidden("this origin may not open realtime connections")
            .into_response();
    }
    // Frames a little over the limit are read so they can be refused with a clear close code;
    // far larger ones fail in the reader and close the connection.
    upgrade
        .max_message_size(MAX_CLIENT_FRAME_BYTES * 16)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES * 16)
        .on_upgrade(move |socket| run(socket, state, current))
}

fn text(message: &ServerMessage) -> Message {
    Message::Text(Utf8Bytes::from(message.encode()))
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn send_all(socket: &mut WebSocket, out: Vec<Outgoing>) -> bool {
    for item in out {
        let message = match item {
            Outgoing::Event(event) => Message::Text(event.frame),
            Outgoing::Message(message) => text(&message),
        };
        if socket.send(message).await.is_err() {
            return false;
        }
    }
    true
}

fn refusal(code: WsErrorCode, message: impl Into<String>) -> Vec<Outgoing> {
    vec![Outgoing::Message(ServerMessage::Error {
        code,
        message: message.into(),
        topic: None,
    })]
}

async fn run(mut socket: WebSocket, state: AppState, current: CurrentUser) {
    let mut controls = state
        .controls()
        .register(&current.user.id, &current.session_id);
    let mut shutdown = state.shutdown_signal();
    let mut feed = TopicFeed::new(state.clone(), current.user.id.clone());
    let heartbeat_every = state.config().heartbeat.max(Duration::from_millis(10));
    let mut heartbeat = interval(heartbeat_every);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let per_second = NonZeroU32::new(state.config().ws_rate_per_sec).unwrap_or(NonZeroU32::MAX);
    let burst = per_second.saturating_mul(NonZeroU32::new(4).unwrap_or(NonZeroU32::MIN));
    let limiter = RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst));
    let mut strikes = 0;
    let mut last_heard = Instant::now();

    loop {
        tokio::select! {
            biased;
            _ = stopped(&mut shutdown) => {
                close(&mut socket, CLOSE_GOING_AWAY, "server shutting down").await;
                break;
            }
            control = controls.recv() => match control {
                Some(Control::Revoke(topic)) => {
                    if let Some(out) = feed.revoke(&topic) {
                        if !send_all(&mut socket, vec![out]).await { break; }
                    }
                }
                Some(Control::Close) | None => {
                    close(&mut socket, CLOSE_UNAUTHORIZED, "session ended").await;
                    break;
                }
            },
            incoming = socket.recv() => {
                let message = match incoming {
                    None | Some(Ok(Message::Close(_))) => break,
                    Some(Err(_)) => {
                        // Oversized beyond what the reader accepts, or a protocol violation.
                        close(&mut socket, CLOSE_TOO_LARGE, "frame rejected").await;
                        break;
                    }
                    Some(Ok(message)) => message,
                };
                last_heard = Instant::now();
                let body = match message {
                    Message::Text(body) => body,
                    Message::Binary(_) => {
                        if !send_all(&mut socket, refusal(WsErrorCode::Invalid, "binary frames are not supported")).await { break; }
                        continue;
                    }
                    _ => continue,
                };
                if body.len() > MAX_CLIENT_FRAME_BYTES {
                    let why = format!("frames may be at most {MAX_CLIENT_FRAME_BYTES} bytes");
                    let _ = send_all(&mut socket, refusal(WsErrorCode::TooLarge, why)).await;
                    close(&mut socket, CLOSE_TOO_LARGE, "frame too large").await;
                    break;
                }
                if limiter.check().is_err() {
                    strikes += 1;
                    if strikes > MAX_STRIKES {
                        close(&mut socket, CLOSE_POLICY, "rate limit exceeded").await;
                        break;
                    }
                    if !send_all(&mut socket, refusal(WsErrorCode::RateLimited, "too many frames; slow down")).await { break; }
                    continue;
                }
                let out = match serde_json::from_str::<ClientMessage>(body.as_str()) {
                    Ok(ClientMessage::Subscribe { topics, since }) => {
                        feed.subscribe(&topics, &since.unwrap_or_default()).await
                    }
                    Ok(ClientMessage::Unsubscribe { topics }) => {
                        feed.unsubscribe(&topics);
                        Vec::new()
                    }
                    Ok(ClientMessage::Ping) => vec![Outgoing::Message(ServerMessage::Pong)],
                    Err(err) => refusal(WsErrorCode::Invalid, format!("not a client message: {err}")),
                };
                if !send_all(&mut socket, out).await { break; }
            }
            out = feed.next() => {
                if !send_all(&mut socket, out).await { break; }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > heartbeat_every * DEAD_AFTER_INTERVALS {
                    tracing::debug!(user = %current.user.id, "dropping a silent realtime peer");
                    break;
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() { break; }
                // Sign-outs and revocations arrive as controls at once; this catches, within
                // one heartbeat, those that another node sent while the broker was away (and
                // sessions that expired).
                let Some(revoked) = feed.recheck(&current.session_id).await else {
                    close(&mut socket, CLOSE_UNAUTHORIZED, "session ended").await;
                    break;
                };
                if !send_all(&mut socket, revoked).await { break; }
            }
        }
    }
}
