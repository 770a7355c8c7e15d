//! haproxy in front of several server nodes (Debian's package): one address for a cluster, as
//! `scripts/cluster.sh` runs it.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running haproxy; stopped when dropped.
pub struct Balancer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Balancer {
    /// Round-robin over `nodes`, WebSocket-aware, health-checked through `/api/v1/health`.
    pub async fn start(nodes: &[SocketAddr]) -> Balancer {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .expect("a free port");
        let servers: String = nodes
            .iter()
            .enumerate()
            .map(|(i, addr)| format!("    server n{i} {addr} check\n"))
            .collect();
        let config = format!(
            "global\n    maxconn 1000\ndefaults\n    mode http\n    timeout connect 2s\n    \
             timeout client 60s\n    timeout server 60s\n    timeout tunnel 1h\n    \
             option redispatch\n    retries 2\nfrontend web\n    bind 127.0.0.1:{port}\n    \
             default_backend nodes\nbackend nodes\n    balance roundrobin\n    option httpchk\n    \
             http-check send meth GET uri /api/v1/health\n    \
             default-server inter 500ms fall 2 rise 1\n{servers}"
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).expect("write the haproxy config");
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("haproxy starts (Debian: apt-get install haproxy)");
        let balancer = Balancer {
            child,
            port,
            _dir: dir,
        };
        for _ in 0..100 {
            if reqwest::get(format!("{}api/v1/health", balancer.url()))
                .await
                .is_ok_and(|response| response.status().is_success())
            {
                return balancer;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("haproxy did not answer on {}", balancer.url());
    }

    /// The page URL (with a trailing slash, like [`crate::DemoServer::url`]).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
