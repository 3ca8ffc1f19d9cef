//! Fetching a caller's image URL without letting the caller reach into our network (a guard
//! against server-side request forgery).
//!
//! - https only; no credentials in the URL; no proxy (an environment proxy would resolve the
//!   name instead of us).
//! - Every address connected to must be public: the DNS resolver handed to the HTTP client
//!   refuses a name if ANY address it resolves to is loopback, private (RFC 1918, ULA),
//!   link-local (169.254.169.254, the instance metadata service, and fd00:ec2::254 are in
//!   those), CGNAT, multicast, unspecified, reserved or documentation space, so the check is on
//!   the very addresses the connection uses (no window for DNS rebinding). IP-literal hosts,
//!   which the client never resolves, are checked before the request. The connected peer is
//!   checked once more on the response.
//! - Redirects are followed only to the same scheme, host and port, at most
//!   [`FetchLimits::max_redirects`] times; anything else is refused.
//! - Short connect and total timeouts; the body is streamed and refused past
//!   [`FetchLimits::max_bytes`] (a `Content-Length` over it is refused before reading); the
//!   image type is sniffed from the bytes (the `Content-Type` header is ignored).

use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{redirect, Url};

use crate::domain::{Image, ImageFormat};

/// Bounds of one fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    pub max_bytes: u64,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_redirects: usize,
}

impl Default for FetchLimits {
    /// 10 MB (Textract's limit for a synchronous JPEG/PNG), 3 s to connect, 10 s in all.
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            connect_timeout: Duration::from_secs(3),
            total_timeout: Duration::from_secs(10),
            max_redirects: 3,
        }
    }
}

/// Why an URL gave no image. None of these quote the URL (it may carry tokens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not an absolute https URL without credentials")]
    NotAllowedUrl,
    #[error("the host is or resolves to a non-public address")]
    BlockedAddress,
    #[error("redirected to another origin, or too often")]
    Redirect,
    #[error("timed out")]
    Timeout,
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("larger than the limit")]
    TooLarge,
    #[error("not a PNG or JPEG image")]
    NotAnImage,
    #[error("could not be fetched: {0}")]
    Transport(String),
}

/// Fetches images from caller-supplied URLs. Build once at init; cheap to share.
#[derive(Clone)]
pub struct ImageUrlFetcher {
    client: reqwest::Client,
    limits: FetchLimits,
    /// Test-only exception: plain http and this one loopback socket address.
    loopback_exception: Option<SocketAddr>,
}

impl ImageUrlFetcher {
    pub fn new(limits: FetchLimits) -> Result<Self, FetchError> {
        Self::build(limits, None, Arc::new(SystemLookup))
    }

    /// For tests only: also allows plain `http://` to exactly `server` (a loopback address, as
    /// a local test server has). Names still never resolve to loopback, and every other check
    /// applies.
    #[doc(hidden)]
    pub fn for_loopback_tests(limits: FetchLimits, server: SocketAddr) -> Result<Self, FetchError> {
        assert!(
            server.ip().is_loopback(),
            "the exception is for a loopback test server"
        );
        Self::build(limits, Some(server), Arc::new(SystemLookup))
    }

    fn build(
        limits: FetchLimits,
        loopback_exception: Option<SocketAddr>,
        lookup: Arc<dyn Lookup>,
    ) -> Result<Self, FetchError> {
        let max_redirects = limits.max_redirects;
        let policy = redirect::Policy::custom(move |attempt| {
            let first = &attempt.previous()[0];
            let next = attempt.url();
            let same_origin = next.scheme() == first.scheme()
                && next.host_str() == first.host_str()
                && next.port_or_known_default() == first.port_or_known_default();
            if same_origin && attempt.previous().len() <= max_redirects {
                attempt.follow()
            } else {
                attempt.error(FetchError::Redirect)
            }
        });
        let client = reqwest::Client::builder()
            .https_only(loopback_exception.is_none())
            .no_proxy()
            .redirect(policy)
            .referer(false)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .user_agent("ekyc-image-fetch/1")
            .dns_resolver(PublicOnlyResolver { lookup })
            .build()
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        Ok(Self {
            client,
            limits,
            loopback_exception,
        })
    }

