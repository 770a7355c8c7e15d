//! `data-farm-server`: the reference backend as a program.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use data_farm_server::{start, DatabaseLocation, Seed, ServerConfig, WorkOutcome};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeedArg {
    None,
    Demo,
    Small,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutcomeArg {
    Mixed,
    Succeed,
    PartiallySucceed,
    Fail,
}

/// The data-farm reference backend: REST + WebSocket + SSE over SQLite or PostgreSQL.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080", env = "DATA_FARM_ADDR")]
    addr: std::net::SocketAddr,
    /// SQLite file, `:memory:`, or a PostgreSQL database (`postgres://user@host:port/name`)
    /// that several nodes share.
    #[arg(
        long,
        alias = "database",
        default_value = "data-farm.sqlite",
        env = "DATA_FARM_DB"
    )]
    db: String,
    /// A NATS broker (`nats://host:port`) shared with the other nodes of a cluster; needs a
    /// PostgreSQL `--db`.
    #[arg(long, env = "DATA_FARM_BROKER")]
    broker: Option<String>,
    /// Data for a new database.
    #[arg(long, value_enum, default_value = "demo")]
    seed: SeedArg,
    /// Built SPA to serve at `/`.
    #[arg(long)]
    dist: Option<PathBuf>,
    /// Simulated device status changes per second (0 = off); instances also walk their lifecycle.
    #[arg(long, default_value_t = 0.0)]
    simulate: f64,
    /// Simulated device changes are renames (`updated` events with `updated_at`) instead of status changes.
    #[arg(long)]
    simulate_renames: bool,
    /// Delay every API response by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Another origin allowed to use the API with credentials (repeatable).
    #[arg(long = "allow-origin")]
    allow_origins: Vec<String>,
    /// Events kept per topic for resumption.
    #[arg(long, default_value_t = 1_000)]
    event_window: u64,
    /// WebSocket ping interval in milliseconds.
    #[arg(long, default_value_t = 15_000)]
    heartbeat_ms: u64,
    /// REST requests per second per user (0 = unlimited).
    #[arg(long, default_value_t = 200)]
    rate_limit: u32,
    /// Enable `POST /api/v1/test/restart` for browser test suites. Never in a deployment.
    #[arg(long)]
    test_control: bool,
    /// Milliseconds between steps of operations and reports.
    #[arg(long, default_value_t = 1_000)]
    work_step_ms: u64,
    /// How operations and reports end: a realistic mix, or one outcome (for tests).
    #[arg(long, value_enum, default_value = "mixed")]
    work_outcome: OutcomeArg,
    /// Seconds a ready report stays downloadable.
    #[arg(long, default_value_t = 600)]
    report_ttl_secs: u64,
    /// Print the listening address as `listening on http://…` and nothing else on stdout.
    #[arg(long)]
    quiet: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = ServerConfig {
        addr: args.addr,
        database: if args.db == ":memory:" {
            DatabaseLocation::Memory
        } else if args.db.starts_with("postgres://") || args.db.starts_with("postgresql://") {
            DatabaseLocation::Postgres(args.db.clone())
        } else {
            DatabaseLocation::File(PathBuf::from(&args.db))
        },
        broker: args.broker,
        seed: match args.seed {
            SeedArg::None => Seed::None,
            SeedArg::Demo => Seed::Demo,
            SeedArg::Small => Seed::Small,
        },
        dist_dir: args.dist,
        simulate_rate: args.simulate.max(0.0),
        simulate_renames: args.simulate_renames,
        response_delay: Duration::from_millis(args.delay_ms),
        allowed_origins: args.allow_origins,
        event_window: args.event_window,
        heartbeat: Duration::from_millis(args.heartbeat_ms.max(10)),
        api_rate_per_sec: args.rate_limit,
        test_control: args.test_control,
        work_step: Duration::from_millis(args.work_step_ms.max(10)),
        work_outcome: match args.work_outcome {
            OutcomeArg::Mixed => WorkOutcome::Mixed,
            OutcomeArg::Succeed => WorkOutcome::Succeed,
            OutcomeArg::PartiallySucceed => WorkOutcome::PartiallySucceed,
            OutcomeArg::Fail => WorkOutcome::Fail,
        },
        report_ttl: Duration::from_secs(args.report_ttl_secs),
        ..ServerConfig::default()
    };
    let mut config = config;
    let mut first = true;
    loop {
        let mut server = match start(config.clone()).await {
            Ok(server) => server,
            Err(err) => {
                eprintln!("data-farm-server: {err}");
                return std::process::ExitCode::FAILURE;
            }
        };
        config.addr = server.addr();
        if first {
            println!("listening on {}", server.url());
            if !args.quiet {
                println!("demo logins (password = username): alice (Acme, Globex), bob (Globex), eve (no team)");
            }
            first = false;
        }
        tokio::select! {
            _ = shutdown_signal() => {
                server.shutdown().await;
                return std::process::ExitCode::SUCCESS;
            }
            down_ms = server.restart_requested() => {
                tracing::info!(down_ms, "restarting on request (test control)");
                server.shutdown().await;
                tokio::time::sleep(Duration::from_millis(down_ms)).await;
            }
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
