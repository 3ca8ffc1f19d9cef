use std::collections::HashMap;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const PNG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.png");
const JPEG: &[u8] = include_bytes!("../../tests/fixtures/images/tiny.jpg");
const TEXT_AS_PNG: &[u8] = include_bytes!("../../tests/fixtures/images/not-an-image.png");

fn limits() -> FetchLimits {
    FetchLimits {
        max_bytes: 64 * 1024,
        connect_timeout: Duration::from_secs(2),
        total_timeout: Duration::from_secs(2),
        max_redirects: 3,
    }
}

/// Resolves names from a table, as a hostile DNS server could answer.
struct TableLookup(HashMap<&'static str, Vec<IpAddr>>);

impl Lookup for TableLookup {
    fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        self.0
            .get(host)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such name"))
    }
}

fn with_table(table: &[(&'static str, &[&str])]) -> ImageUrlFetcher {
    let map = table
        .iter()
        .map(|(name, ips)| (*name, ips.iter().map(|ip| ip.parse().unwrap()).collect()))
        .collect();
    ImageUrlFetcher::build(limits(), None, Arc::new(TableLookup(map))).unwrap()
}

fn production() -> ImageUrlFetcher {
    ImageUrlFetcher::new(limits()).unwrap()
}

async fn server_with(body: &'static [u8], content_type: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/image"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, content_type))
        .mount(&server)
        .await;
    server
}

fn for_server(server: &MockServer) -> ImageUrlFetcher {
    ImageUrlFetcher::for_loopback_tests(limits(), *server.address()).unwrap()
}

#[tokio::test]
async fn loopback_and_private_literals_are_refused_before_connecting() {
    let fetcher = production();
    for url in [
        "https://127.0.0.1/image.png",
        "https://127.1.2.3:8443/image.png",
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://10.0.0.1/image.png",
        "https://10.255.255.254/image.png",
        "https://172.16.0.1/image.png",
        "https://192.168.1.1/image.png",
        "https://100.64.0.1/image.png",
        "https://0.0.0.0/image.png",
        "https://224.0.0.1/image.png",
        "https://[::1]/image.png",
        "https://[::]/image.png",
        "https://[::ffff:127.0.0.1]/image.png",
        "https://[::ffff:169.254.169.254]/image.png",
        "https://[64:ff9b::a00:1]/image.png",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://[fe80::1]/image.png",
        "https://[ff02::1]/image.png",
        // Other spellings of 127.0.0.1 that URL parsers accept.
        "https://2130706433/image.png",
        "https://0x7f.0.0.1/image.png",
        "https://0177.0.0.1/image.png",
        "https://127.1/image.png",
    ] {
        assert_eq!(
            fetcher.fetch(url).await,
            Err(FetchError::BlockedAddress),
            "{url}"
        );
    }
}

#[tokio::test]
async fn only_https_urls_without_credentials_are_accepted() {
    let fetcher = production();
    for url in [
        "http://example.com/image.png",
        "ftp://example.com/image.png",
        "file:///etc/passwd",
        "gopher://example.com/",
        "https://user:secret@example.com/image.png",
        "//example.com/image.png",
        "example.com/image.png",
        "not a url",
    ] {
        assert_eq!(
            fetcher.fetch(url).await,
            Err(FetchError::NotAllowedUrl),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused() {
    // The system resolver: localhost is 127.0.0.1 / ::1 on any host.
    assert_eq!(
        production().fetch("https://localhost/image.png").await,
        Err(FetchError::BlockedAddress)
    );
    let fetcher = with_table(&[
        ("rebind.example", &["127.0.0.1"]),
        ("metadata.example", &["169.254.169.254"]),
        ("intranet.example", &["10.1.2.3"]),
        ("mixed.example", &["93.184.215.14", "192.168.0.10"]),
        ("v6.example", &["fd12:3456::1"]),
    ]);
    for host in [
        "rebind.example",
        "metadata.example",
        "intranet.example",
        "mixed.example",
        "v6.example",
    ] {
        assert_eq!(
            fetcher.fetch(&format!("https://{host}/image.png")).await,
            Err(FetchError::BlockedAddress),
            "{host}"
        );
    }
}

#[tokio::test]
async fn the_test_exception_serves_the_fixture_images_sniffed_from_their_bytes() {
    // The Content-Type header lies; the bytes decide.
    let server = server_with(PNG, "text/plain").await;
    let image = for_server(&server)
        .fetch(&format!("{}/image", server.uri()))
        .await
        .unwrap();
    assert_eq!((image.format(), image.bytes()), (ImageFormat::Png, PNG));
    let server = server_with(JPEG, "application/octet-stream").await;
    let image = for_server(&server)
        .fetch(&format!("{}/image", server.uri()))
        .await
        .unwrap();
    assert_eq!(image.format(), ImageFormat::Jpeg);
}

#[tokio::test]
async fn the_test_exception_is_one_socket_address_and_never_a_name() {
    let server = server_with(PNG, "image/png").await;
    let fetcher = for_server(&server);
    let port = server.address().port();
    let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = other.local_addr().unwrap().port();
    assert_eq!(
        fetcher
            .fetch(&format!("http://127.0.0.1:{other_port}/image"))
            .await,
        Err(FetchError::BlockedAddress)
    );
    assert_eq!(
        fetcher
            .fetch(&format!("http://localhost:{port}/image"))
            .await,
        Err(FetchError::BlockedAddress)
    );
}

#[tokio::test]
async fn content_that_is_not_a_png_or_jpeg_is_refused() {
    for body in [
        TEXT_AS_PNG,
        b"<html><body>hello</body></html>".as_slice(),
        b"GIF89a".as_slice(),
    ] {
        let server = server_with(body, "image/png").await;
        assert_eq!(
            for_server(&server)
                .fetch(&format!("{}/image", server.uri()))
                .await,
            Err(FetchError::NotAnImage)
        );
    }
}

#[tokio::test]
async fn error_statuses_are_refused() {
    let server = MockServer::start().await;
    assert_eq!(
        for_server(&server)
            .fetch(&format!("{}/missing", server.uri()))
            .await,
        Err(FetchError::Status(404))
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused() {
    static BIG: [u8; 70 * 1024] = {
        let mut b = [0u8; 70 * 1024];
        b[0] = 0x89;
        b
    };
    let server = server_with(&BIG, "image/png").await;
    assert_eq!(
        for_server(&server)
            .fetch(&format!("{}/image", server.uri()))
            .await,
        Err(FetchError::TooLarge)
    );
}

/// A raw HTTP/1.1 server answering every connection with `head` then `chunks` (chunked
/// encoding), pausing `pause` between chunks.
async fn raw_server(head: &'static str, chunks: Vec<Vec<u8>>, pause: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let chunks = chunks.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for chunk in chunks {
                    tokio::time::sleep(pause).await;
                    let frame = [
                        format!("{:x}\r\n", chunk.len()).into_bytes(),
                        chunk,
                        b"\r\n".to_vec(),
                    ]
                    .concat();
                    if socket.write_all(&frame).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    addr
}

const CHUNKED: &str =
    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n";

#[tokio::test]
async fn a_streamed_body_over_the_limit_is_refused_while_streaming() {
    let mut first = PNG.to_vec();
    first.resize(16 * 1024, 0);
    let chunks = vec![first; 8]; // 128 KiB, over the 64 KiB limit, without a Content-Length
    let addr = raw_server(CHUNKED, chunks, Duration::ZERO).await;
    let fetcher = ImageUrlFetcher::for_loopback_tests(limits(), addr).unwrap();
    assert_eq!(
        fetcher.fetch(&format!("http://{addr}/image")).await,
        Err(FetchError::TooLarge)
    );
    // The same stream under the limit is accepted.
    let addr = raw_server(CHUNKED, vec![PNG.to_vec()], Duration::ZERO).await;
    let fetcher = ImageUrlFetcher::for_loopback_tests(limits(), addr).unwrap();
    assert!(fetcher.fetch(&format!("http://{addr}/image")).await.is_ok());
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let quick = FetchLimits {
        total_timeout: Duration::from_millis(300),
        ..limits()
    };
    // Headers at once, then a body that trickles past the total timeout.
    let addr = raw_server(CHUNKED, vec![PNG.to_vec(); 3], Duration::from_millis(400)).await;
    let fetcher = ImageUrlFetcher::for_loopback_tests(quick, addr).unwrap();
    assert_eq!(
        fetcher.fetch(&format!("http://{addr}/image")).await,
        Err(FetchError::Timeout)
    );
    // No answer at all.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(PNG, "image/png")
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let fetcher = ImageUrlFetcher::for_loopback_tests(quick, *server.address()).unwrap();
    assert_eq!(
        fetcher.fetch(&format!("{}/image", server.uri())).await,
        Err(FetchError::Timeout)
    );
}

async fn redirecting_to(location: String) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/image"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", location.as_str()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/moved"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(PNG, "image/png"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_redirect_to_another_host_or_port_is_refused() {
    let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = other.local_addr().unwrap().port();
    for location in [
        format!("http://127.0.0.1:{other_port}/moved"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "https://10.0.0.1/moved".to_owned(),
        "https://example.com/moved".to_owned(),
    ] {
        let server = redirecting_to(location.clone()).await;
        assert_eq!(
            for_server(&server)
                .fetch(&format!("{}/image", server.uri()))
                .await,
            Err(FetchError::Redirect),
            "{location}"
        );
    }
    // The same port under another name (which would resolve to loopback) is another host.
    let server = MockServer::start().await;
    let port = server.address().port();
    Mock::given(method("GET"))
        .and(path("/image"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("http://localhost:{port}/moved").as_str(),
        ))
        .mount(&server)
        .await;
    assert_eq!(
        for_server(&server)
            .fetch(&format!("{}/image", server.uri()))
            .await,
        Err(FetchError::Redirect)
    );
}

#[tokio::test]
async fn a_redirect_on_the_same_origin_is_followed_a_few_times_only() {
    let server = redirecting_to("/moved".to_owned()).await;
    let image = for_server(&server)
        .fetch(&format!("{}/image", server.uri()))
        .await
        .unwrap();
    assert_eq!(image.bytes(), PNG);

    let looping = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/again"))
        .mount(&looping)
        .await;
    assert_eq!(
        for_server(&looping)
            .fetch(&format!("{}/image", looping.uri()))
            .await,
        Err(FetchError::Redirect)
    );
}

#[test]
fn public_addresses_are_told_from_the_others() {
    for ip in [
        "93.184.215.14",
        "8.8.8.8",
        "1.1.1.1",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "169.253.255.255",
        "2606:4700:4700::1111",
        "2a00:1450:4001:81d::200e",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ] {
        assert!(is_public(ip.parse().unwrap()), "{ip} is public");
    }
    for ip in [
        "0.1.2.3",
        "10.0.0.0",
        "100.64.0.0",
        "100.127.255.255",
        "127.0.0.1",
        "169.254.169.254",
        "169.254.170.2",
        "172.16.0.0",
        "172.31.255.255",
        "192.0.0.192",
        "192.0.2.1",
        "192.88.99.1",
        "192.168.255.255",
        "198.18.0.1",
        "198.51.100.1",
        "203.0.113.1",
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::1",
        "100::1",
        "2001::1",
        "2001:db8::1",
        "2002:7f00:1::1",
        "3fff::1",
        "fc00::1",
        "fd00:ec2::254",
        "fe80::1",
        "fec0::1",
        "ff02::1",
    ] {
        assert!(!is_public(ip.parse().unwrap()), "{ip} is not public");
    }
}