    /// The image at `url`, if it is a PNG or JPEG within the limits, from a public address.
    pub async fn fetch(&self, url: &str) -> Result<Image, FetchError> {
        let url = self.check_url(url)?;
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "image/png, image/jpeg")
            .send()
            .await
            .map_err(classify)?;
        if let Some(peer) = response.remote_addr() {
            if !self.allowed(peer) {
                return Err(FetchError::BlockedAddress);
            }
        }
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.limits.max_bytes)
        {
            return Err(FetchError::TooLarge);
        }
        let mut body: Vec<u8> = Vec::new();
        let mut sniffed = false;
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > self.limits.max_bytes {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
            // Give up early on what is clearly not an image rather than read it all.
            if !sniffed && body.len() >= 16 {
                sniffed = true;
                if ImageFormat::sniff(&body).is_none() {
                    return Err(FetchError::NotAnImage);
                }
            }
        }
        Image::from_bytes(body).map_err(|_| FetchError::NotAnImage)
    }

    fn check_url(&self, raw: &str) -> Result<Url, FetchError> {
        let url = Url::parse(raw.trim()).map_err(|_| FetchError::NotAllowedUrl)?;
        let scheme_ok = url.scheme() == "https"
            || (url.scheme() == "http" && self.loopback_exception.is_some());
        if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::NotAllowedUrl);
        }
        match url.host() {
            Some(url::Host::Domain(_)) => {}
            Some(url::Host::Ipv4(ip)) => self.check_literal(IpAddr::V4(ip), &url)?,
            Some(url::Host::Ipv6(ip)) => self.check_literal(IpAddr::V6(ip), &url)?,
            None => return Err(FetchError::NotAllowedUrl),
        }
        Ok(url)
    }

    fn check_literal(&self, ip: IpAddr, url: &Url) -> Result<(), FetchError> {
        let port = url.port_or_known_default().unwrap_or(0);
        if self.allowed(SocketAddr::new(ip, port)) {
            Ok(())
        } else {
            Err(FetchError::BlockedAddress)
        }
    }

    fn allowed(&self, addr: SocketAddr) -> bool {
        is_public(addr.ip()) || self.loopback_exception == Some(addr)
    }
}

impl crate::ports::ImageFetcher for ImageUrlFetcher {
    async fn fetch(&self, url: &str) -> Result<Image, crate::ports::UnusableUrl> {
        ImageUrlFetcher::fetch(self, url)
            .await
            .map_err(|e| crate::ports::UnusableUrl(e.to_string()))
    }
}

/// Name resolution, replaceable in tests.
trait Lookup: Send + Sync {
    fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>>;
}

struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok((host, 0).to_socket_addrs()?.map(|a| a.ip()).collect())
    }
}

/// The resolver the HTTP client connects through: a name resolves only if every address it
/// has is public.
struct PublicOnlyResolver {
    lookup: Arc<dyn Lookup>,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = Arc::clone(&self.lookup);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let ips = tokio::task::spawn_blocking(move || lookup.lookup(&host))
                .await
                .map_err(|e| Box::new(e) as Box<dyn StdError + Send + Sync>)??;
            if ips.is_empty() || !ips.iter().all(|ip| is_public(*ip)) {
                return Err(Box::new(FetchError::BlockedAddress) as Box<dyn StdError + Send + Sync>);
            }
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// Our own errors (a refused address, a refused redirect) travel inside reqwest's error chain.
fn classify(err: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(ours) = e.downcast_ref::<FetchError>() {
            return ours.clone();
        }
        source = e.source();
    }
    if err.is_timeout() {
        FetchError::Timeout
    } else if err.is_redirect() {
        FetchError::Redirect
    } else {
        FetchError::Transport(if err.is_connect() {
            "connection failed".to_owned()
        } else {
            "transport error".to_owned()
        })
    }
}

/// Whether `ip` is a public unicast address: not loopback, private, shared (CGNAT),
/// link-local, multicast, unspecified, broadcast, reserved, benchmarking or documentation
/// space. IPv4 embedded in IPv6 (mapped, NAT64) is judged as the IPv4 address it carries.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let blocked = a == 0                                 // "this network", 0.0.0.0/8
        || a == 10                                        // RFC 1918
        || (a == 100 && (64..128).contains(&b))           // CGNAT 100.64.0.0/10
        || a == 127                                       // loopback
        || (a == 169 && b == 254)                         // link-local, instance metadata
        || (a == 172 && (16..32).contains(&b))            // RFC 1918
        || (a == 192 && b == 0 && c == 0)                 // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)                 // TEST-NET-1
        || (a == 192 && b == 88 && c == 99)               // 6to4 relay anycast
        || (a == 192 && b == 168)                         // RFC 1918
        || (a == 198 && (b == 18 || b == 19))             // benchmarking
        || (a == 198 && b == 51 && c == 100)              // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)               // TEST-NET-3
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    !blocked
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // IPv4-mapped ::ffff:a.b.c.d and NAT64 64:ff9b::a.b.c.d carry an IPv4 destination.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    // 2000::/3 is global unicast; that excludes ::, ::1, fc00::/7 (ULA), fe80::/10, ff00::/8.
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    let blocked = match s[0] {
        // 2001::/23 IETF protocol assignments (Teredo among them), 2001:db8::/32 documentation
        0x2001 => s[1] < 0x0200 || s[1] == 0x0db8,
        // 6to4 carries an arbitrary IPv4 address
        0x2002 => true,
        // 3fff::/20 documentation
        first => first & 0xfff0 == 0x3ff0,
    };
    global_unicast && !blocked
}

#[cfg(test)]
#[path = "image_url_tests.rs"]
mod tests;
