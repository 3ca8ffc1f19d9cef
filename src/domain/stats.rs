//! Request statistics, kept as counters by the writes that create, transition and delete
//! requests (never by scanning): how many requests a tenant holds in each status now, and how
//! many were created, verified, accepted, failed and expired on each UTC day.
//!
//! This module says which counters a write moves and how the counters read back; the store
//! keeps them in the same transactions as the writes themselves.

use time::{Date, Duration, OffsetDateTime};

use super::RequestStatus;

/// Requests held now, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub pending: i64,
    pub verified: i64,
    pub accepted: i64,
    pub failed: i64,
    pub expired: i64,
}

impl StatusCounts {
    pub fn get(&self, status: RequestStatus) -> i64 {
        match status {
            RequestStatus::Pending => self.pending,
            RequestStatus::Verified => self.verified,
            RequestStatus::Accepted => self.accepted,
            RequestStatus::Failed => self.failed,
            RequestStatus::Expired => self.expired,
        }
    }

    pub fn add(&mut self, status: RequestStatus, delta: i64) {
        let slot = match status {
            RequestStatus::Pending => &mut self.pending,
            RequestStatus::Verified => &mut self.verified,
            RequestStatus::Accepted => &mut self.accepted,
            RequestStatus::Failed => &mut self.failed,
            RequestStatus::Expired => &mut self.expired,
        };
        *slot += delta;
    }

    /// As the API reads them: `lapsed` pending requests whose code ran out (they read as
    /// expired until their next event records it) move from pending to expired. Never below 0.
    pub fn reading_lapsed_as_expired(mut self, lapsed: i64) -> Self {
        let lapsed = lapsed.clamp(0, self.pending.max(0));
        self.pending -= lapsed;
        self.expired += lapsed;
        for status in RequestStatus::ALL {
            let n = self.get(status);
            if n < 0 {
                self.add(status, -n);
            }
        }
        self
    }

    pub fn total(&self) -> i64 {
        RequestStatus::ALL.iter().map(|s| self.get(*s)).sum()
    }
}

/// What happened to requests on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub created: u64,
    pub verified: u64,
    pub accepted: u64,
    pub failed: u64,
    pub expired: u64,
}

impl DayCounts {
    pub fn add(&mut self, other: &DayCounts) {
        self.created += other.created;
        self.verified += other.verified;
        self.accepted += other.accepted;
        self.failed += other.failed;
        self.expired += other.expired;
    }
}

/// An event counted per day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Created,
    Verified,
    Accepted,
    Failed,
    Expired,
}

impl Event {
    /// The event of reaching `status` (a request is created pending).
    pub fn reaching(status: RequestStatus) -> Event {
        match status {
            RequestStatus::Pending => Event::Created,
            RequestStatus::Verified => Event::Verified,
            RequestStatus::Accepted => Event::Accepted,
            RequestStatus::Failed => Event::Failed,
            RequestStatus::Expired => Event::Expired,
        }
    }

    /// Its attribute name in a day's counters.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Created => "created",
            Event::Verified => "verified",
            Event::Accepted => "accepted",
            Event::Failed => "failed",
            Event::Expired => "expired",
        }
    }
}

/// How one write moves the counters: status counts by ±1 and at most one day's event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterChange {
    pub statuses: Vec<(RequestStatus, i64)>,
    pub event: Option<Event>,
}

impl CounterChange {
    pub fn created() -> Self {
        Self {
            statuses: vec![(RequestStatus::Pending, 1)],
            event: Some(Event::Created),
        }
    }

    pub fn transitioned(from: RequestStatus, to: RequestStatus) -> Self {
        Self {
            statuses: vec![(from, -1), (to, 1)],
            event: Some(Event::reaching(to)),
        }
    }

    /// Deleting requests takes them off the status counts; history stays as it was.
    pub fn deleted(statuses: impl IntoIterator<Item = RequestStatus>) -> Self {
        let mut counts = StatusCounts::default();
        for status in statuses {
            counts.add(status, -1);
        }
        Self {
            statuses: RequestStatus::ALL
                .iter()
                .map(|s| (*s, counts.get(*s)))
                .filter(|(_, n)| *n != 0)
                .collect(),
            event: None,
        }
    }
}

