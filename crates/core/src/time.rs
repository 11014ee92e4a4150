//! Time as the shop sees it. Business rules never call `Utc::now()`: they take a `Clock`
//! (pinned in tests and in the demo generator) and the shop's UTC offset.
//! Indonesia has no daylight saving, so a fixed offset per zone is exact.

use crate::error::{CoreError, Field, Problem, Result};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, SecondsFormat, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, demo data, replays).
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(at))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// The shop's time zone: an IANA name for Indonesian zones, "UTC", or "+07:00".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopTz {
    pub name: String,
    pub offset: FixedOffset,
}

impl ShopTz {
    pub fn parse(name: &str) -> Result<ShopTz> {
        let hours = match name.trim() {
            "Asia/Jakarta" | "Asia/Pontianak" | "WIB" => Some(7),
            "Asia/Makassar" | "WITA" => Some(8),
            "Asia/Jayapura" | "WIT" => Some(9),
            "UTC" | "Etc/UTC" | "Z" => Some(0),
            _ => None,
        };
        let offset = match hours {
            Some(h) => FixedOffset::east_opt(h * 3600),
            None => parse_offset(name.trim()),
        }
        .ok_or_else(|| {
            CoreError::invalid(
                Field::Timezone,
                Problem::UnknownChoice {
                    value: name.trim().to_string(),
                    choices: "Asia/Jakarta, Asia/Makassar, Asia/Jayapura, +07:00".into(),
                },
            )
        })?;
        Ok(ShopTz {
            name: name.trim().to_string(),
            offset,
        })
    }

    pub fn jakarta() -> ShopTz {
        ShopTz::parse("Asia/Jakarta").expect("built-in zone")
    }

    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset).date_naive()
    }

    /// The UTC instant at which the given local day starts.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        DateTime::<Utc>::from_naive_utc_and_offset(local, Utc)
            - Duration::seconds(i64::from(self.offset.local_minus_utc()))
    }
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Stored timestamp form: UTC, milliseconds, `Z` — sorts lexicographically in time order.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_stamp(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            CoreError::invalid(
                Field::Time,
                Problem::BadFormat {
                    value: s.to_string(),
                    example: "2026-11-21T04:36:00Z".into(),
                },
            )
        })
}

/// Monday of the ISO week containing `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

pub fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("day 1 exists")
}

pub fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid month") - Duration::days(1)
}
