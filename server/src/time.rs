//! The clock, in the Unix seconds the database stores.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Milliseconds since the Unix epoch (for rate limits, which count in less than seconds).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Unix seconds as RFC 3339 (UTC).
pub fn format(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| seconds.to_string())
}

/// Seconds in a day (UTC days: no leap seconds in Unix time).
pub const DAY: i64 = 24 * 60 * 60;

/// The day (UTC) of a Unix time, as days since 1970-01-01.
pub fn day_of(seconds: i64) -> i64 {
    seconds.div_euclid(DAY)
}

/// A day (counted from 1970-01-01, UTC) as `YYYY-MM-DD`.
pub fn date_of_day(day: i64) -> String {
    format(day * DAY).split('T').next().unwrap_or_default().to_owned()
}
