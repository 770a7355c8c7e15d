//! A headless browser behind its WebDriver: the driver process lives as long as this value.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::webdriver::{Result, Session, WebDriverError};

/// Which browser a scenario runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Debian's Chromium with ChromeDriver.
    Chromium,
    /// Debian's Firefox ESR with geckodriver.
    Firefox,
}

impl Kind {
    /// A short name, for artifacts.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Chromium => "chromium",
            Kind::Firefox => "firefox",
        }
    }
}

/// A driver process and one session on it.
pub struct Browser {
    pub session: Session,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| WebDriverError(e.to_string()))
}

impl Browser {
    /// Headless Chromium through chromedriver (`CHROMEDRIVER`, default `/usr/bin/chromedriver`).
    pub async fn chromium() -> Result<Browser> {
        Browser::chromium_with(&[]).await
    }

    /// Headless Chromium with extra command-line switches (e.g. `--enable-precise-memory-info`).
    pub async fn chromium_with(extra: &[&str]) -> Result<Browser> {
        let driver_path =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port()?;
        let driver = Command::new(&driver_path)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| WebDriverError(format!("cannot start {driver_path}: {e}")))?;
        let profile = tempfile::tempdir().map_err(|e| WebDriverError(e.to_string()))?;
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,900",
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(str::to_owned)
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": binary, "args": args }
        });
        let session = connect(port, capabilities).await?;
        Ok(Browser {
            session,
            driver,
            _profile: profile,
        })
    }

    /// Headless Firefox through geckodriver (`GECKODRIVER`, default `~/.cargo/bin/geckodriver`;
    /// the browser is `FIREFOX`, default `/usr/bin/firefox-esr`).
    pub async fn firefox() -> Result<Browser> {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let driver_path = std::env::var("GECKODRIVER")
            .unwrap_or_else(|_| format!("{home}/.cargo/bin/geckodriver"));
        let port = free_port()?;
        let driver = Command::new(&driver_path)
            .process_group(0)
            .arg("--port")
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| WebDriverError(format!("cannot start {driver_path}: {e}")))?;
        let profile = tempfile::tempdir().map_err(|e| WebDriverError(e.to_string()))?;
        let binary = std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into());
        let capabilities = json!({
            "browserName": "firefox",
            "moz:firefoxOptions": {
                "binary": binary,
                "args": ["-headless", "--width=1280", "--height=900"],
                "prefs": {
                    "app.update.enabled": false,
                    "browser.shell.checkDefaultBrowser": false,
                    "datareporting.policy.dataSubmissionEnabled": false,
                    "toolkit.telemetry.enabled": false,
                    "network.captive-portal-service.enabled": false
                }
            }
        });
        let session = connect(port, capabilities).await?;
        Ok(Browser {
            session,
            driver,
            _profile: profile,
        })
    }

    /// The browser named by `kind`.
    pub async fn launch(kind: Kind) -> Result<Browser> {
        match kind {
            Kind::Chromium => Browser::chromium().await,
            Kind::Firefox => Browser::firefox().await,
        }
    }

    /// Ends the session and stops the driver.
    pub async fn close(self) {
        let _ = self.session.quit().await;
        // Drop stops the driver and whatever is left of its browser.
    }
}

impl Drop for Browser {
    /// Stops the driver and the browser it started, with every process of theirs: the driver
    /// runs in a process group of its own, and the whole group goes. Killing the driver alone
    /// left its browser running (a headless Firefox holds about 380 MB) after every test that
    /// did not end its session.
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

async fn connect(port: u16, capabilities: serde_json::Value) -> Result<Session> {
    let url = format!("http://127.0.0.1:{port}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match Session::new(&url, capabilities.clone()).await {
            Ok(session) => return Ok(session),
            Err(err) if tokio::time::Instant::now() > deadline => return Err(err),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
