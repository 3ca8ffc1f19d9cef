//! The dates on an identity document (birth, expiry, issue) and what the published
//! `idInformation` derives from them as of a given day: age, day/month/year parts, days to
//! expiry and days from issue.

use time::{Date, Month};

/// A calendar date read from a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DocumentDate(Date);

impl DocumentDate {
    pub fn new(date: Date) -> Self {
        Self(date)
    }

    /// Parses the date part of `YYYY-MM-DD[THH:MM:SS]` (Textract's normalized value) or
    /// `YYYY/MM/DD` (the published form). Anything else, including impossible dates such as
    /// `2023-02-29`, is `None`: a date the document does not clearly say is left unknown.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let date = raw.split_once('T').map_or(raw, |(date, _)| date);
        let sep = if date.contains('-') { '-' } else { '/' };
        let mut parts = date.split(sep);
        let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return None;
        }
        let number = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| s.parse::<u16>().ok())
                .flatten()
        };
        let month = Month::try_from(u8::try_from(number(month)?).ok()?).ok()?;
        let day = u8::try_from(number(day)?).ok()?;
        let year = i32::from(number(year)?);
        Date::from_calendar_date(year, month, day).ok().map(Self)
    }

    /// The UTC calendar day of a Unix time (seconds).
    pub fn from_unix(seconds: u64) -> Self {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        let at = time::OffsetDateTime::from_unix_timestamp(seconds)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Self(at.date())
    }

    pub fn date(self) -> Date {
        self.0
    }

    pub fn day(self) -> i64 {
        i64::from(self.0.day())
    }

    pub fn month(self) -> i64 {
        i64::from(u8::from(self.0.month()))
    }

    pub fn year(self) -> i64 {
        i64::from(self.0.year())
    }

    /// The published text form, `YYYY/MM/DD`.
    pub fn published(self) -> String {
        format!(
            "{:04}/{:02}/{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }

    /// Whole days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: DocumentDate) -> i64 {
        (other.0 - self.0).whole_days()
    }

    /// Completed years of someone born on `self`, as of `today`; `None` before the birth.
    ///
    /// Someone born on 29 February becomes a year older on 1 March in common years (the
    /// birthday has not been reached on 28 February), as the law of most countries counts it.
    pub fn age_on(self, today: DocumentDate) -> Option<i64> {
        if today < self {
            return None;
        }
        let birthday_reached =
            (u8::from(today.0.month()), today.0.day()) >= (u8::from(self.0.month()), self.0.day());
        Some(i64::from(today.0.year() - self.0.year()) - i64::from(!birthday_reached))
    }
}

/// The derived date fields of `idInformation`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DerivedDates {
    pub age: Option<i64>,
    pub dob: Option<DateParts>,
    pub expiry: Option<DateParts>,
    pub days_to_expiry: Option<i64>,
    pub issued: Option<DateParts>,
    pub days_from_issue: Option<i64>,
}

/// A date as the published fields spell it: text plus day, month and year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateParts {
    pub text: String,
    pub day: i64,
    pub month: i64,
    pub year: i64,
}

impl From<DocumentDate> for DateParts {
    fn from(date: DocumentDate) -> Self {
        Self {
            text: date.published(),
            day: date.day(),
            month: date.month(),
            year: date.year(),
        }
    }
}

