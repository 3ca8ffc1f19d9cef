//! `nextToken`: the store's page cursor, bound to the tenant and the listing (filter and order)
//! it was issued for, and signed (HMAC-SHA256), so it cannot be forged or replayed into another
//! tenant's data or another listing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::domain::TenantId;
use crate::ports::{ListFilter, Listing, PageCursor};

#[derive(Clone)]
pub struct PageTokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for PageTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokens(<secret>)")
    }
}

#[derive(Serialize, Deserialize)]
struct Payload {
    t: String,
    f: String,
    c: PageCursor,
}

/// The listing a token belongs to: `all`, `true`, `false` (the `accepted` filters, as before
/// there were others) or `status:<status>`, then `/newest` when newest first.
fn listing_name(listing: Listing) -> String {
    let filter = match listing.filter {
        ListFilter::All => "all".to_owned(),
        ListFilter::Accepted => "true".to_owned(),
        ListFilter::NotAccepted => "false".to_owned(),
        ListFilter::Status(status) => format!("status:{status}"),
    };
    match listing.newest_first {
        false => filter,
        true => format!("{filter}/newest"),
    }
}

impl PageTokens {
    /// Keys the signature with a key derived from `secret` for this use only.
    pub fn new(secret: &[u8]) -> Self {
        let mut derive = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
        derive.update(b"ekyc/page-token/v1");
        Self {
            key: derive.finalize().into_bytes().to_vec(),
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key")
    }

    pub fn issue(&self, tenant: &TenantId, listing: Listing, cursor: &PageCursor) -> String {
        let payload = Payload {
            t: tenant.to_string(),
            f: listing_name(listing),
            c: cursor.clone(),
        };
        let body = serde_json::to_vec(&payload).expect("a cursor serializes");
        let mut mac = self.mac();
        mac.update(&body);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&body),
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }

    /// The cursor in a token this service issued for this tenant and listing; `None` for any
    /// other string.
    pub fn open(&self, token: &str, tenant: &TenantId, listing: Listing) -> Option<PageCursor> {
        let (body, tag) = token.split_once('.')?;
        let body = URL_SAFE_NO_PAD.decode(body).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut mac = self.mac();
        mac.update(&body);
        mac.verify_slice(&tag).ok()?;
        let payload: Payload = serde_json::from_slice(&body).ok()?;
        (payload.t == tenant.as_str() && payload.f == listing_name(listing)).then_some(payload.c)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::RequestStatus;

    fn cursor() -> PageCursor {
        PageCursor(BTreeMap::from([("pk".into(), "TENANT#a#REQ#1".into())]))
    }

    #[test]
    fn a_token_opens_only_for_its_tenant_and_filter() {
        let tokens = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let a = TenantId::parse("a").unwrap();
        let b = TenantId::parse("b").unwrap();
        let token = tokens.issue(&a, Listing::ALL, &cursor());
        assert_eq!(tokens.open(&token, &a, Listing::ALL), Some(cursor()));
        assert_eq!(tokens.open(&token, &b, Listing::ALL), None);
        let listing = |filter, newest_first| Listing {
            filter,
            newest_first,
        };
        assert_eq!(
            tokens.open(&token, &a, listing(ListFilter::Accepted, false)),
            None
        );
        assert_eq!(
            tokens.open(&token, &a, listing(ListFilter::All, true)),
            None
        );
        let verified = listing(ListFilter::Status(RequestStatus::Verified), true);
        let token = tokens.issue(&a, verified, &cursor());
        assert_eq!(tokens.open(&token, &a, verified), Some(cursor()));
        let failed = listing(ListFilter::Status(RequestStatus::Failed), true);
        assert_eq!(tokens.open(&token, &a, failed), None);
        assert_eq!(listing_name(verified), "status:verified/newest");
    }

    #[test]
    fn forged_or_mangled_tokens_do_not_open() {
        let tokens = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let other = PageTokens::new(b"another secret, another key, 32+");
        let a = TenantId::parse("a").unwrap();
        let token = tokens.issue(&a, Listing::ALL, &cursor());
        assert_eq!(other.open(&token, &a, Listing::ALL), None);
        let (body, tag) = token.split_once('.').unwrap();
        let forged_body = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(
                &serde_json::json!({"t": "a", "f": "all", "c": {"pk": "TENANT#b#REQ#1"}}),
            )
            .unwrap(),
        );
        for bad in [
            format!("{forged_body}.{tag}"),
            body.to_owned(),
            "".into(),
            "x.y".into(),
            format!("{body}.{tag}x"),
        ] {
            assert_eq!(tokens.open(&bad, &a, Listing::ALL), None, "{bad}");
        }
    }
}
