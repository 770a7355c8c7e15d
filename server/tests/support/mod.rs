//! A real server on an ephemeral loopback port with a temporary SQLite file, and clients for
//! its REST, WebSocket and SSE endpoints. Shared by every integration suite.
#![allow(dead_code)]

pub mod processes;

use std::collections::BTreeMap;
use std::time::Duration;

use data_farm_protocol::{ClientMessage, ErrorEnvelope, ServerMessage, SessionResponse, Team};
use data_farm_server::{start, DatabaseLocation, RunningServer, Seed, ServerConfig};
use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something that should arrive.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Set to a PostgreSQL server (`postgres://user@host:port`, no database), the suites run against
/// it, each test server in a database of its own; unset, each runs on a temporary SQLite file.
pub const POSTGRES_ENV: &str = "DATA_FARM_TEST_POSTGRES";

/// A new, empty database on the PostgreSQL server at `base`; its URL.
pub async fn fresh_database(base: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand_suffix()
    );
    let (client, connection) =
        tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
            .await
            .expect("the test PostgreSQL server answers");
    tokio::spawn(connection);
    client
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
        ))
        .await
        .expect("create a test database");
    format!("{base}/{name}")
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0)
}

/// Set (to anything) together with [`POSTGRES_ENV`] and `DATA_FARM_TEST_NATS`, every test
/// server is a cluster of two nodes on one database and broker behind haproxy: every request
/// and socket goes to the haproxy address, round-robin over the nodes, so each suite checks
/// its promises across nodes.
pub const CLUSTER_ENV: &str = "DATA_FARM_TEST_CLUSTER";

pub struct TestServer {
    pub server: Option<RunningServer>,
    /// The second node, in cluster mode (see [`CLUSTER_ENV`]).
    pub peer: Option<RunningServer>,
    /// haproxy in front of both, in cluster mode, and its base URL.
    balancer: Option<(tokio::process::Child, String)>,
    pub config: ServerConfig,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Small seed, temp file, port 0.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        Self::launch(tweak, true).await
    }

    /// One node, never a pair (for suites that build their own clusters).
    pub async fn node(tweak: impl FnOnce(&mut ServerConfig)) -> Self {
        Self::launch(tweak, false).await
    }

    async fn launch(tweak: impl FnOnce(&mut ServerConfig), pair: bool) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match std::env::var(POSTGRES_ENV) {
            Ok(base) if !base.is_empty() => DatabaseLocation::Postgres(fresh_database(&base).await),
            _ => DatabaseLocation::File(dir.path().join("test.sqlite")),
        };
        let mut config = ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            database,
            seed: Seed::Small,
            api_rate_per_sec: 0,
            ..ServerConfig::default()
        };
        let clustered = pair
            && std::env::var_os(CLUSTER_ENV).is_some()
            && matches!(config.database, DatabaseLocation::Postgres(_));
        if clustered {
            config.broker = Some(std::env::var("DATA_FARM_TEST_NATS").expect(
                "cluster mode needs DATA_FARM_TEST_NATS (a nats:// URL; scripts/test.sh sets it)",
            ));
        }
        tweak(&mut config);
        let server = start(config.clone()).await.expect("server starts");
        let (peer, balancer) = match clustered {
            true => {
                let peer = start(config.clone()).await.expect("the peer node starts");
                let addrs = [server.addr().to_string(), peer.addr().to_string()];
                // No health checks: a node restarting refuses connections, which haproxy sends
                // to the other node, as a single server would be briefly unreachable.
                let balancer = processes::balancer(dir.path(), &addrs, false).await;
                (Some(peer), Some(balancer))
            }
            false => (None, None),
        };
        TestServer {
            server: Some(server),
            peer,
            balancer,
            config,
            _dir: dir,
        }
    }

    /// The address clients use: haproxy's in cluster mode, else the server's.
    pub fn url(&self) -> String {
        match &self.balancer {
            Some((_, url)) => url.clone(),
            None => self.server.as_ref().expect("running").url(),
        }
    }

    /// The nodes running (one, or two in cluster mode).
    pub fn nodes(&self) -> impl Iterator<Item = &RunningServer> {
        self.server.iter().chain(self.peer.iter())
    }

    /// Realtime connections open on all nodes.
    pub fn connection_count(&self) -> usize {
        self.nodes()
            .map(|node| node.state().controls().connection_count())
            .sum()
    }

    /// The downtime the first node of those running to hear a test-control restart asked for.
    pub async fn restart_requested(&mut self) -> u64 {
        match (self.server.as_mut(), self.peer.as_mut()) {
            (Some(server), Some(peer)) => tokio::select! {
                down = server.restart_requested() => down,
                down = peer.restart_requested() => down,
            },
            (Some(server), None) => server.restart_requested().await,
            _ => std::future::pending().await,
        }
    }

    /// Whether the suite runs against PostgreSQL (see [`POSTGRES_ENV`]).
    pub fn on_postgres(&self) -> bool {
        matches!(self.config.database, DatabaseLocation::Postgres(_))
    }

    /// Stops the server (and its peer) and starts it again on the same port and database.
    pub async fn restart(&mut self) {
        let old = self.server.take().expect("running");
        let addr = old.addr();
        let peer = self.peer.take();
        let peer_addr = peer.as_ref().map(RunningServer::addr);
        old.shutdown().await;
        if let Some(peer) = peer {
            peer.shutdown().await;
        }
        let mut config = self.config.clone();
        config.addr = addr;
        self.server = Some(start(config.clone()).await.expect("server restarts"));
        if let Some(peer_addr) = peer_addr {
            config.addr = peer_addr;
            self.peer = Some(start(config).await.expect("the peer restarts"));
        }
        self.config.addr = addr;
    }

    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        if let Some(peer) = self.peer.take() {
            peer.shutdown().await;
        }
    }

    pub async fn login(&self, username: &str) -> Client {
        Client::login(&self.url(), username).await
    }
}

