//! The accessibility checker the scenarios run on every page (`support::check_page`, axe-core)
//! finds what it should: a page with known violations fails it, in both browsers. (The demo's
//! own pages are checked inside the scenarios that reach them.)

#[macro_use]
mod support;

use data_farm_e2e::{Browser, Kind};

async fn the_checker_finds_known_violations(kind: Kind) {
    let browser = Browser::launch(kind).await.expect("browser");
    let page = &browser.session;
    let html = "<!doctype html><html lang=en><head><title>Broken</title></head><body><main>\
        <h1>Broken</h1><img src=\"missing.png\"><button></button>\
        <dl><dt>Connection</dt><dd role=\"status\">Live</dd></dl></main></body></html>";
    page.goto(&format!("data:text/html,{}", urlencode(html)))
        .await
        .expect("page opens");
    let found = data_farm_e2e::axe::violations(page)
        .await
        .expect("axe-core runs");
    let ids: Vec<&str> = found.iter().map(|v| v.id.as_str()).collect();
    for expected in ["image-alt", "button-name", "aria-allowed-role"] {
        assert!(ids.contains(&expected), "{expected} in {ids:?}");
    }
    browser.close().await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

in_every_browser!(the_checker_finds_known_violations);
