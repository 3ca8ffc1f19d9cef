//! Headless Chromium through chromedriver (both from Debian's packages; `make test` starts
//! chromedriver and sets `WEBDRIVER_URL`), driven with `fantoccini`.
//!
//! Each test gets its own session and a fresh profile; at most two browsers run at once (two
//! cores). After the test body the browser's console must hold no error other than the HTTP
//! errors the test provoked on purpose: a CSP violation ("Refused to ..."), an uncaught
//! exception or a module that failed to load fails the test.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

/// How long a condition may take to come true in the page.
const PATIENCE: Duration = Duration::from_secs(15);

static BROWSERS: Semaphore = Semaphore::const_new(2);

const AXE: &str = include_str!("vendor/axe-core/axe.min.js");

#[derive(Clone)]
pub struct Browser {
    pub client: Client,
}

fn webdriver_url() -> String {
    std::env::var("WEBDRIVER_URL").unwrap_or_else(|_| {
        panic!("WEBDRIVER_URL is not set: run the browser tests with `make test`, which starts chromedriver")
    })
}

fn target_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `test` with a fresh browser, then closes it whatever happened.
pub async fn with_browser<F, Fut>(test: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let _permit = BROWSERS.acquire().await.unwrap();
    let profile = target_dir()
        .join("browser-profiles")
        .join(ulid::Ulid::new().to_string());
    std::fs::create_dir_all(&profile).unwrap();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=en-US", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
        "goog:loggingPrefs": {"browser": "ALL"},
    });
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(serde_json::from_value(capabilities).unwrap())
        .connect(&webdriver_url())
        .await
        .expect("a chromedriver session");
    let browser = Browser {
        client: client.clone(),
    };
    let outcome = AssertUnwindSafe(async {
        test(browser.clone()).await;
        browser.assert_clean_console().await;
    })
    .catch_unwind()
    .await;
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// chromedriver's console log endpoint (not in W3C WebDriver; Selenium uses it too).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type": "browser"}"#.into()))
    }
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => return element,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(err) => panic!("no element {css}: {err}"),
            }
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Runs `script` in the page (arguments in `arguments`), returning its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap()
    }

    /// Waits until `script` returns something truthy and returns it; panics with `what`.
    pub async fn until(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.js(script, vec![]).await;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!(0)
                && value != json!("");
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                let page = self.text_of("body").await;
                let page: String = page.chars().take(1500).collect();
                panic!("waited {PATIENCE:?} for {what}; the page says:\n{page}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the first match of `css` ("" when none).
    pub async fn text_of(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';";
        self.js(script, vec![json!(css)])
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Writes a screenshot of the page to `target/dashboard-screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let dir = target_dir().join("dashboard-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Runs axe-core in the page; panics listing every serious or critical violation.
    pub async fn assert_accessible(&self, view: &str) {
        self.js(AXE, vec![]).await;
        let violations = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']}).then(
                   (r) => done(r.violations
                     .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                     .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)),
                   (e) => done([`axe failed: ${e}`]));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            violations,
            json!([]),
            "{view}: accessibility violations (axe-core)"
        );
    }

    /// Console entries that are not the HTTP errors a test provokes on purpose.
    async fn assert_clean_console(&self) {
        let log = self.client.issue_cmd(BrowserLog).await.unwrap();
        let problems: Vec<String> = log
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .filter_map(|entry| entry["message"].as_str())
            .filter(|message| !message.contains("Failed to load resource: the server responded"))
            .map(str::to_owned)
            .collect();
        assert!(
            problems.is_empty(),
            "the browser console has errors: {problems:#?}"
        );
    }
}
