use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A file, created when missing. Survives restarts.
    File(PathBuf),
    /// Private to this process; gone when it stops.
    Memory,
    /// A PostgreSQL database (`postgres://user@host:port/name`), which several server nodes can
    /// share. The schema is created or migrated at start; the server needs the rights to do so.
    Postgres(String),
}

/// What to put in a new, empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// Nothing: an empty database.
    None,
    /// The demo users (alice, bob, eve), teams Acme and Globex, a few applications and
    /// instances, and about 1,000 devices in Acme.
    Demo,
    /// The same users, teams, applications and instances with a handful of devices: quick for tests.
    Small,
}

/// Everything the server can be told at start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on. Defaults to `127.0.0.1:8080`; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Defaults to the file `data-farm.sqlite` in the working directory.
    pub database: DatabaseLocation,
    /// A NATS broker (`nats://host:port`) through which this node and the others sharing its
    /// PostgreSQL database pass events and controls. Needs [`DatabaseLocation::Postgres`].
    /// Defaults to none: one node, in-process delivery.
    pub broker: Option<String>,
    /// Applied only when the database is new. Defaults to [`Seed::Demo`].
    pub seed: Seed,
    /// Built SPA to serve at `/` (with `index.html` for unknown paths). Defaults to none.
    pub dist_dir: Option<PathBuf>,
    /// Simulated device status changes per second, and instances walking through their
    /// lifecycle; 0 turns the simulator off. Defaults to 0.
    pub simulate_rate: f64,
    /// Whether simulated device changes are renames (full `updated` events carrying
    /// `updated_at`, useful for latency measurements) instead of status changes. Defaults to false.
    pub simulate_renames: bool,
    /// Artificial delay added to every API response, to make loading states visible. Defaults to 0.
    pub response_delay: Duration,
    /// Origins besides the server's own that may open realtime connections and make
    /// credentialed cross-origin requests. Defaults to none.
    pub allowed_origins: Vec<String>,
    /// Events kept per topic for `since` resumption; older requests get `resync`. Defaults to 1,000.
    pub event_window: u64,
    /// Interval of WebSocket pings; a peer silent for three intervals is dropped. Defaults to 15 s.
    pub heartbeat: Duration,
    /// Sustained REST requests per second allowed per user (bursts up to 4x); 0 is unlimited. Defaults to 200.
    pub api_rate_per_sec: u32,
    /// Sustained WebSocket frames per second allowed per connection (bursts up to 4x). Defaults to 50.
    pub ws_rate_per_sec: u32,
    /// How long a session lasts. Defaults to 7 days.
    pub session_ttl: Duration,
    /// Largest accepted REST request body, in bytes. Defaults to 64 KiB.
    pub max_body_bytes: usize,
    /// Enables `POST /api/v1/test/restart` (`{"down_ms": N}`), which stops the server and
    /// starts it again N ms later, for test suites that run in a browser. Never enable it in a
    /// deployment. Defaults to false.
    pub test_control: bool,
    /// How often the work runner moves operations and reports one step. Defaults to 1 s.
    pub work_step: Duration,
    /// How operations and reports end. Defaults to [`WorkOutcome::Mixed`].
    pub work_outcome: WorkOutcome,
    /// How long a ready report stays downloadable. Defaults to 10 minutes.
    pub report_ttl: Duration,
}

/// How the work runner ends operations and reports: a realistic mix, or one outcome for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkOutcome {
    /// Deterministic per operation id: about 8 in 10 succeed, 1 partially, 1 fails.
    #[default]
    Mixed,
    /// Every step succeeds.
    Succeed,
    /// The first step fails, the rest succeed.
    PartiallySucceed,
    /// Every step fails (reports fail).
    Fail,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: DatabaseLocation::File(PathBuf::from("data-farm.sqlite")),
            broker: None,
            seed: Seed::Demo,
            dist_dir: None,
            simulate_rate: 0.0,
            simulate_renames: false,
            response_delay: Duration::ZERO,
            allowed_origins: Vec::new(),
            event_window: 1_000,
            heartbeat: Duration::from_secs(15),
            api_rate_per_sec: 200,
            ws_rate_per_sec: 50,
            session_ttl: Duration::from_secs(7 * 24 * 3600),
            max_body_bytes: 64 * 1024,
            test_control: false,
            work_step: Duration::from_secs(1),
            work_outcome: WorkOutcome::Mixed,
            report_ttl: Duration::from_secs(600),
        }
    }
}
