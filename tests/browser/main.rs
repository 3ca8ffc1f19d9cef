//! The dashboard in a real browser: headless Chromium driven through chromedriver, against the
//! API handler served in-process (`server.rs`, under `cargo lambda watch`'s path prefix) on
//! DynamoDB Local, with requests in every status made through the real store and verifier
//! (`seed.rs`). Each test has its own tenant and browser. Screenshots of each view go to
//! `target/dashboard-screenshots/`.
//!
//! `make test` installs Chromium and chromedriver (`scripts/tools.sh`), starts chromedriver and
//! sets `WEBDRIVER_URL`.

#[path = "../integration/contract.rs"]
mod contract;
#[path = "../integration/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "../integration/seed.rs"]
#[allow(dead_code)]
mod seed;

mod browser;
mod server;

use std::collections::HashSet;
use std::sync::Arc;

use ekyc::domain::DocumentIdentification;
use fantoccini::key::Key;
use serde_json::{json, Value};

use browser::{with_browser, Browser};
use support::*;

/// The tab ids of the page and the statuses each lists.
const TABS: [(&str, &[&str]); 4] = [
    ("review", &["verified"]),
    ("accepted", &["accepted"]),
    ("progress", &["pending"]),
    ("closed", &["failed", "expired"]),
];

struct Stage {
    tenant: Tenant,
    app: Arc<TestApp>,
    server: server::Server,
    /// Keeps the Connect stand-in alive for the test.
    _connect: wiremock::MockServer,
}

async fn stage() -> Stage {
    let tenant = Tenant::new().await;
    let connect = connect_stand_in(200).await;
    let app = Arc::new(Tenant::app(&connect).await);
    let server = server::start(app.clone()).await;
    Stage {
        tenant,
        app,
        server,
        _connect: connect,
    }
}

impl Stage {
    /// Every API answer the browser got matched openapi.yaml.
    fn assert_contract_kept(&self) {
        let violations = self.server.violations.lock().unwrap();
        assert!(violations.is_empty(), "{violations:#?}");
    }

    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let content_type = (!body.is_empty()).then_some("application/json");
        let response = handle(
            &self.app,
            request(method, path, Some(&self.tenant.key), content_type, &body),
        )
        .await;
        (response.status().as_u16(), body_json(&response))
    }

    /// Every request of `status`, through the API (all pages).
    async fn listed(&self, status: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut token = String::new();
        loop {
            let mut path = format!("/api/requests?status={status}&limit=1000");
            if !token.is_empty() {
                path += &format!("&nextToken={token}");
            }
            let (code, body) = self.api("GET", &path, None).await;
            assert_eq!(code, 200, "{body}");
            all.extend(body["requests"].as_array().unwrap().iter().cloned());
            match body["nextToken"].as_str() {
                Some(next) => token = form_urlencoded::byte_serialize(next.as_bytes()).collect(),
                None => return all,
            }
        }
    }
}

async fn sign_in(b: &Browser, url: &str, key: &str) {
    b.goto(url).await;
    b.type_into("#api-key", key).await;
    b.click("#sign-in").await;
    b.until(
        "the signed-in view",
        "return !document.getElementById('app-view').hidden",
    )
    .await;
    table_loaded(b).await;
}

/// Waits until the table has loaded its page (and no load is running).
async fn table_loaded(b: &Browser) {
    b.until(
        "the table to load",
        "const t = document.getElementById('requests-table');
         return t.getAttribute('aria-busy') === 'false'
           && (document.querySelectorAll('#rows tr').length > 0 || !document.getElementById('empty').hidden);",
    )
    .await;
}

async fn open_tab(b: &Browser, tab: &str) {
    b.click(&format!("#tab-{tab}")).await;
    b.until(
        "the tab to be selected",
        &format!(
            "return document.getElementById('tab-{tab}').getAttribute('aria-selected') === 'true'"
        ),
    )
    .await;
    table_loaded(b).await;
}

