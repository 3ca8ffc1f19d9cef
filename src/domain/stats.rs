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

/// An event count on a day's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayEvent {
    pub event: Event,
    pub delta: i64,
    pub day: Date,
}

/// How one write moves the counters: status counts, and at most one day's event count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterChange {
    pub statuses: Vec<(RequestStatus, i64)>,
    pub event: Option<DayEvent>,
}

impl CounterChange {
    /// A request created at `created_at` (Unix seconds).
    pub fn created(created_at: u64) -> Self {
        Self {
            statuses: vec![(RequestStatus::Pending, 1)],
            event: Some(DayEvent {
                event: Event::Created,
                delta: 1,
                day: utc_day(created_at),
            }),
        }
    }

    /// A created request withdrawn because its email or call could not go out: it was never
    /// submitted, so it is taken off both counts, on the day it was created.
    pub fn withdrawn(created_at: u64) -> Self {
        let mut change = Self::created(created_at);
        change.statuses[0].1 = -1;
        if let Some(event) = change.event.as_mut() {
            event.delta = -1;
        }
        change
    }

    /// A request moved from `from` to `to` at `now`.
    pub fn transitioned(from: RequestStatus, to: RequestStatus, now: u64) -> Self {
        Self {
            statuses: vec![(from, -1), (to, 1)],
            event: Some(DayEvent {
                event: Event::reaching(to),
                delta: 1,
                day: utc_day(now),
            }),
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

/// A day written `YYYY-MM-DD` (as `Date` displays it).
pub fn parse_day(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
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
    fn a_day_reads_back_as_it_displays() {
        let day = utc_day(NOV_27_2026_NOON);
        assert_eq!(parse_day(&day.to_string()), Some(day));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("2026-11"), None);
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
                let change = CounterChange::transitioned(from, to, NOV_27_2026_NOON);
                let mut counts = StatusCounts::default();
                for (status, delta) in &change.statuses {
                    counts.add(*status, *delta);
                }
                assert_eq!(counts.total(), 0, "{from} -> {to} keeps the total");
                assert_eq!((counts.get(from), counts.get(to)), (-1, 1));
                let event = change.event.unwrap();
                assert_eq!((event.event, event.delta), (Event::reaching(to), 1));
                assert_eq!(event.day.to_string(), "2026-11-27");
                assert_eq!(Event::reaching(to).as_str(), to.as_str());
            }
        }
    }

    #[test]
    fn a_withdrawn_request_undoes_its_creation_on_the_same_day() {
        let created = CounterChange::created(NOV_27_2026_NOON);
        // Withdrawn a moment after midnight: still counted off the day it was created on.
        let withdrawn = CounterChange::withdrawn(NOV_27_2026_NOON);
        assert_eq!(created.statuses, vec![(Pending, 1)]);
        assert_eq!(withdrawn.statuses, vec![(Pending, -1)]);
        let (c, w) = (created.event.unwrap(), withdrawn.event.unwrap());
        assert_eq!((c.event, c.delta), (Event::Created, 1));
        assert_eq!((w.event, w.delta, w.day), (Event::Created, -1, c.day));
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
