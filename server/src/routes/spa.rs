//! The SPA's static files: precompressed variants (`.br`, `.gz` written by
//! `scripts/build-demo.sh`) served when the browser accepts them, anything else compressed on
//! the fly, and caching that fits how trunk names files: hashed assets never change, so they
//! are `immutable` for a year; `index.html`, the service worker and anything unhashed are
//! revalidated on every load (`no-cache`), so a new release is picked up at once.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// `Cache-Control` for hashed assets.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else.
const REVALIDATE: &str = "no-cache";

/// A router serving the SPA in `dist` (unknown paths get `index.html`, for client routes).
pub fn service(dist: &Path) -> Router {
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(dist.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .fallback_service(files)
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let policy = if is_hashed_asset(request.uri().path()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = next.run(request).await;
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Whether `path` names a file trunk gave a content hash: `name-<hex>` before the extension
/// (`data-farm-demo-0f1e2d3c4b5a6978_bg.wasm`, `data-farm-12faeeb60aead8c.css`). Trunk prints
/// a 64-bit hash without leading zeros, so 12 to 16 digits (shorter is one chance in 2^16).
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((name, hash)) => {
            !name.is_empty()
                && (12..=16).contains(&hash.len())
                && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn trunk_hashed_names_are_assets_and_the_rest_is_not() {
        assert!(is_hashed_asset("/data-farm-demo-0f1e2d3c4b5a6978_bg.wasm"));
        assert!(is_hashed_asset("/data-farm-demo-0f1e2d3c4b5a6978.js"));
        assert!(is_hashed_asset("/demo-a1b2c3d4e5f60718.css"));
        assert!(is_hashed_asset("/data-farm-12faeeb60aead8c.css"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/teams/team_1"));
        assert!(!is_hashed_asset("/data-farm-demo-xyz_bg.wasm"));
        assert!(!is_hashed_asset("/-0f1e2d3c4b5a6978.js"));
        assert!(!is_hashed_asset("/my-cafe.js"));
    }
}