/// The request ids in the table, top to bottom.
async fn row_ids(b: &Browser) -> Vec<String> {
    let ids = b
        .js(
            "return [...document.querySelectorAll('#rows tr')].map((r) => r.dataset.id)",
            vec![],
        )
        .await;
    serde_json::from_value(ids).unwrap()
}

/// What a tab's count badge says (None when it shows no count).
async fn tab_count(b: &Browser, tab: &str) -> Option<u64> {
    let text = b.text_of(&format!("#count-{tab}")).await;
    text.replace(',', "").parse().ok()
}

fn ids(requests: &[Value]) -> Vec<String> {
    requests
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_wrong_key_is_refused_in_words_and_nothing_is_kept() {
    let s = stage().await;
    let url = s.server.dashboard_url();
    with_browser(|b| async move {
        b.goto(&url).await;
        b.screenshot("sign-in").await;
        b.assert_accessible("sign-in").await;
        b.type_into("#api-key", "ekyc_not-a-key-of-anybody").await;
        b.click("#sign-in").await;
        let said = b
            .until(
                "the refusal",
                "return document.getElementById('signin-error').textContent",
            )
            .await;
        assert!(said.as_str().unwrap().contains("invalid api key"), "{said}");
        b.screenshot("sign-in-wrong-key").await;
        let kept = b
            .js(
                "return [sessionStorage.length, localStorage.length, location.href]",
                vec![],
            )
            .await;
        assert_eq!(kept, json!([0, 0, url]));
        assert!(b
            .find("#app-view")
            .await
            .attr("hidden")
            .await
            .unwrap()
            .is_some());
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn each_tab_lists_exactly_its_statuses_newest_first_with_counts_matching_the_api() {
    let s = stage().await;
    let made = seed::every_status(&s.app, &s.tenant).await;
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    let mut expected = Vec::new();
    for (tab, statuses) in TABS {
        let mut listed = Vec::new();
        for status in statuses {
            listed.extend(s.listed(status).await);
        }
        let mut want = ids(&listed);
        want.sort_by(|a, b| b.cmp(a)); // newest first: ULIDs sort by time
        expected.push((tab, want));
    }
    // The API agrees with what was made: the review tab is exactly the verified, unaccepted.
    let mut review: Vec<String> = made["verified"].iter().map(|r| r.id.clone()).collect();
    review.sort_by(|a, b| b.cmp(a));
    assert_eq!(expected[0].1, review);

    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        for (tab, want) in &expected {
            open_tab(&b, tab).await;
            b.until(
                "the counts",
                &format!("return document.getElementById('count-{tab}').textContent !== ''"),
            )
            .await;
            assert_eq!(
                tab_count(&b, tab).await,
                Some(want.len() as u64),
                "{tab} count"
            );
            assert_eq!(&row_ids(&b).await, want, "{tab} rows");
            b.screenshot(&format!("tab-{tab}")).await;
        }
        b.assert_accessible("tabs").await;

        // Keyboard: arrow keys move between tabs and select them.
        open_tab(&b, "review").await;
        b.find("#tab-review")
            .await
            .send_keys(&Key::Right.to_string())
            .await
            .unwrap();
        table_loaded(&b).await;
        let selected = b
            .js(
                "return document.querySelector('[role=tab][aria-selected=true]').id",
                vec![],
            )
            .await;
        assert_eq!(selected, "tab-accepted");

        // A phone's width: nothing wider than the screen.
        b.client.set_window_size(390, 844).await.unwrap();
        open_tab(&b, "review").await;
        let overflow = b
            .js(
                "return document.documentElement.scrollWidth - window.innerWidth",
                vec![],
            )
            .await;
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "wider than a phone by {overflow}px"
        );
        b.screenshot("phone-to-review").await;
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn a_request_shows_its_document_fields_images_score_and_timeline() {
    let s = stage().await;
    let made = seed::every_status(&s.app, &s.tenant).await;
    let target = made["verified"][0].clone();
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        b.click(&format!("#rows tr[data-id='{}'] button", target.id))
            .await;
        b.until(
            "the timeline to show the verification",
            "return document.querySelector('#detail-body [data-event=verifiedAt]')",
        )
        .await;
        let card = b.text_of("#detail-body .id-card").await;
        for shown in ["DOE", "JANE MARIE", "X123456789", "United States", "1992/03/14", "2031/08/01"] {
            assert!(card.contains(shown), "the ID card lacks {shown}:\n{card}");
        }
        let events = b
            .js(
                "return [...document.querySelectorAll('#detail-body .timeline li')].map((li) => li.dataset.event)",
                vec![],
            )
            .await;
        assert_eq!(events, json!(["createdAt", "callPlacedAt", "verifiedAt"]));
        let timeline = b.text_of("#detail-body .timeline").await;
        assert!(timeline.contains("Created; code emailed"), "{timeline}");
        let score = b.js("return document.querySelector('#detail-body meter').value", vec![]).await;
        assert_eq!(score, json!(0.97));
        // The demo document's images are s3:// keys, not presigned URLs yet: placeholders.
        assert_eq!(b.find_all("#detail-body .shots .placeholder").await.len(), 4);
        assert!(b.text_of("#detail-accept").await.contains("Accept"));
        b.screenshot("detail").await;
        b.assert_accessible("detail").await;
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn accepting_moves_a_request_from_to_review_to_accepted() {
    let s = stage().await;
    let made = seed::every_status(&s.app, &s.tenant).await;
    let target = made["verified"][1].clone();
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    let id = target.id.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        b.click(&format!("#rows tr[data-id='{id}'] button")).await;
        b.until("the request", "return !document.getElementById('detail-accept').hidden").await;
        b.click("#detail-accept").await;
        let said = b
            .until(
                "the API's answer",
                "const s = document.getElementById('detail-status').textContent; return s.includes('accepted') && s",
            )
            .await;
        assert!(said.as_str().unwrap().contains("Kyc request accepted"), "{said}");
        b.until(
            "the timeline to show the acceptance",
            "return document.querySelector('#detail-body [data-event=acceptedAt]')",
        )
        .await;
        b.screenshot("detail-accepted").await;
        b.click("#detail-close").await;
        assert!(!row_ids(&b).await.contains(&id), "still under To review");
        open_tab(&b, "accepted").await;
        assert!(row_ids(&b).await.contains(&id), "not under Accepted");
    })
    .await;
    let (code, body) = s
        .api("GET", &format!("/api/requests/{}", target.id), None)
        .await;
    assert_eq!(code, 200);
    assert_eq!(body["requests"][0]["status"], "accepted");
    assert_eq!(body["requests"][0]["isAccepted"], true);
    s.assert_contract_kept();
}

#[tokio::test]
async fn deleting_removes_a_request_and_frees_its_email() {
    let s = stage().await;
    let made = seed::every_status(&s.app, &s.tenant).await;
    let target = made["verified"][2].clone();
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    let id = target.id.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        b.click(&format!("#rows tr[data-id='{id}'] button")).await;
        b.click("#detail-delete").await;
        b.until(
            "the confirmation",
            "return document.getElementById('confirm-delete').open",
        )
        .await;
        b.screenshot("confirm-delete").await;
        b.assert_accessible("confirm-delete").await;
        b.click("#confirm-delete-ok").await;
        let said = b
            .until(
                "the API's answer",
                "return document.getElementById('notice').textContent",
            )
            .await;
        assert!(
            said.as_str().unwrap().contains("KYC request deleted!"),
            "{said}"
        );
        assert!(!row_ids(&b).await.contains(&id));
    })
    .await;
    let (code, _) = s
        .api("GET", &format!("/api/requests/{}", target.id), None)
        .await;
    assert_eq!(code, 404);
    let (code, body) = s
        .api(
            "POST",
            "/api/kyc-request",
            Some(json!({"email": target.email, "phoneNumber": target.phone,
                        "documentIdentificationId": s.tenant.document_id.as_str()})),
        )
        .await;
    assert_eq!(
        code, 201,
        "the freed email and phone can be submitted again: {body}"
    );
    s.assert_contract_kept();
}

#[tokio::test]
async fn clear_all_asks_for_the_typed_count_then_empties_every_tab() {
    let s = stage().await;
    seed::every_status(&s.app, &s.tenant).await;
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        b.until(
            "the counts",
            "return document.getElementById('count-review').textContent !== ''",
        )
        .await;
        b.click("#clear-all").await;
        let label = b.text_of("#confirm-clear-label").await;
        assert_eq!(label, "Type 9 to confirm");
        assert!(b
            .text_of("#confirm-clear-text")
            .await
            .contains("all 9 requests"));
        b.type_into("#confirm-clear-input", "8").await;
        assert!(!b
            .find("#confirm-clear-ok")
            .await
            .is_enabled()
            .await
            .unwrap());
        b.type_into("#confirm-clear-input", "9").await;
        b.screenshot("confirm-clear").await;
        b.assert_accessible("confirm-clear").await;
        b.click("#confirm-clear-ok").await;
        let said = b
            .until(
                "the API's answer",
                "return document.getElementById('notice').textContent",
            )
            .await;
        assert!(
            said.as_str()
                .unwrap()
                .contains("All KYC requests cleared: 9 deleted"),
            "{said}"
        );
        for (tab, _) in TABS {
            open_tab(&b, tab).await;
            assert_eq!(row_ids(&b).await, Vec::<String>::new(), "{tab}");
            assert_eq!(tab_count(&b, tab).await, Some(0), "{tab}");
        }
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn search_narrows_the_table_by_email_or_phone() {
    let s = stage().await;
    let made = seed::pending(&s.tenant, "searchable", 5, &s.tenant.document_id).await;
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        open_tab(&b, "progress").await;
        assert_eq!(row_ids(&b).await.len(), 5);
        b.type_into("#search", &made[3].email.to_uppercase()).await;
        assert_eq!(row_ids(&b).await, vec![made[3].id.clone()]);
        b.screenshot("search").await;
        // Export CSV gives the narrowed view: the file is caught before the browser saves it.
        b.js(
            "window.__csv = null;
             URL.createObjectURL = (blob) => { blob.text().then((t) => { window.__csv = t; }); return 'blob:caught'; };
             HTMLAnchorElement.prototype.click = function () { window.__file = this.download; };",
            vec![],
        )
        .await;
        b.click("#export").await;
        let csv = b.until("the CSV", "return window.__csv").await;
        let lines: Vec<&str> = csv.as_str().unwrap().trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[0].starts_with("id,email,phoneNumber,status,createdAt"));
        assert!(
            lines[1].starts_with(&format!("{},{},{},pending,", made[3].id, made[3].email, made[3].phone)),
            "{}",
            lines[1]
        );
        let file = b.js("return window.__file", vec![]).await;
        assert!(file.as_str().unwrap().starts_with("ekyc-progress-"), "{file}");
        // A phone number typed loosely matches on its digits.
        let phone = &made[1].phone; // +1415555xxxx
        let loose = format!("({}) {}-{}", &phone[2..5], &phone[5..8], &phone[8..]);
        b.type_into("#search", &loose).await;
        assert_eq!(row_ids(&b).await, vec![made[1].id.clone()]);
        b.type_into("#search", "nobody@nowhere.example").await;
        assert_eq!(row_ids(&b).await, Vec::<String>::new());
        assert!(b
            .text_of("#empty")
            .await
            .contains("No loaded request matches"));
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn load_more_pages_through_150_requests_without_duplicates() {
    let s = stage().await;
    let made = seed::pending(&s.tenant, "paged", 150, &s.tenant.document_id).await;
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        open_tab(&b, "progress").await;
        let mut pages = vec![row_ids(&b).await.len()];
        while b
            .find("#load-more")
            .await
            .attr("hidden")
            .await
            .unwrap()
            .is_none()
        {
            b.click("#load-more").await;
            let before = *pages.last().unwrap();
            b.until(
                "the next page",
                &format!("return document.querySelectorAll('#rows tr').length > {before}"),
            )
            .await;
            table_loaded(&b).await;
            pages.push(row_ids(&b).await.len());
        }
        assert_eq!(pages, vec![50, 100, 150]);
        let shown = row_ids(&b).await;
        let unique: HashSet<&String> = shown.iter().collect();
        assert_eq!(unique.len(), 150, "duplicates in the table");
        let mut newest_first: Vec<String> = made.iter().map(|r| r.id.clone()).collect();
        newest_first.reverse();
        assert_eq!(shown, newest_first);
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn markup_in_a_value_is_shown_as_text() {
    let s = stage().await;
    let markup = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">";
    let mut document: DocumentIdentification = sample_document();
    document.id_information.first_name = Some(markup.to_owned());
    let document_id = seed::document(&s.tenant, &document).await;
    let made = seed::pending(&s.tenant, "markup", 1, &document_id).await;
    let url = s.server.dashboard_url();
    let key = s.tenant.key.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        open_tab(&b, "progress").await;
        b.click(&format!("#rows tr[data-id='{}'] button", made[0].id)).await;
        b.until("the ID card", "return document.querySelector('#detail-body .id-card')").await;
        let card = b.text_of("#detail-body .id-card").await;
        assert!(card.contains(markup), "the value is not shown as typed:\n{card}");
        let effects = b
            .js(
                "return [window.__pwned ?? null, document.querySelectorAll('#detail-body script, #detail-body img[src=x]').length]",
                vec![],
            )
            .await;
        assert_eq!(effects, json!([null, 0]));
        b.screenshot("markup-as-text").await;

        // The CSV export neither runs formulas in a spreadsheet nor breaks on quotes and commas.
        let version = ekyc::http::dashboard::Dashboard::shared().version();
        let cells = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 import(new URL(arguments[0], document.baseURI).href).then((m) => done(
                   ['=HYPERLINK(\"x\")', '+14155550123', '-0.5', '@SUM(A1)', '-cmd', 'a,b', 'say \"hi\"'].map(m.cell)));",
                vec![json!(format!("dashboard/{version}/csv.js"))],
            )
            .await
            .unwrap();
        assert_eq!(
            cells,
            json!([
                "\"'=HYPERLINK(\"\"x\"\")\"",
                "+14155550123",
                "-0.5",
                "'@SUM(A1)",
                "'-cmd",
                "\"a,b\"",
                "\"say \"\"hi\"\"\""
            ])
        );
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn signing_out_forgets_the_key_and_the_page_works_without_a_prefix() {
    let s = stage().await;
    let url = s.server.unprefixed_dashboard_url();
    let key = s.tenant.key.clone();
    with_browser(|b| async move {
        sign_in(&b, &url, &key).await;
        let stored = b.js("return sessionStorage.length", vec![]).await;
        assert_eq!(stored, json!(1));
        b.client.refresh().await.unwrap();
        // Still signed in after a reload of the tab...
        b.until(
            "the signed-in view",
            "return !document.getElementById('app-view').hidden",
        )
        .await;
        b.click("#sign-out").await;
        b.until(
            "the sign-in form",
            "return !document.getElementById('signin-view').hidden",
        )
        .await;
        let kept = b
            .js(
                "return [sessionStorage.length, localStorage.length]",
                vec![],
            )
            .await;
        assert_eq!(kept, json!([0, 0]));
        // ...and not after signing out.
        b.client.refresh().await.unwrap();
        b.until(
            "the sign-in form",
            "return !document.getElementById('signin-view').hidden",
        )
        .await;
        assert!(b
            .find("#app-view")
            .await
            .attr("hidden")
            .await
            .unwrap()
            .is_some());
    })
    .await;
    s.assert_contract_kept();
}

#[tokio::test]
async fn the_page_and_its_assets_carry_the_security_headers() {
    let s = stage().await;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let page = client
        .get(s.server.dashboard_url().parse().unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let version = ekyc::http::dashboard::Dashboard::shared().version();
    let asset = client
        .get(
            format!("{}/{version}/app.js", s.server.dashboard_url())
                .parse()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(asset.status(), 200);
    for response in [&page, &asset] {
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.starts_with("default-src 'self'; img-src 'self' data: https:;"),
            "{csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(headers.contains_key("etag"));
    }
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        asset.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
}
