//! The server-rendered example (`examples/ssr-board`, built by `scripts/build-ssr-board.sh`)
//! against the reference server, in headless Chromium and Firefox: the server's HTML holds the
//! rows, the hydrated page asks the API for nothing, a change made between the render and the
//! hydration shows without a reload, and the console stays free of hydration warnings.

#[macro_use]
mod support;

use std::time::Duration;

use data_farm_e2e::ssr_board::{free_port, SsrBoard};
use data_farm_e2e::{Browser, DemoServer, Kind, Session};
use support::Api;

/// The backend, allowing the examples' origins, and an example on each of these ports, with
/// its wasm held back for the given time.
async fn backend_and_boards(slow_wasm_ms: &[u64]) -> (DemoServer, Vec<SsrBoard>) {
    let ports: Vec<u16> = slow_wasm_ms.iter().map(|_| free_port()).collect();
    let backend = DemoServer::start_with(|config| {
        config.allowed_origins = ports
            .iter()
            .map(|port| format!("http://127.0.0.1:{port}"))
            .collect();
    })
    .await;
    let mut boards = Vec::new();
    for (port, slow) in ports.iter().zip(slow_wasm_ms) {
        boards.push(SsrBoard::start(&backend.url(), *port, *slow, "debug").await);
    }
    (backend, boards)
}

/// Signs in with the page's form; the page reloads, rendered by the server for the user.
async fn sign_in(page: &Session, url: &str) {
    page.goto(url).await.expect("page opens");
    let username = page.by_role("textbox", "Username").await.expect("form");
    page.type_text(&username, "alice").await.unwrap();
    let password = page.field_named("Password").await.unwrap();
    page.type_text(&password, "alice").await.unwrap();
    // The button is enabled once the page is hydrated.
    let button = page
        .wait_for("the form hydrated", || async {
            let button = page.by_role("button", "Sign in").await?;
            let disabled = page.attribute(&button, "disabled").await?;
            Ok(disabled.is_none().then_some(button))
        })
        .await
        .expect("hydrated");
    page.click(&button).await.unwrap();
    page.by_role("table", "Sensors")
        .await
        .expect("the signed-in page");
}

/// Waits until realtime is live (hydration done, the session started).
async fn wait_live(page: &Session) {
    page.wait_for("realtime live", || async {
        let status = page.by_role("status", "Realtime").await?;
        Ok((page.text(&status).await? == "Live").then_some(()))
    })
    .await
    .expect("live");
}

async fn console_problems(page: &Session) -> Vec<String> {
    page.execute(
        "return window.__ssrBoardConsole || ['no recorder'];",
        vec![],
    )
    .await
    .ok()
    .and_then(|v| serde_json::from_value(v).ok())
    .unwrap_or_else(|| vec!["the console could not be read".into()])
}

async fn the_server_renders_the_rows_and_the_hydrated_page_fetches_nothing(kind: Kind) {
    let (backend, boards) = backend_and_boards(&[0]).await;
    let board = &boards[0];
    // The server's HTML, for alice: the rows are in it.
    let alice = Api::sign_in(&backend.url(), "alice").await;
    let html = reqwest::Client::new()
        .get(&board.url)
        .header("cookie", &alice.cookie)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("<h2>Acme</h2>"), "{html}");
    assert!(html.contains("aria-label=\"Sensors\""), "{html}");
    assert!(html.contains("<td>acme-sensor-0001</td>"), "{html}");
    assert!(
        !html.contains("df-skeleton-row"),
        "rendered with data, not skeletons"
    );
    // Relative times are written on the server too (against its clock of the render).
    assert!(
        html.contains("ago</time>") || html.contains("now</time>"),
        "{html}"
    );

    let browser = Browser::launch(kind).await.expect("browser");
    let page = &browser.session;
    sign_in(page, &board.url).await;
    wait_live(page).await;
    support::wait_row(page, "Sensors", "acme-sensor-0001", true).await;
    // Hydrated from the page: no list (or any other) request went to the API.
    assert_eq!(support::api_requests(page).await, 0);
    let problems = console_problems(page).await;
    assert!(problems.is_empty(), "console: {problems:?}");
    support::check_page(page, &format!("ssr-board-{}", kind.name())).await;
    // The hydrated table is live: the next page is fetched (one request) and shown in place.
    page.click_role("button", "Next page").await.unwrap();
    support::wait_row(page, "Sensors", "acme-sensor-0011", true).await;
    support::wait_row(page, "Sensors", "acme-sensor-0001", false).await;
    assert_eq!(support::api_requests(page).await, 1);
    assert!(console_problems(page).await.is_empty());
    browser.close().await;
}

async fn a_change_between_render_and_hydration_shows_without_a_reload(kind: Kind) {
    // On the second board the wasm arrives 2 s after the HTML, as over a slow network. The
    // user signs in on the first (the cookie is the host's, whatever the port).
    let (backend, boards) = backend_and_boards(&[0, 2_000]).await;
    let (fast, board) = (&boards[0], &boards[1]);
    let browser = Browser::launch(kind).await.expect("browser");
    let page = &browser.session;
    sign_in(page, &fast.url).await;
    wait_live(page).await;
    let alice = Api::sign_in(&backend.url(), "alice").await;
    let (_, devices) = alice
        .send(
            reqwest::Method::GET,
            &format!("/devices?team={}&per_page=1", alice.team("Acme")),
            serde_json::Value::Null,
        )
        .await;
    let first = devices["items"][0]["id"]
        .as_str()
        .expect("a device")
        .to_owned();
    // Load the page again; while its wasm is held back, someone renames the first sensor.
    let rename = async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let (status, _) = alice
            .send(
                reqwest::Method::PATCH,
                &format!("/devices/{first}"),
                serde_json::json!({"name": "acme-sensor-0001 renamed"}),
            )
            .await;
        assert_eq!(status, 200);
    };
    let (loaded, ()) = tokio::join!(page.goto(&board.url), rename);
    loaded.expect("page opens");
    // The table's frame as the server wrote it, marked before the wasm arrives: hydration keeps
    // these elements (and writes into them) rather than writing the frame again.
    page.execute(
        "document.querySelector('.df-table__toolbar').dataset.fromServer = 'yes'; return null;",
        vec![],
    )
    .await
    .expect("the server's frame is there");
    // The server rendered the old name (the state it streamed, in the page's scripts,
    // predates the rename)...
    let handed_over = page
        .execute(
            "return Array.from(document.scripts).map(s => s.textContent).join('\\n');",
            vec![],
        )
        .await
        .expect("the streamed state");
    let handed_over = handed_over.as_str().unwrap_or_default();
    assert!(handed_over.contains(&first), "{handed_over}");
    assert!(
        !handed_over.contains("renamed"),
        "rendered after the rename"
    );
    // ...and realtime, resuming from the positions read before the render, replays it.
    wait_live(page).await;
    support::wait_row(page, "Sensors", "acme-sensor-0001 renamed", true).await;
    assert_eq!(support::api_requests(page).await, 0, "no refetch either");
    let kept = page
        .execute(
            "return document.querySelector('.df-table__toolbar').dataset.fromServer || 'no';",
            vec![],
        )
        .await
        .expect("the frame");
    assert_eq!(kept, "yes", "the hydrated table kept the server's frame");
    let problems = console_problems(page).await;
    assert!(problems.is_empty(), "console: {problems:?}");
    browser.close().await;
}

in_every_browser!(
    the_server_renders_the_rows_and_the_hydrated_page_fetches_nothing,
    a_change_between_render_and_hydration_shows_without_a_reload,
);
