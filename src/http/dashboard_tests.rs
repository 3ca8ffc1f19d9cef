//! Serving the dashboard: headers, caching, versioned assets, and checks over the page's own
//! files (everything embedded, no HTML built from strings, nothing inline the CSP would block).

use std::path::{Path, PathBuf};

use super::*;

fn dashboard() -> &'static Dashboard {
    Dashboard::shared()
}

fn get(path: &str) -> Response<Body> {
    get_with(path, &HeaderMap::new())
}

fn get_with(path: &str, headers: &HeaderMap) -> Response<Body> {
    dashboard()
        .serve(&Method::GET, path, headers)
        .unwrap_or_else(|| panic!("{path} is not the dashboard's"))
        .unwrap_or_else(|err| panic!("{path}: {err:?}"))
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

fn text(response: &Response<Body>) -> &str {
    match response.body() {
        Body::Text(text) => text,
        Body::Empty => "",
        other => panic!("unexpected body {other:?}"),
    }
}

/// The error of an answer that should be one.
fn refusal(answer: Option<Result<Response<Body>, ApiError>>) -> ApiError {
    match answer {
        Some(Err(err)) => err,
        Some(Ok(response)) => panic!("answered {}", response.status()),
        None => panic!("not the dashboard's"),
    }
}

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboard")
}

/// Every file under `dashboard/`, as paths relative to it.
fn files_on_disk() -> Vec<String> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let relative = path.strip_prefix(base).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&source_dir(), &source_dir(), &mut out);
    out.sort();
    out
}

/// The asset paths the page links to, relative to the page.
fn linked_from_page() -> Vec<String> {
    let page = text(&get("/dashboard")).to_owned();
    let mut links = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for piece in page.split(attribute).skip(1) {
            let link = piece.split('"').next().unwrap();
            if !link.starts_with('#') {
                links.push(link.to_owned());
            }
        }
    }
    links
}

#[test]
fn the_page_is_html_with_a_strict_policy_and_revalidated_on_every_load() {
    let response = get("/dashboard");
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    let csp = header(&response, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "img-src 'self' data: https:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "referrer-policy"), "no-referrer");
    assert_eq!(header(&response, "cache-control"), "no-cache");
    assert!(header(&response, "etag").starts_with('"'));
    assert!(text(&response).contains("<title>eKYC dashboard</title>"));
}

#[test]
fn the_page_links_its_assets_relatively_in_this_builds_folder_and_each_is_served() {
    let links = linked_from_page();
    let version = dashboard().version();
    assert!(links.len() >= 3, "{links:?}");
    assert!(!text(&get("/dashboard")).contains(ASSETS_PLACEHOLDER));
    for link in links {
        let expected = format!("dashboard/{version}/");
        assert!(
            link.starts_with(&expected),
            "{link} is not relative to the page in {expected}"
        );
        let response = get(&format!("/{link}"));
        assert_eq!(response.status(), 200, "{link}");
        assert_eq!(header(&response, "cache-control"), ASSET_CACHE);
        assert!(!text(&response).is_empty(), "{link}");
    }
}

#[test]
fn assets_have_their_content_types_and_the_policy() {
    let version = dashboard().version();
    for (file, expected) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("views/table.js", "text/javascript; charset=utf-8"),
        ("styles.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ] {
        let response = get(&format!("/dashboard/{version}/{file}"));
        assert_eq!(response.status(), 200, "{file}");
        assert_eq!(header(&response, "content-type"), expected, "{file}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert!(header(&response, "content-security-policy").starts_with("default-src 'self'"));
    }
}

#[test]
fn every_file_of_the_dashboard_folder_is_embedded() {
    let mut embedded: Vec<String> = ASSETS.iter().map(|(p, _)| (*p).to_owned()).collect();
    embedded.push("index.html".into());
    embedded.sort();
    assert_eq!(
        embedded,
        files_on_disk(),
        "list new files in ASSETS (src/http/dashboard.rs)"
    );
}

#[test]
fn every_module_import_names_an_embedded_module() {
    for (path, body) in ASSETS.iter().filter(|(p, _)| p.ends_with(".js")) {
        let dir = Path::new(path).parent().unwrap();
        for line in body.lines().filter(|l| l.starts_with("import ")) {
            let target = line.rsplit(['\'', '"']).nth(1).unwrap();
            let mut resolved = dir.to_path_buf();
            for part in target.split('/') {
                match part {
                    "." => {}
                    ".." => assert!(resolved.pop(), "{path}: {target} leaves the folder"),
                    part => resolved.push(part),
                }
            }
            let resolved = resolved.to_string_lossy().replace('\\', "/");
            assert!(
                dashboard().assets.contains_key(resolved.as_str()),
                "{path} imports {target}, which is not embedded"
            );
        }
    }
}

#[test]
fn a_matching_if_none_match_is_304_without_a_body() {
    let etag = header(&get("/dashboard"), "etag").to_owned();
    for presented in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, presented.parse().unwrap());
        let response = get_with("/dashboard", &headers);
        assert_eq!(response.status(), 304, "{presented}");
        assert_eq!(text(&response), "");
        assert_eq!(header(&response, "etag"), etag);
        assert_eq!(header(&response, "cache-control"), "no-cache");
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::IF_NONE_MATCH, "\"stale\"".parse().unwrap());
    assert_eq!(get_with("/dashboard", &headers).status(), 200);
}

