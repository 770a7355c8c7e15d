//! The SPA's static files as a browser gets them: precompressed when it accepts brotli or gzip,
//! hashed assets cached for good, `index.html` and the service worker revalidated, client
//! routes answered with `index.html`.

mod support;

use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use reqwest::StatusCode;
use support::TestServer;

const WASM: &str = "app-0f1e2d3c4b5a6978_bg.wasm";
const INDEX: &str = "<!DOCTYPE html><title>spa</title>";

/// A dist folder like the one scripts/build-demo.sh writes: files plus `.br` / `.gz` twins
/// (contents that tell the variants apart).
fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write =
        |name: &str, body: &[u8]| std::fs::write(dir.path().join(name), body).expect("write");
    write("index.html", INDEX.as_bytes());
    write(WASM, b"\0asm plain");
    write(&format!("{WASM}.br"), b"brotli bytes");
    write(&format!("{WASM}.gz"), b"gzip bytes");
    write(
        "sw.js",
        &b"self.addEventListener('fetch', () => {});\n".repeat(20),
    );
    dir
}

async fn get(server: &TestServer, path: &str, encoding: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", server.url()))
        .header(ACCEPT_ENCODING, encoding)
        .send()
        .await
        .expect("response")
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn hashed_assets_come_precompressed_and_immutable() {
    let files = dist();
    let server = TestServer::start_with(|c| c.dist_dir = Some(files.path().to_owned())).await;
    let path = format!("/{WASM}");

    let br = get(&server, &path, "gzip, deflate, br").await;
    assert_eq!(br.status(), StatusCode::OK);
    assert_eq!(header(&br, CONTENT_ENCODING), "br");
    assert_eq!(header(&br, CONTENT_TYPE), "application/wasm");
    assert_eq!(
        header(&br, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(br.bytes().await.expect("body").as_ref(), b"brotli bytes");

    let gz = get(&server, &path, "gzip").await;
    assert_eq!(header(&gz, CONTENT_ENCODING), "gzip");
    assert_eq!(gz.bytes().await.expect("body").as_ref(), b"gzip bytes");

    let plain = get(&server, &path, "identity").await;
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    assert_eq!(plain.bytes().await.expect("body").as_ref(), b"\0asm plain");
}

#[tokio::test]
async fn the_page_and_the_service_worker_are_revalidated_and_compressed_without_twins() {
    let files = dist();
    let server = TestServer::start_with(|c| c.dist_dir = Some(files.path().to_owned())).await;

    let index = get(&server, "/", "identity").await;
    assert_eq!(header(&index, CACHE_CONTROL), "no-cache");
    assert_eq!(index.text().await.expect("body"), INDEX);

    // No sw.js.br on disk: compressed on the fly instead.
    let worker = get(&server, "/sw.js", "br").await;
    assert_eq!(worker.status(), StatusCode::OK);
    assert_eq!(header(&worker, CONTENT_ENCODING), "br");
    assert_eq!(header(&worker, CACHE_CONTROL), "no-cache");

    // A client route is the SPA's page, revalidated like it.
    let route = get(&server, "/teams/team_1", "identity").await;
    assert_eq!(route.status(), StatusCode::OK);
    assert_eq!(header(&route, CACHE_CONTROL), "no-cache");
    assert_eq!(route.text().await.expect("body"), INDEX);

    // The API is untouched by the static layers.
    let api = get(&server, "/api/v1/me", "br").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&api, CACHE_CONTROL), "");
}
