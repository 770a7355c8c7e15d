//! Steps shared by the demo scenarios.
#![allow(dead_code)]

use std::path::PathBuf;

use data_farm_e2e::{Element, Session};

/// Signs in with the demo button for `user` and waits for the overview.
pub async fn sign_in(page: &Session, url: &str, user: &str) {
    page.goto(url).await.expect("page opens");
    page.click_role("button", &format!("Sign in as {user}"))
        .await
        .expect("demo login button");
    page.by_role("heading", "Your teams")
        .await
        .expect("overview");
}

/// Opens a team from the overview by its link.
pub async fn open_team(page: &Session, team: &str) {
    page.click_role("link", team).await.expect("team link");
    page.by_role("heading", team).await.expect("team page");
}

/// The text of every row of the table named `label`.
pub async fn rows(page: &Session, label: &str) -> Vec<String> {
    let Ok(table) = page.by_role("table", label).await else {
        return Vec::new();
    };
    let _ = table;
    let mut texts = Vec::new();
    let selector = format!("table[aria-label='{label}'] tbody tr:not(.df-skeleton-row)");
    for row in page.find_all(&selector).await.unwrap_or_default() {
        texts.push(page.text(&row).await.unwrap_or_default());
    }
    texts
}

/// Waits until a row of table `label` contains `text` (or, with `present = false`, none does).
pub async fn wait_row(page: &Session, label: &str, text: &str, present: bool) {
    page.wait_for(
        &format!("a row with {text:?} present={present} in {label}"),
        || async {
            let found = rows(page, label).await.iter().any(|r| r.contains(text));
            Ok((found == present).then_some(()))
        },
    )
    .await
    .expect("row state");
}

/// Waits until a row of table `label` contains every one of `texts`.
pub async fn wait_row_showing(page: &Session, label: &str, texts: &[&str]) {
    page.wait_for(&format!("a row with {texts:?} in {label}"), || async {
        let shown = rows(page, label).await;
        Ok(shown
            .iter()
            .any(|r| texts.iter().all(|t| r.contains(t)))
            .then_some(()))
    })
    .await
    .expect("row state");
}

/// Alice and Bob, each in their own browser of `kind`, signed in and on `team`'s page.
pub async fn alice_and_bob_on(
    kind: data_farm_e2e::Kind,
    url: &str,
    team: &str,
) -> (data_farm_e2e::Browser, data_farm_e2e::Browser) {
    let alice = data_farm_e2e::Browser::launch(kind).await.expect("browser");
    let bob = data_farm_e2e::Browser::launch(kind).await.expect("browser");
    for (browser, user) in [(&alice, "alice"), (&bob, "bob")] {
        sign_in(&browser.session, url, user).await;
        open_team(&browser.session, team).await;
    }
    (alice, bob)
}

/// Types into the textbox named `name`, replacing its value.
pub async fn fill(page: &Session, name: &str, value: &str) -> Element {
    let field = page.by_role("textbox", name).await.expect("textbox");
    page.clear(&field).await.expect("clear");
    page.type_text(&field, value).await.expect("type");
    field
}

/// Checks the page as it is now: saves a PNG of it under `tests/e2e/artifacts/`, then fails the
/// test on any accessibility violation axe-core finds (WCAG 2.1 AA and best practices). Every
/// scenario calls it on each page and state it reaches.
pub async fn check_page(page: &Session, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = page.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
    let found = data_farm_e2e::axe::violations(page)
        .await
        .expect("axe-core runs");
    let listed: String = found.iter().map(|v| v.to_string()).collect();
    assert!(
        found.is_empty(),
        "{name}: {} accessibility violation(s):\n{listed}",
        found.len()
    );
}

/// The API requests this page made so far (Resource Timing; enlarge its buffer first with
/// `performance.setResourceTimingBufferSize` when a test counts many).
pub async fn api_requests(page: &Session) -> usize {
    page.execute(
        "return performance.getEntriesByType('resource')
            .filter(e => new URL(e.name).pathname.startsWith('/api/')).length;",
        vec![],
    )
    .await
    .ok()
    .and_then(|v| v.as_u64())
    .unwrap_or(0) as usize
}

/// Runs each scenario (an `async fn(Kind)`) as one test per browser: `chromium::name` and
/// `firefox::name`.
macro_rules! in_every_browser {
    ($($scenario:ident),* $(,)?) => {
        mod chromium {
            $( #[tokio::test] async fn $scenario() { super::$scenario(data_farm_e2e::Kind::Chromium).await } )*
        }
        mod firefox {
            $( #[tokio::test] async fn $scenario() { super::$scenario(data_farm_e2e::Kind::Firefox).await } )*
        }
    };
}

/// A signed-in HTTP client for changes made "by someone else": the session cookie and the
/// user's team ids by name.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: String,
    pub teams: Vec<(String, String)>,
}

impl Api {
    /// Signs `user` in (the demo password is the user name).
    pub async fn sign_in(url: &str, user: &str) -> Api {
        let http = reqwest::Client::new();
        let login = http
            .post(format!("{url}api/v1/session"))
            .json(&serde_json::json!({"username": user, "password": user}))
            .send()
            .await
            .expect("sign in over HTTP");
        let cookie = login.headers()["set-cookie"]
            .to_str()
            .expect("cookie")
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned();
        let body = login.json::<serde_json::Value>().await.expect("session");
        let teams = body["teams"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                let field = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
                (field("name"), field("id"))
            })
            .collect();
        Api {
            http,
            base: format!("{url}api/v1"),
            cookie,
            teams,
        }
    }

    /// The id of the team named `name`.
    pub fn team(&self, name: &str) -> String {
        self.teams
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| id.clone())
            .expect("a team of this user")
    }

    /// Sends `method path` with a JSON body; returns the status and the JSON answer.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let reply = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or_default())
    }
}
