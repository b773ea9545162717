//! Time as the rules see it: a [`Timestamp`] is passed in, never read from a clock here, so
//! every rule that depends on time ("expired after 14 days") is a pure function of its input.

use serde::{Deserialize, Serialize};

/// A moment in UTC, as milliseconds since the Unix epoch (the database stores the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Timestamp(i64);

pub const SECOND_MS: i64 = 1_000;
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This moment plus `millis` (saturating: far-future arithmetic never wraps around).
    pub const fn plus_millis(self, millis: i64) -> Self {
        Timestamp(self.0.saturating_add(millis))
    }

    /// The calendar date (UTC) as (year, month 1–12, day 1–31).
    pub fn date(self) -> (i64, u32, u32) {
        civil_from_days(self.0.div_euclid(DAY_MS))
    }

    /// "14 Dec 2026", the way dates appear in emails and lists.
    pub fn format_date(self) -> String {
        let (year, month, day) = self.date();
        format!("{day} {} {year}", MONTHS[month as usize - 1])
    }

    /// RFC 3339 in UTC with milliseconds: "2026-12-14T09:05:07.123Z".
    pub fn rfc3339(self) -> String {
        let (year, month, day) = self.date();
        let in_day = self.0.rem_euclid(DAY_MS);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
            in_day / HOUR_MS,
            (in_day % HOUR_MS) / MINUTE_MS,
            (in_day % MINUTE_MS) / SECOND_MS,
            in_day % SECOND_MS
        )
    }

    /// "14 Dec 2026, 09:05 UTC".
    pub fn format_date_time(self) -> String {
        let in_day = self.0.rem_euclid(DAY_MS);
        let hours = in_day / HOUR_MS;
        let minutes = (in_day % HOUR_MS) / MINUTE_MS;
        format!("{}, {hours:02}:{minutes:02} UTC", self.format_date())
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm, exact for
/// every `i64` day count the timestamps can produce).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_is_utc_with_milliseconds() {
        assert_eq!(
            Timestamp::from_millis(0).rfc3339(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_796_000_707_123).rfc3339(),
            "2026-11-30T01:05:07.123Z"
        );
        assert_eq!(
            Timestamp::from_millis(-1).rfc3339(),
            "1969-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert_eq!(Timestamp::from_millis(0).date(), (1970, 1, 1));
        // 2026-11-29T02:44:54Z
        let t = Timestamp::from_millis(1_795_920_294_000);
        assert_eq!(t.date(), (2026, 11, 29));
        assert_eq!(t.format_date(), "29 Nov 2026");
        assert_eq!(t.format_date_time(), "29 Nov 2026, 02:44 UTC");
        // Leap day, and the day before the epoch.
        assert_eq!(
            Timestamp::from_millis(951_782_400_000).format_date(),
            "29 Feb 2000"
        );
        assert_eq!(Timestamp::from_millis(-1).date(), (1969, 12, 31));
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(
            Timestamp::from_millis(i64::MAX - 1).plus_millis(DAY_MS),
            Timestamp::from_millis(i64::MAX)
        );
    }
}
