//! Timestamp formats the providers use, all turned into UTC.

use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// India Standard Time, which Kite's zone-less timestamps are in.
pub const IST: UtcOffset = offset!(+5:30);

/// `t` in UTC, if the envelope can carry it: RFC 3339 writes years 0000 to 9999 only.
///
/// Every reader goes through here. `to_offset` panics when the UTC time leaves the
/// `time` crate's range (a wall-clock time of year -9999 at +05:30, or 9999-12-31T23:59
/// at -01:00); such a value is a timestamp that cannot be read, so the caller's
/// documented fallback applies.
pub fn in_utc(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(UtcOffset::UTC)
        .filter(|utc| (0..=9999).contains(&utc.year()))
}

/// Parses `YYYY-MM-DD HH:MM:SS` (no zone) as wall-clock time at `zone`, returned in UTC.
pub fn parse_naive(text: &str, zone: UtcOffset) -> Option<OffsetDateTime> {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, format)
        .ok()
        .and_then(|naive| in_utc(naive.assume_offset(zone)))
}

/// Parses an RFC 3339 timestamp (any offset), returned in UTC.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok().and_then(in_utc)
}

/// Parses `YYYY-MM-DD HH:MM:SS` as wall-clock time at `zone`, or else RFC 3339 (ISO 8601
/// with a zone, e.g. `2024-10-01T10:20:00Z`), returned in UTC.
pub fn parse_naive_or_rfc3339(text: &str, zone: UtcOffset) -> Option<OffsetDateTime> {
    parse_naive(text, zone).or_else(|| parse_rfc3339(text))
}

/// RFC 3339 in UTC with a `Z`, as the envelope carries it.
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    // Every time the envelope carries went through `in_utc` (or is the clock's), so
    // formatting cannot fail; the stand-in is never reached.
    in_utc(t)
        .and_then(|utc| utc.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ist_is_converted_to_utc() {
        assert_eq!(
            parse_naive("2022-03-03 09:24:25", IST),
            Some(datetime!(2022-03-03 03:54:25 UTC))
        );
        assert_eq!(parse_naive("2022-03-03T09:24:25", IST), None);
        assert_eq!(parse_naive("2022-13-03 09:24:25", IST), None);
    }

    #[test]
    fn either_format_is_read() {
        let at = datetime!(2024-10-01 10:20:00 UTC);
        assert_eq!(
            parse_naive_or_rfc3339("2024-10-01 10:20:00", UtcOffset::UTC),
            Some(at)
        );
        assert_eq!(
            parse_naive_or_rfc3339("2024-10-01T10:20:00Z", UtcOffset::UTC),
            Some(at)
        );
        assert_eq!(
            parse_naive_or_rfc3339("2024-10-01T15:50:00+05:30", UtcOffset::UTC),
            Some(at)
        );
        assert_eq!(parse_naive_or_rfc3339("2024-10-01", UtcOffset::UTC), None);
        assert_eq!(
            parse_naive_or_rfc3339("2024-10-01T10:20:00", UtcOffset::UTC),
            None
        );
    }

    #[test]
    fn rfc3339_round_trip() {
        let t = parse_rfc3339("2022-05-31T11:16:54.658533+00:00").unwrap();
        assert_eq!(format_rfc3339(t), "2022-05-31T11:16:54.658533Z");
        let t = parse_rfc3339("2022-12-31T05:38:37.595Z").unwrap();
        assert_eq!(format_rfc3339(t), "2022-12-31T05:38:37.595Z");
        assert_eq!(
            format_rfc3339(parse_rfc3339("2026-01-01T05:30:00+05:30").unwrap()),
            "2026-01-01T00:00:00Z"
        );
    }

    /// The values that panicked `to_offset` (README: no input panics the function).
    #[test]
    fn times_the_envelope_cannot_carry_do_not_read() {
        assert_eq!(parse_naive("-9999-01-01 00:00:00", IST), None);
        assert_eq!(parse_naive("9999-12-31 23:59:59", offset!(-1:00)), None);
        assert_eq!(parse_rfc3339("9999-12-31T23:59:59-01:00"), None);
        assert_eq!(parse_naive_or_rfc3339("-9999-01-01 00:00:00", IST), None);
        // Years before 0000 in UTC cannot be written as RFC 3339 either.
        assert_eq!(parse_naive("0000-01-01 03:00:00", IST), None);
        assert_eq!(
            parse_naive("0000-01-01 05:30:00", IST),
            Some(datetime!(0000-01-01 00:00:00 UTC))
        );
        assert_eq!(
            parse_rfc3339("9999-12-31T23:59:59+01:00"),
            Some(datetime!(9999-12-31 22:59:59 UTC))
        );
        assert_eq!(
            format_rfc3339(datetime!(9999-12-31 23:59:59 UTC)),
            "9999-12-31T23:59:59Z"
        );
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        /// Timestamp-shaped text with extreme years, either sign, any offset sign and size,
        /// optional fractions, and either separator.
        fn timestamp_like() -> impl Strategy<Value = String> {
            (
                prop_oneof![Just(""), Just("-"), Just("+")],
                prop_oneof![0u32..=10, 9990u32..=9999, 0u32..=99_999],
                1u8..=12,
                1u8..=31,
                prop_oneof![Just(' '), Just('T'), Just('t')],
                0u8..=23,
                0u8..=59,
                0u8..=60,
                prop_oneof![Just(String::new()), "\\.[0-9]{1,9}"],
                prop_oneof![
                    Just(String::new()),
                    Just("Z".to_owned()),
                    (prop_oneof![Just('+'), Just('-')], 0u8..=25, 0u8..=59)
                        .prop_map(|(sign, h, m)| format!("{sign}{h:02}:{m:02}")),
                ],
            )
                .prop_map(|(sign, year, month, day, sep, h, m, s, fraction, zone)| {
                    format!("{sign}{year:04}-{month:02}-{day:02}{sep}{h:02}:{m:02}:{s:02}{fraction}{zone}")
                })
        }

        fn zone() -> impl Strategy<Value = UtcOffset> {
            (-25i8..=25, -59i8..=59, -59i8..=59).prop_map(|(h, m, s)| {
                let (m, s) = if h < 0 {
                    (-m.abs(), -s.abs())
                } else {
                    (m.abs(), s.abs())
                };
                UtcOffset::from_hms(h, m, s).unwrap_or(IST)
            })
        }

        /// What a reader gave is in UTC and formats as the envelope's RFC 3339.
        fn writable(read: Option<OffsetDateTime>) -> Result<(), TestCaseError> {
            if let Some(t) = read {
                prop_assert_eq!(t.offset(), UtcOffset::UTC);
                let text = format_rfc3339(t);
                prop_assert_eq!(parse_rfc3339(&text), Some(t));
            }
            Ok(())
        }

        proptest! {
            #[test]
            fn every_reader_takes_any_text_without_panicking(
                text in prop_oneof![timestamp_like(), any::<String>()],
                zone in zone(),
            ) {
                writable(parse_naive(&text, zone))?;
                writable(parse_naive(&text, IST))?;
                writable(parse_rfc3339(&text))?;
                writable(parse_naive_or_rfc3339(&text, zone))?;
                writable(parse_naive_or_rfc3339(&text, UtcOffset::UTC))?;
            }
        }
    }
}
