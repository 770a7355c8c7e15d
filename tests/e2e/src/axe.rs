//! Accessibility checks by axe-core (the npm package `scripts/setup.sh test` installs into
//! `target/tools/axe`), injected into the page under test: WCAG 2.1 A and AA plus axe's best
//! practices.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::json;

use crate::webdriver::{Result, Session, WebDriverError};

/// The rule sets a page must pass.
const TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// One rule a page breaks, with the elements that break it.
#[derive(Debug, Deserialize)]
pub struct Violation {
    /// The axe rule (`heading-order`, `aria-allowed-role`, …).
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// What the rule asks for.
    pub help: String,
    /// Each offending element: its CSS path and why it fails.
    pub nodes: Vec<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let impact = self.impact.as_deref().unwrap_or("unknown");
        writeln!(f, "{} ({impact}): {}", self.id, self.help)?;
        for node in &self.nodes {
            writeln!(f, "    {node}")?;
        }
        Ok(())
    }
}

/// Where `axe.min.js` is: `DATA_FARM_TOOLS` (as in `scripts/setup.sh`) or `target/tools`.
fn script_path() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tools = std::env::var_os("DATA_FARM_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/tools"));
    let tools = if tools.is_absolute() {
        tools
    } else {
        root.join(tools)
    };
    tools.join("axe/node_modules/axe-core/axe.min.js")
}

/// The axe-core source, read once.
fn source() -> Result<&'static str> {
    static SOURCE: OnceLock<std::result::Result<String, String>> = OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let path = script_path();
            std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "axe-core is not installed ({}: {e}); run scripts/setup.sh test",
                    path.display()
                )
            })
        })
        .as_deref()
        .map_err(|e| WebDriverError(e.clone()))
}

/// Runs axe-core on the page `session` shows and returns every violation (empty: the page
/// passes). Injects axe first when the page does not have it yet (a navigation drops it).
pub async fn violations(session: &Session) -> Result<Vec<Violation>> {
    let loaded = session
        .execute("return typeof window.axe === 'object'", vec![])
        .await?;
    if loaded != json!(true) {
        session
            .execute(&format!("{};\nreturn true;", source()?), vec![])
            .await?;
    }
    let found = session
        .execute_async(
            r#"
const done = arguments[arguments.length - 1];
const options = { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] };
window.axe.run(document, options).then(
  (result) => done(result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\s+/g, ' ')),
  }))),
  (error) => done({ error: String(error) }),
);
"#,
            vec![json!(TAGS)],
        )
        .await?;
    if let Some(error) = found.get("error") {
        return Err(WebDriverError(format!("axe-core failed: {error}")));
    }
    serde_json::from_value(found).map_err(|e| WebDriverError(format!("axe-core's answer: {e}")))
}