#[test]
fn another_version_an_unknown_file_or_a_climb_out_is_404() {
    let version = dashboard().version();
    for path in [
        "/dashboard/000000000000/app.js".to_owned(),
        format!("/dashboard/{version}/nope.js"),
        format!("/dashboard/{version}/../index.html"),
        format!("/dashboard/{version}/views/../app.js"),
        format!("/dashboard/{version}"),
        "/dashboard/app.js".to_owned(),
    ] {
        let answer = dashboard().serve(&Method::GET, &path, &HeaderMap::new());
        assert_eq!(refusal(answer), ApiError::NotFound { path: path.clone() });
    }
}

#[test]
fn a_trailing_slash_redirects_to_the_page_relatively() {
    let response = get("/dashboard/");
    assert_eq!(response.status(), 308);
    // Relative, so it is right under any prefix: /x/dashboard/ -> /x/dashboard.
    assert_eq!(header(&response, "location"), "../dashboard");
}

#[test]
fn only_get_and_head_are_allowed() {
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        let answer = dashboard().serve(&method, "/dashboard", &HeaderMap::new());
        assert_eq!(
            refusal(answer),
            ApiError::MethodNotAllowed { allow: "GET, HEAD" }
        );
    }
    let head = dashboard()
        .serve(&Method::HEAD, "/dashboard", &HeaderMap::new())
        .unwrap()
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(text(&head), "");
    assert_eq!(header(&head, "content-type"), "text/html; charset=utf-8");
}

#[test]
fn other_paths_are_not_the_dashboards() {
    for path in [
        "/dashboards",
        "/dashboardx/app.js",
        "/api/requests",
        "/",
        "",
    ] {
        assert!(dashboard()
            .serve(&Method::GET, path, &HeaderMap::new())
            .is_none());
    }
}

#[test]
fn no_module_turns_strings_into_html_or_code() {
    for (path, body) in ASSETS.iter().filter(|(p, _)| p.ends_with(".js")) {
        for forbidden in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            "localStorage",
        ] {
            assert!(!body.contains(forbidden), "{path} uses {forbidden}");
        }
    }
}

#[test]
fn the_page_has_no_inline_script_style_or_event_handler() {
    let lower = INDEX.to_ascii_lowercase();
    assert!(!lower.contains(" style="), "inline style attribute");
    assert!(!lower.contains("<style"), "inline style element");
    assert!(!lower.contains(" onclick=") && !lower.contains(" onload="));
    for script in lower.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap();
        assert!(tag.contains(" src="), "inline script: <script{tag}>");
    }
}

#[test]
fn the_image_origin_narrows_img_src_and_must_be_a_plain_https_origin() {
    let narrowed = Dashboard::new(Some("https://captures.s3.eu-west-1.amazonaws.com")).unwrap();
    let response = narrowed
        .serve(&Method::GET, "/dashboard", &HeaderMap::new())
        .unwrap()
        .unwrap();
    let csp = header(&response, "content-security-policy");
    assert!(csp.contains("img-src 'self' data: https://captures.s3.eu-west-1.amazonaws.com;"));
    assert!(!csp.contains("https:;"));
    for bad in [
        "http://captures.example.com",
        "https://a.example.com; script-src *",
        "https://a.example.com/path",
        "https://",
        "captures.example.com",
    ] {
        assert!(Dashboard::new(Some(bad)).is_err(), "{bad}");
    }
}
