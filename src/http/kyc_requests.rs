//! `GET /api/requests` and `GET /api/requests/{id}`: KYC requests in the published retrieval
//! shape, joined with their document records. The list takes `accepted=true|false` (as
//! published) or `status=pending|verified|accepted|failed|expired` (ours), `order=oldest|newest`
//! (default oldest), `limit` and `nextToken`.

use lambda_http::http::StatusCode;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::errors::{json_response, ApiError};
use super::{App, Handled};
use crate::domain::{IdInformation, RequestId, TenantId};
use crate::messages;
use crate::ports::{ListFilter, Listing, Ports};
use crate::use_cases::review::{self, Reviewed};

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;
/// The most a page's requests may weigh as JSON: a Lambda answer is at most 6 MB, escaping
/// included. A heavier page ends early, with a `nextToken` where it stopped.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// One element of `requests`: the published fields first, then ours.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestView<'a> {
    id: String,
    email: &'a str,
    phone_number: &'a str,
    is_validated: bool,
    is_accepted: bool,
    id_front_image: Option<&'a str>,
    id_back_image: Option<&'a str>,
    id_side_image: Option<&'a str>,
    face_image: Option<&'a str>,
    face_match: Option<f64>,
    id_information: &'a IdInformation,
    status: &'static str,
    document_identification_id: &'a str,
    attempts_used: u32,
    max_attempts: u32,
    created_at: String,
    verified_at: Option<String>,
    accepted_at: Option<String>,
    failed_at: Option<String>,
    expired_at: Option<String>,
    failure_reason: Option<&'a str>,
    call_scheduled_at: Option<String>,
    call_placed_at: Option<String>,
    call_attempts: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Requests<'a> {
    requests: Vec<RequestView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

pub(super) fn timestamp(unix: u64) -> String {
    OffsetDateTime::from_unix_timestamp(unix as i64)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

static NO_INFORMATION: IdInformation = IdInformation {
    document_number: None,
    first_name: None,
    middle_name: None,
    last_name: None,
    full_name: None,
    age: None,
    dob: None,
    dob_day: None,
    dob_month: None,
    dob_year: None,
    expiry: None,
    expiry_day: None,
    expiry_month: None,
    expiry_year: None,
    days_to_expiry: None,
    issued: None,
    issued_day: None,
    issued_month: None,
    issued_year: None,
    days_from_issue: None,
    address1: None,
    document_type: None,
    document_side: None,
    issue_authority: None,
    issuer_org_full: None,
    issuer_org_iso2: None,
    issuer_org_iso3: None,
    nationality_full: None,
    nationality_iso2: None,
    nationality_iso3: None,
    internal_id: None,
};

fn view(reviewed: &Reviewed) -> RequestView<'_> {
    let Reviewed {
        request: r,
        status,
        expired_at,
        document,
    } = reviewed;
    let document = document.as_ref();
    RequestView {
        id: r.id.to_string(),
        email: &r.email,
        phone_number: &r.phone_number,
        is_validated: status.is_validated(),
        is_accepted: status.is_accepted(),
        id_front_image: document.and_then(|d| d.id_front_image.as_deref()),
        id_back_image: document.and_then(|d| d.id_back_image.as_deref()),
        id_side_image: document.and_then(|d| d.id_side_image.as_deref()),
        face_image: document.and_then(|d| d.face_image.as_deref()),
        face_match: document.and_then(|d| d.face_match),
        id_information: document.map_or(&NO_INFORMATION, |d| &d.id_information),
        status: status.as_str(),
        document_identification_id: r.document_id.as_str(),
        attempts_used: r.attempts_used,
        max_attempts: r.max_attempts,
        created_at: timestamp(r.created_at),
        verified_at: r.verified_at.map(timestamp),
        accepted_at: r.accepted_at.map(timestamp),
        failed_at: r.failed_at.map(timestamp),
        expired_at: expired_at.map(timestamp),
        failure_reason: r.failure_reason.as_deref(),
        call_scheduled_at: r.call_scheduled_at.map(timestamp),
        call_placed_at: r.call_placed_at.map(timestamp),
        call_attempts: r.call_attempts,
    }
}

