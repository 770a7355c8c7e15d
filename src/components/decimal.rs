//! Decimal text of a float without `core`'s float formatting: `format!("{:.1}", x)` and an
//! `f64`'s `Display` link about 11 KB of wasm (exact and shortest float printing); this is a
//! few hundred bytes of integer arithmetic, and enough for what components show (chart
//! coordinates, percentages, milliseconds).

/// `value` with at most `places` decimals (at most 9), rounded half away from zero, trailing
/// zeros dropped: `decimal(12.25, 1)` is `"12.3"`, `decimal(300.0, 3)` is `"300"`. A value
/// beyond what 64 bits of its scaled digits hold saturates; not a number is `"0"`.
pub(crate) fn decimal(value: f64, places: u32) -> String {
    let places = places.min(9);
    let scale = 10u64.pow(places);
    if value.is_nan() {
        return "0".to_owned();
    }
    // `as` saturates: an infinite or huge value becomes u64::MAX.
    let scaled = (value.abs() * scale as f64).round() as u64;
    let sign = if value < 0.0 && scaled != 0 { "-" } else { "" };
    let (whole, mut fraction, mut digits) = (scaled / scale, scaled % scale, places as usize);
    while digits > 0 && fraction % 10 == 0 {
        fraction /= 10;
        digits -= 1;
    }
    if digits == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction:0digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn rounds_to_the_places_asked_and_drops_trailing_zeros() {
        assert_eq!(decimal(12.25, 1), "12.3");
        assert_eq!(decimal(12.24, 1), "12.2");
        assert_eq!(decimal(300.0, 3), "300");
        assert_eq!(decimal(0.5, 3), "0.5");
        assert_eq!(decimal(1.05, 2), "1.05");
        assert_eq!(decimal(0.007, 2), "0.01");
        assert_eq!(decimal(99.6, 0), "100");
        assert_eq!(decimal(7.0, 0), "7");
    }

    #[test]
    fn signs_nan_and_infinities() {
        assert_eq!(decimal(-2.5, 1), "-2.5");
        assert_eq!(
            decimal(-0.04, 1),
            "0",
            "a negative that rounds to zero has no sign"
        );
        assert_eq!(decimal(f64::NAN, 1), "0");
        assert_eq!(decimal(f64::INFINITY, 0), u64::MAX.to_string());
        assert_eq!(decimal(f64::NEG_INFINITY, 0), format!("-{}", u64::MAX));
    }

    #[test]
    fn agrees_with_core_formatting_where_no_tie_is_involved() {
        for i in 0..2_000 {
            let value = f64::from(i) * 0.37 + 0.011;
            assert_eq!(
                decimal(value, 2),
                format!("{value:.2}")
                    .trim_end_matches('0')
                    .trim_end_matches('.'),
                "{value}"
            );
        }
    }
}
