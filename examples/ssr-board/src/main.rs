//! The ssr-board server: renders the page with its data for the user whose session cookie the
//! request carries, and serves the browser's wasm from `--site`.
//!
//! ```text
//! ssr-board --backend http://127.0.0.1:8080 [--addr 127.0.0.1:3000] [--site target/ssr-board/site]
//!           [--slow-wasm-ms N]
//! ```
//! The backend (the reference server) must allow this app's origin (`--allow-origin`), since
//! the browser talks to it directly: sign-in, realtime, later fetches.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use data_farm::api::{ApiClient, ApiError};
use data_farm::hydration::script_json;
use data_farm::prelude::*;
use leptos::config::LeptosOptions;
use leptos::hydration::HydrationScripts;
use leptos::prelude::*;
use ssr_board::{farm, teams_query, App, Boot, ForwardedCookie, BOOT_ID};
use tower_http::services::ServeDir;

/// Keeps the page's console warnings and errors in `window.__ssrBoardConsole` (its
/// end-to-end test asserts that hydration logged none), then passes them on.
const CONSOLE_RECORDER: &str = "window.__ssrBoardConsole=[];['warn','error'].forEach(function(k){\
var o=console[k];console[k]=function(){window.__ssrBoardConsole.push(k+': '+Array.prototype.join.call(arguments,' '));\
return o.apply(console,arguments);};});";

#[derive(Clone)]
struct AppState {
    options: LeptosOptions,
    backend: String,
    slow_wasm: Duration,
}

struct Args {
    backend: String,
    addr: SocketAddr,
    site: String,
    slow_wasm: Duration,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        backend: String::new(),
        addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
        site: "target/ssr-board/site".into(),
        slow_wasm: Duration::ZERO,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--backend" => args.backend = value.trim_end_matches('/').to_owned(),
            "--addr" => args.addr = value.parse().map_err(|e| format!("--addr {value}: {e}"))?,
            "--site" => args.site = value,
            "--slow-wasm-ms" => {
                let ms = value
                    .parse()
                    .map_err(|e| format!("--slow-wasm-ms {value}: {e}"))?;
                args.slow_wasm = Duration::from_millis(ms);
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if args.backend.is_empty() {
        return Err("--backend URL is required (the reference server)".into());
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    // Leptos spawns its rendering tasks on tokio.
    if let Err(err) = any_spawner::Executor::init_tokio() {
        eprintln!("ssr-board: {err:?}");
    }
    let args = match args() {
        Ok(args) => args,
        Err(why) => {
            eprintln!("ssr-board: {why}");
            std::process::exit(2);
        }
    };
    let options = LeptosOptions::builder()
        .output_name("ssr_board")
        .site_root(args.site.clone())
        .site_pkg_dir("pkg")
        .site_addr(args.addr)
        .build();
    let state = AppState {
        options,
        backend: args.backend,
        slow_wasm: args.slow_wasm,
    };
    let pkg = Router::new()
        // `.br` / `.gz` twins when the release build wrote them (scripts/build-ssr-board.sh).
        .fallback_service(
            ServeDir::new(format!("{}/pkg", args.site))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn_with_state(state.clone(), slow_wasm));
    let app = Router::new()
        .route("/", get(page))
        .nest("/pkg", pkg)
        .with_state(state);
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("ssr-board: cannot listen on {}: {err}", args.addr);
            std::process::exit(1);
        }
    };
    let addr = listener.local_addr().unwrap_or(args.addr);
    println!("ssr-board on http://{addr}/");
    if let Err(err) = axum::serve(listener, app).await {
        eprintln!("ssr-board: {err}");
    }
}

/// Holds the wasm back for `--slow-wasm-ms`, as a slow network would: the gap between the
/// server's render and the hydration that the page must survive without losing a change.
async fn slow_wasm(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.uri().path().ends_with(".wasm") && !state.slow_wasm.is_zero() {
        tokio::time::sleep(state.slow_wasm).await;
    }
    next.run(request).await
}

/// `GET /`: the page, rendered with the data of the user the request's cookie names.
async fn page(State(state): State<AppState>, request: Request) -> Response {
    let cookie = request
        .headers()
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let forwarded = cookie.clone().map(ForwardedCookie);
    let backend = state.backend.clone();
    // The stores' futures are not `Send` (they run on the browser's single thread too): the
    // fetching runs to completion on a blocking thread of this runtime.
    let runtime = tokio::runtime::Handle::current();
    let boot = tokio::task::spawn_blocking(move || runtime.block_on(prefetch(backend, cookie)))
        .await
        .unwrap_or_default();
    let options = state.options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || {
            if let Some(cookie) = forwarded.clone() {
                provide_context(cookie);
            }
        },
        move || shell(options.clone(), boot.clone()),
    );
    render(request).await.into_response()
}

/// Who the user is and their teams, fetched as them before the render (the page's frame):
/// the positions first, then the data, so that realtime resuming from them in the browser
/// misses nothing published in between. The page's lists stream in while it renders.
async fn prefetch(backend: String, cookie: Option<String>) -> Boot {
    let signed_out = Boot {
        backend: backend.clone(),
        rendered_at: data_farm::cache::Environment::now(&data_farm::cache::BrowserEnvironment),
        ..Boot::default()
    };
    let Some(cookie) = cookie else {
        return signed_out;
    };
    let farm = farm(ApiClient::new(backend.clone()).forward_cookie(cookie));
    let positions = match farm.client().positions().await {
        Ok(positions) => positions,
        Err(ApiError::Unauthorized { .. }) => return signed_out,
        Err(err) => {
            eprintln!("ssr-board: positions: {err}");
            return signed_out;
        }
    };
    let me = match farm.client().me().await {
        Ok(me) => me,
        Err(err) => {
            eprintln!("ssr-board: me: {err}");
            return signed_out;
        }
    };
    let Some(teams) = farm.store::<Team>() else {
        return signed_out;
    };
    if let Err(err) = teams.fetch_list(&teams_query()).await {
        eprintln!("ssr-board: teams: {err}");
    }
    let team = teams
        .peek_list(&teams_query())
        .first()
        .map(|t| t.id.clone());
    // The team's sensors are not fetched here: the page streams them (a suspended list).
    if let Some(team) = &team {
        let _ = teams.fetch_one(team).await;
    }
    Boot {
        user_id: Some(me.user.id),
        team_ids: me.team_ids,
        team,
        snapshot: farm.dehydrate(positions),
        ..signed_out
    }
}

fn shell(options: LeptosOptions, boot: Boot) -> impl IntoView {
    let json = script_json(&boot);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>"Sensor board"</title>
                <script inner_html=CONSOLE_RECORDER></script>
                <script type="application/json" id=BOOT_ID inner_html=json></script>
                <HydrationScripts options/>
            </head>
            <body>
                <App boot=boot/>
            </body>
        </html>
    }
}