/// The UTC day of a Unix time.
pub fn utc_day(unix: u64) -> Date {
    OffsetDateTime::from_unix_timestamp(unix as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .date()
}

/// The last `days` UTC days up to and including today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Date,
    pub to: Date,
}

impl Window {
    pub fn last(days: u16, now: u64) -> Self {
        let to = utc_day(now);
        let back = i64::from(days.max(1)) - 1;
        Self {
            from: to - Duration::days(back),
            to,
        }
    }

    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }

    /// The sum of the days in the window.
    pub fn sum<'a>(&self, days: impl IntoIterator<Item = &'a (Date, DayCounts)>) -> DayCounts {
        let mut total = DayCounts::default();
        for (day, counts) in days {
            if self.contains(*day) {
                total.add(counts);
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestStatus::*;

    const NOV_27_2026_NOON: u64 = 1_795_780_800;

    #[test]
    fn days_are_utc_calendar_days() {
        assert_eq!(utc_day(NOV_27_2026_NOON).to_string(), "2026-11-27");
        assert_eq!(
            utc_day(NOV_27_2026_NOON - 12 * 3600).to_string(),
            "2026-11-27"
        );
        assert_eq!(
            utc_day(NOV_27_2026_NOON - 12 * 3600 - 1).to_string(),
            "2026-11-26"
        );
    }

    #[test]
    fn a_window_of_n_days_ends_today_and_holds_n_days() {
        let week = Window::last(7, NOV_27_2026_NOON);
        assert_eq!(
            (week.from.to_string(), week.to.to_string()),
            ("2026-11-21".into(), "2026-11-27".into())
        );
        let month = Window::last(30, NOV_27_2026_NOON);
        assert_eq!(month.from.to_string(), "2026-10-29");
        assert!(month.contains(month.from) && month.contains(month.to));
        assert!(!month.contains(month.from.previous_day().unwrap()));
    }

    #[test]
    fn a_window_sums_only_its_days() {
        let today = utc_day(NOV_27_2026_NOON);
        let one = |created| DayCounts {
            created,
            ..Default::default()
        };
        let days = [
            (today, one(1)),
            (today - Duration::days(6), one(10)),
            (today - Duration::days(7), one(100)),
            (today - Duration::days(29), one(1000)),
            (today - Duration::days(30), one(10000)),
        ];
        assert_eq!(Window::last(7, NOV_27_2026_NOON).sum(&days).created, 11);
        assert_eq!(Window::last(30, NOV_27_2026_NOON).sum(&days).created, 1111);
    }

    #[test]
    fn every_allowed_transition_moves_one_request_between_counts_and_counts_its_event() {
        for from in RequestStatus::ALL {
            for transition in [
                crate::domain::Transition::CallVerified,
                crate::domain::Transition::AttemptsExhausted,
                crate::domain::Transition::CodeExpired,
                crate::domain::Transition::Accept,
            ] {
                let Ok(to) = from.apply(transition) else {
                    continue;
                };
                let change = CounterChange::transitioned(from, to);
                let mut counts = StatusCounts::default();
                for (status, delta) in &change.statuses {
                    counts.add(*status, *delta);
                }
                assert_eq!(counts.total(), 0, "{from} -> {to} keeps the total");
                assert_eq!((counts.get(from), counts.get(to)), (-1, 1));
                assert_eq!(change.event.map(Event::as_str), Some(to.as_str()));
            }
        }
        assert_eq!(CounterChange::created().event, Some(Event::Created));
    }

    #[test]
    fn deleting_takes_each_request_off_its_status_and_records_no_event() {
        let change = CounterChange::deleted([Pending, Verified, Verified, Accepted]);
        assert_eq!(
            change.statuses,
            vec![(Pending, -1), (Verified, -2), (Accepted, -1)]
        );
        assert_eq!(change.event, None);
        assert_eq!(CounterChange::deleted([]).statuses, vec![]);
    }

    #[test]
    fn lapsed_pending_requests_read_as_expired_and_counts_never_go_negative() {
        let counts = StatusCounts {
            pending: 5,
            expired: 1,
            verified: -1,
            ..Default::default()
        };
        let read = counts.reading_lapsed_as_expired(2);
        assert_eq!((read.pending, read.expired, read.verified), (3, 3, 0));
        // More lapsed than pending (a race between the count and the query): capped.
        let read = counts.reading_lapsed_as_expired(9);
        assert_eq!((read.pending, read.expired), (0, 6));
    }
}