/// A signed-in HTTP client.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    /// Where [`Client::ws`] connects (the same as `base` unless a test points it elsewhere).
    pub realtime_base: String,
    pub cookie: String,
    pub session: SessionResponse,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn error(&self) -> ErrorEnvelope {
        self.json()
    }

    pub fn code(&self) -> String {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<none>")
            .to_owned()
    }
}

pub async fn raw(http: &reqwest::Client, request: reqwest::RequestBuilder) -> Reply {
    let _ = http;
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

impl Client {
    pub async fn login(base: &str, username: &str) -> Client {
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{base}/api/v1/session"))
            .json(&serde_json::json!({"username": username, "password": username}))
            .send()
            .await
            .expect("login sent");
        assert_eq!(response.status(), StatusCode::OK, "login as {username}");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_owned();
        let session: SessionResponse = response.json().await.expect("session body");
        Client {
            base: base.to_owned(),
            realtime_base: base.to_owned(),
            cookie,
            session,
            http,
        }
    }

    pub fn team(&self, name: &str) -> Team {
        self.session
            .teams
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .unwrap_or_else(|| panic!("no team {name}"))
    }

    /// The session cookie (`df_session=…`), as a browser would send it.
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    pub fn user_id(&self) -> String {
        self.session.user.id.clone()
    }

    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/api/v1{path}", self.base))
            .header("cookie", &self.cookie)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        raw(&self.http, request).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value, if_match: Option<u64>) -> Reply {
        let mut request = self.request(Method::PATCH, path).json(&body);
        if let Some(version) = if_match {
            request = request.header("if-match", version.to_string());
        }
        self.send(request).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path)).await
    }

    pub async fn ws(&self) -> Ws {
        Ws::connect(&self.realtime_base, Some(&self.cookie), None)
            .await
            .expect("websocket connects")
    }

    /// Creates an application in `team_id`; returns its JSON.
    pub async fn create_app(&self, team_id: &str, name: &str) -> Value {
        let reply = self
            .post(
                "/applications",
                serde_json::json!({"name": name, "team_id": team_id}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket client speaking the protocol.
pub struct Ws {
    pub socket: Socket,
}

impl Ws {
    pub async fn connect(
        base: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/api/v1/ws", base.replacen("http://", "ws://", 1));
        let mut request = url.into_client_request()?;
        if let Some(cookie) = cookie {
            request
                .headers_mut()
                .insert("cookie", cookie.parse().unwrap());
        }
        if let Some(origin) = origin {
            request
                .headers_mut()
                .insert("origin", origin.parse().unwrap());
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Ws { socket })
    }

    pub async fn send(&mut self, message: &ClientMessage) {
        self.send_text(&message.encode()).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("frame sent");
    }

    pub async fn subscribe(&mut self, topics: &[&str], since: Option<BTreeMap<String, u64>>) {
        let topics = topics.iter().map(|t| t.to_string()).collect();
        let since = since.map(|since| since.into_iter().collect());
        self.send(&ClientMessage::Subscribe { topics, since }).await;
    }

    /// The next protocol message (pings are skipped); panics on timeout or close.
    pub async fn recv(&mut self) -> ServerMessage {
        self.try_recv(PATIENCE).await.expect("a message in time")
    }

    /// The next message within `wait`, or `None`.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<ServerMessage> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??;
            match next.ok()? {
                Message::Text(text) => {
                    return Some(
                        ServerMessage::decode(text.as_str())
                            .unwrap_or_else(|e| panic!("{e}: {text}")),
                    )
                }
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// Waits for the close frame; returns its code.
    pub async fn closed(&mut self) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => panic!("connection not closed in time"),
                Ok(None) | Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Receives `subscribed` for `topic`; returns its seq.
    pub async fn expect_subscribed(&mut self, topic: &str) -> u64 {
        match self.recv().await {
            ServerMessage::Subscribed { topic: t, seq } if t == topic => seq,
            other => panic!("expected subscribed to {topic}, got {other:?}"),
        }
    }

    /// Receives one event; returns it with `data` parsed.
    pub async fn expect_event(&mut self) -> (data_farm_protocol::EventMessage, Value) {
        match self.recv().await {
            ServerMessage::Event(event) => {
                let data = event
                    .data
                    .as_ref()
                    .map(|d| serde_json::from_str(d.get()).unwrap())
                    .unwrap_or(Value::Null);
                (event, data)
            }
            other => panic!("expected an event, got {other:?}"),
        }
    }
}

/// `client`'s session, talking to another node.
pub fn via(client: &Client, node: &TestServer) -> Client {
    Client {
        base: node.url(),
        realtime_base: node.url(),
        ..client.clone()
    }
}

/// Alice on the first node and through the second, with a socket on the first following
/// Acme from `start`.
pub struct Watch {
    pub on_a: Client,
    pub other: Client,
    pub acme: String,
    pub topic: String,
    pub ws: Ws,
    pub start: u64,
}

pub async fn watch(nodes: &[TestServer]) -> Watch {
    let on_a = nodes[0].login("alice").await;
    let other = via(&on_a, &nodes[1]);
    let acme = on_a.team("Acme").id;
    let topic = format!("team:{acme}");
    let mut ws = on_a.ws().await;
    ws.subscribe(&[&topic], None).await;
    let start = ws.expect_subscribed(&topic).await;
    Watch {
        on_a,
        other,
        acme,
        topic,
        ws,
        start,
    }
}
