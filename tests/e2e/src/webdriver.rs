//! A small W3C WebDriver client: just the commands the suites use, including the accessibility
//! queries (`computedrole`, `computedlabel`) that let tests find elements the way assistive
//! technology does.

use std::time::Duration;

use serde_json::{json, Value};

/// A WebDriver command failed.
#[derive(Debug)]
pub struct WebDriverError(pub String);

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WebDriverError {}

/// Result of a WebDriver command.
pub type Result<T> = std::result::Result<T, WebDriverError>;

// The W3C web element identifier.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session.
#[derive(Clone)]
pub struct Session {
    http: reqwest::Client,
    base: String,
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element {
    id: String,
}

impl Session {
    /// Opens a session on the driver at `driver_url` with these capabilities.
    pub async fn new(driver_url: &str, capabilities: Value) -> Result<Session> {
        let http = reqwest::Client::new();
        let body = json!({"capabilities": {"alwaysMatch": capabilities}});
        let reply = command(
            &http,
            reqwest::Method::POST,
            &format!("{driver_url}/session"),
            Some(body),
        )
        .await?;
        let id = reply["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError(format!("no session id in {reply}")))?;
        Ok(Session {
            http,
            base: format!("{driver_url}/session/{id}"),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        command(&self.http, method, &format!("{}{path}", self.base), body).await
    }

    /// Ends the session (closes the browser).
    pub async fn quit(&self) -> Result<()> {
        self.call(reqwest::Method::DELETE, "", None)
            .await
            .map(|_| ())
    }

    /// Navigates to `url`.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await
            .map(|_| ())
    }

    /// Opens a new tab of this browser (same profile: one IndexedDB, one cookie jar) and
    /// returns its handle; the session stays on the current tab until [`Session::switch_to`].
    pub async fn new_tab(&self) -> Result<String> {
        let reply = self
            .call(
                reqwest::Method::POST,
                "/window/new",
                Some(json!({"type": "tab"})),
            )
            .await?;
        reply["handle"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| WebDriverError(format!("no window handle in {reply}")))
    }

    /// Closes the current tab (as a user closing it: its page unloads, its locks are
    /// released); switch to another before the next command.
    pub async fn close_tab(&self) -> Result<()> {
        self.call(reqwest::Method::DELETE, "/window", None)
            .await
            .map(|_| ())
    }

    /// The handle of the tab commands go to now.
    pub async fn current_tab(&self) -> Result<String> {
        let reply = self.call(reqwest::Method::GET, "/window", None).await?;
        reply
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| WebDriverError(format!("no window handle in {reply}")))
    }

    /// Sends the following commands to the tab `handle`.
    pub async fn switch_to(&self, handle: &str) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            "/window",
            Some(json!({"handle": handle})),
        )
        .await
        .map(|_| ())
    }

    /// Chromium only: takes the page's network away (`offline`) or gives it back, as a dropped
    /// connection would (chromedriver's network conditions).
    pub async fn set_network_offline(&self, offline: bool) -> Result<()> {
        let conditions = json!({
            "network_conditions": {
                "offline": offline,
                "latency": 0,
                "download_throughput": -1,
                "upload_throughput": -1,
            }
        });
        self.call(
            reqwest::Method::POST,
            "/chromium/network_conditions",
            Some(conditions),
        )
        .await
        .map(|_| ())
    }

