//! Server nodes as processes of the built binary, and haproxy in front of them: a cluster as it
//! is deployed. Shared by the failover suite and the cluster benchmark.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// A node process; killed when dropped.
pub struct Node {
    pub child: Child,
    /// `host:port` it listens on.
    pub addr: String,
}

/// Starts the server binary with `args` (besides a free port and `--quiet`).
pub async fn node(args: &[&str]) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_data-farm-server"))
        .args(["--addr", "127.0.0.1:0", "--rate-limit", "0", "--quiet"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the server binary starts");
    let stdout = child.stdout.take().expect("stdout piped");
    let line = tokio::time::timeout(
        Duration::from_secs(30),
        BufReader::new(stdout).lines().next_line(),
    )
    .await
    .expect("the node starts in time")
    .expect("stdout readable")
    .expect("the node prints its address");
    let addr = line
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Node { child, addr }
}

/// haproxy in front of the nodes at `addrs` (`host:port`; round-robin, WebSocket-aware;
/// health-checked through `/api/v1/health` when `checked`, else a refused connection is simply
/// sent to another node), killed when dropped; and its base URL.
pub async fn balancer(dir: &std::path::Path, addrs: &[String], checked: bool) -> (Child, String) {
    let port = free_port();
    let check = if checked { " check" } else { "" };
    let servers: String = addrs
        .iter()
        .enumerate()
        .map(|(i, addr)| format!("    server n{i} {addr}{check}\n"))
        .collect();
    let health = if checked {
        "    option httpchk\n    http-check send meth GET uri /api/v1/health\n    \
         default-server inter 300ms fall 1 rise 2\n"
    } else {
        ""
    };
    let config = format!(
        "global\n    maxconn 8000\ndefaults\n    mode http\n    timeout connect 1s\n    \
         timeout client 60s\n    timeout server 60s\n    timeout tunnel 1h\n    \
         option redispatch\n    retries 3\nfrontend web\n    bind 127.0.0.1:{port}\n    \
         default_backend nodes\nbackend nodes\n    balance roundrobin\n{health}{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config).expect("write the haproxy config");
    let child = Command::new("haproxy")
        .arg("-db")
        .arg("-f")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("haproxy starts (Debian: apt-get install haproxy)");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{base}/api/v1/health")).await.is_ok() {
            return (child, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("haproxy did not answer on {base}");
}
