//! Server-Sent Events conformance: the same events as the WebSocket, ids that resume every topic.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use support::{Client, TestServer, PATIENCE};

/// One parsed SSE message.
#[derive(Debug, Clone)]
struct SseMessage {
    event: String,
    id: Option<String>,
    data: Value,
}

struct SseStream {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl SseStream {
    async fn open(
        client: &Client,
        topics: &str,
        last_event_id: Option<&str>,
    ) -> (reqwest::StatusCode, SseStream) {
        let mut request = client.request(
            reqwest::Method::GET,
            &format!("/events/stream?topics={topics}"),
        );
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.expect("stream opened");
        let status = response.status();
        (
            status,
            SseStream {
                body: Box::pin(response.bytes_stream()),
                buffer: String::new(),
            },
        )
    }

    async fn next(&mut self) -> SseMessage {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut message = SseMessage {
                    event: "message".into(),
                    id: None,
                    data: Value::Null,
                };
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        message.event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        message.id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // keep-alive comment
                }
                message.data = serde_json::from_str(&data).expect("json data");
                return message;
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .expect("sse message in time")
                .expect("stream open")
                .expect("chunk");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    async fn quiet_for(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.next()).await.is_err()
    }
}

#[tokio::test]
async fn delivers_entity_changes_with_resumable_ids() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let acme = alice.team("Acme").id;
    let globex = alice.team("Globex").id;
    let topics = format!("team:{acme},team:{globex}");
    let (status, mut stream) = SseStream::open(&alice, &topics, None).await;
    assert_eq!(status, 200);
    for _ in 0..2 {
        assert_eq!(stream.next().await.event, "subscribed");
    }

    alice.create_app(&acme, "A1").await;
    alice.create_app(&globex, "G1").await;
    let first = stream.next().await;
    assert_eq!(first.event, "entity.changed");
    assert_eq!(first.data["type"], "event");
    assert_eq!(first.data["data"]["name"], "A1");
    let second = stream.next().await;
    let resume_from = second.id.clone().expect("event id");
    assert_eq!(resume_from, format!("team:{acme}=1,team:{globex}=1"));
    drop(stream);

    // missed while disconnected
    alice.create_app(&acme, "A2").await;
    alice.create_app(&globex, "G2").await;

    let (_, mut resumed) = SseStream::open(&alice, &topics, Some(&resume_from)).await;
    let mut names = Vec::new();
    while names.len() < 2 {
        let message = resumed.next().await;
        if message.event == "entity.changed" {
            names.push(message.data["data"]["name"].as_str().unwrap().to_owned());
        }
    }
    names.sort();
    assert_eq!(names, ["A2", "G2"]);
    assert!(
        resumed.quiet_for(Duration::from_millis(300)).await,
        "no duplicates of A1/G1"
    );
}

#[tokio::test]
async fn forbidden_topics_get_an_error_event_and_nothing_else() {
    let server = TestServer::start().await;
    let alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let acme = alice.team("Acme").id;
    let (status, mut stream) = SseStream::open(&bob, &format!("team:{acme}"), None).await;
    assert_eq!(status, 200);
    let message = stream.next().await;
    assert_eq!(message.event, "error");
    assert_eq!(message.data["code"], "forbidden");
    alice.create_app(&acme, "Hidden").await;
    assert!(stream.quiet_for(Duration::from_millis(300)).await);
}

#[tokio::test]
async fn needs_a_session() {
    let server = TestServer::start().await;
    let response = reqwest::get(format!(
        "{}/api/v1/events/stream?topics=team:team_1",
        server.url()
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
}