    /// Chromium only: runs a DevTools protocol command (`Network.clearBrowserCache`, ...).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )
        .await
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Runs an asynchronous `script` (it calls `arguments[arguments.length - 1]` with its
    /// result) and returns that result.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Every element matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let body = json!({"using": "css selector", "value": css});
        let found = self
            .call(reqwest::Method::POST, "/elements", Some(body))
            .await?;
        Ok(found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| {
                e[ELEMENT_KEY]
                    .as_str()
                    .map(|id| Element { id: id.to_owned() })
            })
            .collect())
    }

    async fn element(&self, element: &Element, what: &str) -> Result<Value> {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/{what}", element.id),
            None,
        )
        .await
    }

    /// The element's computed ARIA role.
    pub async fn role(&self, element: &Element) -> Result<String> {
        Ok(self
            .element(element, "computedrole")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The element's accessible name.
    pub async fn accessible_name(&self, element: &Element) -> Result<String> {
        Ok(self
            .element(element, "computedlabel")
            .await?
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_owned())
    }

    /// The element's rendered text.
    pub async fn text(&self, element: &Element) -> Result<String> {
        Ok(self
            .element(element, "text")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// An attribute's value.
    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        Ok(self
            .element(element, &format!("attribute/{name}"))
            .await?
            .as_str()
            .map(str::to_owned))
    }

    /// Whether the element is displayed.
    pub async fn is_displayed(&self, element: &Element) -> Result<bool> {
        Ok(self
            .element(element, "displayed")
            .await?
            .as_bool()
            .unwrap_or(false))
    }

    /// Clicks the element.
    pub async fn click(&self, element: &Element) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.id),
            Some(json!({})),
        )
        .await
        .map(|_| ())
    }

    /// Types `text` into the element.
    pub async fn type_text(&self, element: &Element, text: &str) -> Result<()> {
        let body = json!({"text": text});
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.id),
            Some(body),
        )
        .await
        .map(|_| ())
    }

    /// The element that has focus now.
    pub async fn active(&self) -> Result<Element> {
        let reply = self
            .call(reqwest::Method::GET, "/element/active", None)
            .await?;
        reply[ELEMENT_KEY]
            .as_str()
            .map(|id| Element { id: id.to_owned() })
            .ok_or_else(|| WebDriverError(format!("no active element in {reply}")))
    }

    /// The accessible name of the element that has focus now.
    pub async fn focused_name(&self) -> Result<String> {
        let element = self.active().await?;
        self.accessible_name(&element).await
    }

    /// Presses a key (a WebDriver key code such as `"\u{E004}"` for Tab, `"\u{E00C}"` for
    /// Escape) on the element that has focus.
    pub async fn press(&self, key: &str) -> Result<()> {
        let element = self.active().await?;
        self.type_text(&element, key).await
    }

    /// Clears an input.
    pub async fn clear(&self, element: &Element) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.id),
            Some(json!({})),
        )
        .await
        .map(|_| ())
    }

    /// Elements under `css` whose computed role is `role` and accessible name is `name`.
    pub async fn all_by_role(&self, role: &str, name: &str) -> Result<Vec<Element>> {
        let mut matches = Vec::new();
        for element in self.find_all(candidates(role)).await? {
            // Elements can vanish between the query and the check; such ones simply do not match.
            let Ok(found_role) = self.role(&element).await else {
                continue;
            };
            if found_role != role {
                continue;
            }
            if self
                .accessible_name(&element)
                .await
                .is_ok_and(|label| label == name)
            {
                matches.push(element);
            }
        }
        Ok(matches)
    }

    /// Waits until exactly one element has this role and accessible name; returns it.
    pub async fn by_role(&self, role: &str, name: &str) -> Result<Element> {
        self.wait_for(&format!("{role} named {name:?}"), || async {
            let mut found = self.all_by_role(role, name).await?;
            Ok((found.len() == 1).then(|| found.remove(0)))
        })
        .await
    }

    /// The form field whose accessible name is `name`, whatever its role (a password input has
    /// no ARIA role, and browsers report it differently).
    pub async fn field_named(&self, name: &str) -> Result<Element> {
        self.wait_for(&format!("a field named {name:?}"), || async {
            for field in self.find_all("input, textarea, select").await? {
                if self
                    .accessible_name(&field)
                    .await
                    .is_ok_and(|label| label == name)
                {
                    return Ok(Some(field));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Chooses the option labelled `label` in the select whose accessible name is `name`.
    pub async fn choose(&self, name: &str, label: &str) -> Result<()> {
        let select = self.field_named(name).await?;
        let body = json!({"using": "css selector", "value": "option"});
        let found = self
            .call(
                reqwest::Method::POST,
                &format!("/element/{}/elements", select.id),
                Some(body),
            )
            .await?;
        for option in found.as_array().into_iter().flatten() {
            let Some(id) = option[ELEMENT_KEY].as_str() else {
                continue;
            };
            let element = Element { id: id.to_owned() };
            if self.text(&element).await?.trim() == label {
                return self.click(&element).await;
            }
        }
        Err(WebDriverError(format!("no option {label:?} in {name:?}")))
    }

    /// Finds the element with this role and accessible name and clicks it, finding it again if
    /// the page replaced it in between.
    pub async fn click_role(&self, role: &str, name: &str) -> Result<()> {
        self.wait_for(&format!("a clickable {role} named {name:?}"), || async {
            let element = self.by_role(role, name).await?;
            self.click(&element).await.map(Some)
        })
        .await
    }

    /// Polls `probe` until it yields `Some`, for up to 10 seconds.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, probe: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        self.wait_within(what, Duration::from_secs(10), probe).await
    }

    /// Polls `probe` until it yields `Some`, for up to `limit`.
    pub async fn wait_within<T, F, Fut>(
        &self,
        what: &str,
        limit: Duration,
        mut probe: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let deadline = tokio::time::Instant::now() + limit;
        let mut last_error = None;
        loop {
            match probe().await {
                Ok(Some(value)) => return Ok(value),
                Ok(None) => {}
                Err(err) => last_error = Some(err),
            }
            if tokio::time::Instant::now() > deadline {
                let why = last_error
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default();
                return Err(WebDriverError(format!("timed out waiting for {what}{why}")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `element` as an argument of [`Session::execute`].
    pub fn as_arg(&self, element: &Element) -> Value {
        json!({ ELEMENT_KEY: element.id })
    }

    /// The accessible description of `element`: the text of the elements its
    /// `aria-describedby` names (WebDriver has no computed description to ask for).
    pub async fn description(&self, element: &Element) -> Result<String> {
        let script =
            "const ids = (arguments[0].getAttribute('aria-describedby') || '').split(/\\s+/);\
                      return ids.map(id => document.getElementById(id)).filter(e => e)\
                      .map(e => e.textContent.trim()).join(' ');";
        let value = self.execute(script, vec![self.as_arg(element)]).await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Resizes the browser window (the viewport follows), e.g. to a phone's width.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        let body = serde_json::json!({ "width": width, "height": height });
        self.call(reqwest::Method::POST, "/window/rect", Some(body))
            .await
            .map(|_| ())
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        use base64::Engine;
        let data = self.call(reqwest::Method::GET, "/screenshot", None).await?;
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .map_err(|e| WebDriverError(e.to_string()))
    }
}

/// Elements that may carry `role`, natively or explicitly.
fn candidates(role: &str) -> &'static str {
    match role {
        "button" => "button, [role=button], input[type=submit], input[type=button]",
        "textbox" => "input:not([type]), input[type=text], input[type=password], input[type=email], textarea, [role=textbox]",
        "heading" => "h1, h2, h3, h4, h5, h6, [role=heading]",
        "list" => "ul, ol, [role=list]",
        "listitem" => "li, [role=listitem]",
        "link" => "a[href], [role=link]",
        "alert" => "[role=alert]",
        "table" => "table, [role=table], [role=grid]",
        "group" => "fieldset, [role=group]",
        "checkbox" => "input[type=checkbox], [role=checkbox]",
        "radio" => "input[type=radio], [role=radio]",
        "status" => "[role=status], output",
        "tab" => "[role=tab]",
        _ => "*",
    }
}

async fn command(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| WebDriverError(format!("{url}: {e}")))?;
    let status = response.status();
    let reply: Value = response
        .json()
        .await
        .map_err(|e| WebDriverError(format!("{url}: {e}")))?;
    if status.is_success() {
        Ok(reply["value"].clone())
    } else {
        Err(WebDriverError(format!("{url}: {}", reply["value"])))
    }
}
