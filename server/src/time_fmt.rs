//! Timestamps in one fixed-width RFC 3339 form, so that they also sort as text.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Now, as `2026-11-23T10:39:00.123456Z`.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// A UTC instant in the fixed-width form.
pub fn format(at: OffsetDateTime) -> String {
    at.format(FORMAT)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000000Z"))
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_so_text_order_is_time_order() {
        let early = format(OffsetDateTime::from_unix_timestamp(1_000_000_000).unwrap());
        let late = format(OffsetDateTime::from_unix_timestamp(1_000_000_001).unwrap());
        assert_eq!(early, "2001-09-09T01:46:40.000000Z");
        assert!(early < late);
        assert_eq!(now().len(), early.len());
    }
}