impl DerivedDates {
    /// Everything derived from the document's dates as of `today`. `daysToExpiry` is 0 on the
    /// expiry day and negative after it; `daysFromIssue` is 0 on the issue day.
    pub fn derive(
        dob: Option<DocumentDate>,
        expiry: Option<DocumentDate>,
        issued: Option<DocumentDate>,
        today: DocumentDate,
    ) -> Self {
        Self {
            age: dob.and_then(|d| d.age_on(today)),
            dob: dob.map(DateParts::from),
            expiry: expiry.map(DateParts::from),
            days_to_expiry: expiry.map(|e| today.days_until(e)),
            issued: issued.map(DateParts::from),
            days_from_issue: issued.map(|i| i.days_until(today)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> DocumentDate {
        DocumentDate::parse(raw).unwrap_or_else(|| panic!("{raw} should parse"))
    }

    #[test]
    fn parses_textract_normalized_values_and_the_published_form() {
        assert_eq!(d("2031-08-01T00:00:00"), d("2031/08/01"));
        assert_eq!(d("1992-03-14").published(), "1992/03/14");
        assert_eq!(d(" 2000-02-29T00:00:00 ").day(), 29);
    }

    #[test]
    fn a_unix_time_gives_its_utc_day() {
        assert_eq!(DocumentDate::from_unix(0), d("1970-01-01"));
        assert_eq!(DocumentDate::from_unix(1_795_780_800), d("2026-11-27"));
        assert_eq!(DocumentDate::from_unix(1_795_823_999), d("2026-11-27"));
        assert_eq!(DocumentDate::from_unix(1_795_824_000), d("2026-11-28"));
    }

    #[test]
    fn refuses_dates_that_do_not_exist_or_are_not_iso_ordered() {
        for raw in [
            "2023-02-29",
            "2024-02-30",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "01-05-2014",
            "2014-1-5",
            "2014/01-05",
            "20140105",
            "",
            "+024-01-01",
            "2024-01-01-01",
        ] {
            assert_eq!(DocumentDate::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn age_counts_completed_years() {
        assert_eq!(d("1992-03-14").age_on(d("2026-03-13")), Some(33));
        assert_eq!(d("1992-03-14").age_on(d("2026-03-14")), Some(34));
        assert_eq!(d("1992-03-14").age_on(d("1992-03-14")), Some(0));
        assert_eq!(d("1992-03-14").age_on(d("1992-03-13")), None);
    }

    #[test]
    fn age_at_month_ends() {
        // Born on the last day of a 31-day month: not a year older on the 30th of a shorter one.
        assert_eq!(d("1990-01-31").age_on(d("2020-01-30")), Some(29));
        assert_eq!(d("1990-01-31").age_on(d("2020-01-31")), Some(30));
        assert_eq!(d("1990-12-31").age_on(d("2020-12-31")), Some(30));
        assert_eq!(d("1990-12-31").age_on(d("2021-01-01")), Some(30));
        assert_eq!(d("1990-04-30").age_on(d("2020-04-30")), Some(30));
        assert_eq!(d("1990-04-30").age_on(d("2020-04-29")), Some(29));
    }

    #[test]
    fn a_leap_day_birthday_counts_from_march_first_in_common_years() {
        let leapling = d("2000-02-29");
        assert_eq!(leapling.age_on(d("2023-02-28")), Some(22));
        assert_eq!(leapling.age_on(d("2023-03-01")), Some(23));
        assert_eq!(leapling.age_on(d("2024-02-28")), Some(23));
        assert_eq!(leapling.age_on(d("2024-02-29")), Some(24));
        // 2100 is not a leap year (divisible by 100, not by 400).
        assert_eq!(DocumentDate::parse("2100-02-29"), None);
        assert_eq!(leapling.age_on(d("2100-03-01")), Some(100));
    }

    #[test]
    fn days_to_expiry_is_zero_on_the_day_and_negative_after() {
        let expiry = d("2030-06-15");
        let at = |today: &str| DerivedDates::derive(None, Some(expiry), None, d(today));
        assert_eq!(at("2030-06-15").days_to_expiry, Some(0));
        assert_eq!(at("2030-06-14").days_to_expiry, Some(1));
        assert_eq!(at("2030-06-16").days_to_expiry, Some(-1));
        // Across a leap day and a year end.
        assert_eq!(
            DerivedDates::derive(None, Some(d("2028-03-01")), None, d("2028-02-28")).days_to_expiry,
            Some(2)
        );
        assert_eq!(
            DerivedDates::derive(None, Some(d("2027-01-01")), None, d("2026-12-31")).days_to_expiry,
            Some(1)
        );
    }

    #[test]
    fn days_from_issue_counts_up_from_the_issue_day() {
        let at = |issued: &str, today: &str| {
            DerivedDates::derive(None, None, Some(d(issued)), d(today)).days_from_issue
        };
        assert_eq!(at("2021-08-02", "2021-08-02"), Some(0));
        assert_eq!(at("2021-08-02", "2021-08-03"), Some(1));
        assert_eq!(at("2024-02-28", "2024-03-01"), Some(2));
        assert_eq!(at("2023-02-28", "2023-03-01"), Some(1));
        assert_eq!(at("2020-01-01", "2021-01-01"), Some(366));
    }

    #[test]
    fn derive_fills_the_parts_of_every_known_date_and_nothing_else() {
        let derived = DerivedDates::derive(
            Some(d("1992-03-14")),
            Some(d("2031-08-01")),
            None,
            d("2026-11-27"),
        );
        assert_eq!(derived.age, Some(34));
        assert_eq!(
            derived.dob,
            Some(DateParts {
                text: "1992/03/14".into(),
                day: 14,
                month: 3,
                year: 1992
            })
        );
        assert_eq!(derived.expiry.as_ref().map(|e| e.month), Some(8));
        assert_eq!(derived.days_to_expiry, Some(1708));
        assert_eq!(derived.issued, None);
        assert_eq!(derived.days_from_issue, None);
    }
}
