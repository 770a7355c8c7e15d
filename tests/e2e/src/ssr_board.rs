//! The server-rendered example (`examples/ssr-board`, built by `scripts/build-ssr-board.sh`) as
//! a child process, for its end-to-end test and the SSR probe.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The example's server; killed (and waited for) when dropped.
pub struct SsrBoard {
    child: Child,
    /// Its page, `http://127.0.0.1:PORT/`.
    pub url: String,
}

impl SsrBoard {
    /// Starts the `profile` build (`debug` or `release`) on `port` against `backend`, holding
    /// its wasm back for `slow_wasm_ms`.
    pub async fn start(backend: &str, port: u16, slow_wasm_ms: u64, profile: &str) -> SsrBoard {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let binary = root.join("target").join(profile).join("ssr-board");
        let site = root.join(match profile {
            "release" => "target/ssr-board/release-site",
            _ => "target/ssr-board/site",
        });
        assert!(
            binary.exists() && site.join("pkg/ssr_board_bg.wasm").exists(),
            "the example is not built: run scripts/build-ssr-board.sh {profile} \
             (scripts/test.sh does)"
        );
        let child = Command::new(binary)
            .args(["--backend", backend.trim_end_matches('/')])
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--site")
            .arg(&site)
            .args(["--slow-wasm-ms", &slow_wasm_ms.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("ssr-board starts");
        // Killed and waited for when dropped, on every path.
        let board = SsrBoard {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        };
        for _ in 0..100 {
            if reqwest::get(&board.url).await.is_ok() {
                return board;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("ssr-board did not answer on {}", board.url);
    }
}

impl Drop for SsrBoard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on now (for a server whose origin must be known before it starts).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}
