//! RFC 3339 timestamps to milliseconds since the Unix epoch, for run ages. Hand-written because
//! it is tiny and the policy must stay pure and native-testable (no `Date` of the browser).

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn number(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// `2026-11-23T10:39:00.123456Z` (or with an offset, `+01:00`) as epoch milliseconds;
/// `None` for anything else.
///
/// ```
/// use data_farm::polling::epoch_ms;
/// assert_eq!(epoch_ms("1970-01-01T00:00:01.5Z"), Some(1_500.0));
/// assert_eq!(epoch_ms("2001-09-09T01:46:40Z"), Some(1_000_000_000_000.0));
/// assert_eq!(epoch_ms("2001-09-09T03:46:40+02:00"), Some(1_000_000_000_000.0));
/// assert_eq!(epoch_ms("yesterday"), None);
/// ```
pub fn epoch_ms(text: &str) -> Option<f64> {
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut parts = date.splitn(3, '-');
    let year = number(parts.next()?)?;
    let month = number(parts.next()?)?;
    let day = number(parts.next()?)?;
    let (clock, offset_minutes) = if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (clock, offset) = rest.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (h, m) = offset[1..].split_once(':')?;
        (clock, sign * (number(h)? * 60 + number(m)?))
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms = hms.splitn(3, ':');
    let (h, m, s) = (
        number(hms.next()?)?,
        number(hms.next()?)?,
        number(hms.next()?)?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let millis = if fraction.is_empty() {
        0.0
    } else {
        number(fraction)? as f64 / 10f64.powi(fraction.len() as i32) * 1000.0
    };
    let seconds =
        days_from_civil(year, month, day) * 86_400 + h * 3_600 + m * 60 + s - offset_minutes * 60;
    Some(seconds as f64 * 1000.0 + millis)
}

#[cfg(test)]
mod tests {
    use super::epoch_ms;

    #[test]
    fn leap_days_and_fractions() {
        let a = epoch_ms("2024-02-28T23:59:59.999999Z").unwrap();
        let b = epoch_ms("2024-02-29T00:00:00Z").unwrap();
        assert!((b - a - 0.001).abs() < 1e-3, "{}", b - a);
        assert_eq!(epoch_ms("2024-03-01T00:00:00Z").unwrap() - b, 86_400_000.0);
    }

    #[test]
    fn nonsense_is_none() {
        for text in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-01-01T25:00:00Z",
            "2026-01-01",
            "2026-01-01T00:00:00",
        ] {
            assert_eq!(epoch_ms(text), None, "{text}");
        }
    }
}
