//! `GET /api/stats`: the dashboard's summary, from the counters the writes keep.
//!
//! ```json
//! {"current": {"pending": 3, "verified": 5, "accepted": 12, "failed": 1, "expired": 2},
//!  "last7Days": {"from": "2026-11-21", "to": "2026-11-27",
//!                "created": 40, "verified": 30, "accepted": 20, "failed": 3, "expired": 2},
//!  "last30Days": {"from": "2026-10-29", "to": "2026-11-27", "created": 95, ...}}
//! ```
//! `current`: the requests held now, by status as they read (a pending request whose code ran
//! out is expired). The windows: what happened on the UTC days from `from` to `to` (today)
//! inclusive; deleting a request does not rewrite them.

use lambda_http::http::StatusCode;
use serde::Serialize;

use super::errors::json_response;
use super::{App, Handled};
use crate::domain::stats::{DayCounts, StatusCounts, Window};
use crate::domain::TenantId;
use crate::ports::Ports;
use crate::use_cases::review;

#[derive(Serialize)]
struct Current {
    pending: i64,
    verified: i64,
    accepted: i64,
    failed: i64,
    expired: i64,
}

#[derive(Serialize)]
struct Period {
    from: String,
    to: String,
    created: u64,
    verified: u64,
    accepted: u64,
    failed: u64,
    expired: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatsView {
    current: Current,
    last7_days: Period,
    last30_days: Period,
}

fn current(c: StatusCounts) -> Current {
    Current {
        pending: c.pending,
        verified: c.verified,
        accepted: c.accepted,
        failed: c.failed,
        expired: c.expired,
    }
}

fn period((window, counts): (Window, DayCounts)) -> Period {
    Period {
        from: window.from.to_string(),
        to: window.to.to_string(),
        created: counts.created,
        verified: counts.verified,
        accepted: counts.accepted,
        failed: counts.failed,
        expired: counts.expired,
    }
}

pub(super) async fn handle<P: Ports>(app: &App<P>, tenant: &TenantId, now: u64) -> Handled {
    let summary = review::summary(&app.store, tenant, now).await?;
    let [week, month] = summary.windows;
    let body = StatsView {
        current: current(summary.current),
        last7_days: period(week),
        last30_days: period(month),
    };
    Ok((json_response(StatusCode::OK, &body), "stats"))
}
