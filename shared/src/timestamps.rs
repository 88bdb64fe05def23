//! Timestamp formats the providers use, all turned into UTC.

use time::format_description::well_known::Rfc3339;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// India Standard Time, which Kite's zone-less timestamps are in.
pub const IST: UtcOffset = offset!(+5:30);

/// Parses `YYYY-MM-DD HH:MM:SS` (no zone) as wall-clock time at `zone`, returned in UTC.
pub fn parse_naive(text: &str, zone: UtcOffset) -> Option<OffsetDateTime> {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, format)
        .ok()
        .map(|naive| naive.assume_offset(zone).to_offset(UtcOffset::UTC))
}

/// Parses an RFC 3339 timestamp (any offset), returned in UTC.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(UtcOffset::UTC))
}

/// Parses `YYYY-MM-DD HH:MM:SS` as wall-clock time at `zone`, or else RFC 3339 (ISO 8601
/// with a zone, e.g. `2024-10-01T10:20:00Z`), returned in UTC.
pub fn parse_naive_or_rfc3339(text: &str, zone: UtcOffset) -> Option<OffsetDateTime> {
    parse_naive(text, zone).or_else(|| parse_rfc3339(text))
}

/// RFC 3339 in UTC with a `Z`, as the envelope carries it.
pub fn format_rfc3339(t: OffsetDateTime) -> String {
    // Formatting a UTC time with a four-digit year cannot fail; years outside that are
    // rejected by the parsers above, so the fallback is never reached in practice.
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
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
}