fn respond(reviewed: &[Reviewed], next_token: Option<String>) -> Handled {
    let body = Requests {
        requests: reviewed.iter().map(view).collect(),
        next_token,
    };
    Ok((json_response(StatusCode::OK, &body), "listed"))
}

/// How many of `reviewed` fit in [`MAX_PAGE_BYTES`] (at least one).
fn fitting(reviewed: &[Reviewed]) -> usize {
    let mut size = 0;
    reviewed
        .iter()
        .take_while(|r| {
            size += super::json::to_string(&view(r)).len() + 2;
            size <= MAX_PAGE_BYTES
        })
        .count()
        .max(1)
}

pub(super) async fn get_one<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    raw_id: &str,
    now: u64,
) -> Handled {
    let id = RequestId::parse(raw_id).map_err(|_| ApiError::RequestNotFound)?;
    let mut found = [review::get(&app.store, tenant, &id, now).await?];
    super::image_urls::presign_all(app, tenant, &mut found).await;
    respond(&found, None)
}

struct ListQuery {
    listing: Listing,
    limit: u32,
    next_token: Option<String>,
}

fn parse_query(query: &str) -> Result<ListQuery, ApiError> {
    let mut parsed = ListQuery {
        listing: Listing::ALL,
        limit: DEFAULT_LIMIT,
        next_token: None,
    };
    let (mut accepted, mut status) = (None, None);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "accepted" => {
                accepted = Some(match value.as_ref() {
                    "true" => ListFilter::Accepted,
                    "false" => ListFilter::NotAccepted,
                    _ => return Err(ApiError::BadRequest(messages::ACCEPTED_FILTER.into())),
                })
            }
            "status" => {
                let parsed = value
                    .parse()
                    .map_err(|_| ApiError::BadRequest(messages::STATUS_FILTER.into()))?;
                status = Some(ListFilter::Status(parsed));
            }
            "order" => {
                parsed.listing.newest_first = match value.as_ref() {
                    "newest" => true,
                    "oldest" => false,
                    _ => return Err(ApiError::BadRequest(messages::ORDER.into())),
                }
            }
            "limit" => {
                parsed.limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| ApiError::BadRequest(messages::limit_range(MAX_LIMIT)))?
            }
            "nextToken" => parsed.next_token = Some(value.into_owned()),
            _ => {}
        }
    }
    parsed.listing.filter = match (accepted, status) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(messages::STATUS_OR_ACCEPTED.into()))
        }
        (Some(filter), None) | (None, Some(filter)) => filter,
        (None, None) => ListFilter::All,
    };
    Ok(parsed)
}

pub(super) async fn list<P: Ports>(
    app: &App<P>,
    tenant: &TenantId,
    query: &str,
    now: u64,
) -> Handled {
    let query = parse_query(query)?;
    let start = match &query.next_token {
        None => None,
        Some(token) => Some(
            app.page_tokens
                .open(token, tenant, query.listing)
                .ok_or_else(|| ApiError::BadRequest(messages::BAD_NEXT_TOKEN.into()))?,
        ),
    };
    let mut page = review::list(
        &app.store,
        tenant,
        query.listing,
        query.limit,
        start.clone(),
        now,
    )
    .await?;
    super::image_urls::presign_all(app, tenant, &mut page.requests).await;
    let fits = fitting(&page.requests);
    if fits < page.requests.len() {
        // Too heavy for one answer: the same page again, only as long as fits, so the store
        // hands out the cursor after its last request.
        page = review::list(&app.store, tenant, query.listing, fits as u32, start, now).await?;
        super::image_urls::presign_all(app, tenant, &mut page.requests).await;
    }
    let next_token = page
        .next
        .as_ref()
        .map(|c| app.page_tokens.issue(tenant, query.listing, c));
    respond(&page.requests, next_token)
}
