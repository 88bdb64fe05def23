//! Reading the signed time out of a signed string that joins fields without a separator.
//!
//! Kite signs `order_id + order_timestamp` and smallcase `timestamp + id`, plain
//! concatenations. The same signed string therefore authenticates every other split of
//! it: move the boundary by one character and the timestamp field no longer reads, so
//! the freshness rule (which bounds replays) would be skipped and a captured checksum
//! would stay usable forever. When the field itself cannot be read, these functions read
//! the time from where the signed string puts it, so a re-split body is held to the
//! same window as the genuine one.

use time::OffsetDateTime;

/// No timestamp format the providers use is longer (RFC 3339 with nanoseconds and an
/// offset is 35 bytes).
pub const MAX_TIMESTAMP_BYTES: usize = 64;

/// The time in the shortest prefix of `signed` that `parse` reads (at most
/// [`MAX_TIMESTAMP_BYTES`]).
pub fn time_at_start(
    signed: &str,
    parse: impl Fn(&str) -> Option<OffsetDateTime>,
) -> Option<OffsetDateTime> {
    (1..=signed.len().min(MAX_TIMESTAMP_BYTES))
        .filter(|&end| signed.is_char_boundary(end))
        .find_map(|end| parse(&signed[..end]))
}

/// The time in the shortest suffix of `signed` that `parse` reads (at most
/// [`MAX_TIMESTAMP_BYTES`]).
pub fn time_at_end(
    signed: &str,
    parse: impl Fn(&str) -> Option<OffsetDateTime>,
) -> Option<OffsetDateTime> {
    (1..=signed.len().min(MAX_TIMESTAMP_BYTES))
        .map(|length| signed.len() - length)
        .filter(|&start| signed.is_char_boundary(start))
        .find_map(|start| parse(&signed[start..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::timestamps::{IST, parse_naive_or_rfc3339, parse_rfc3339};
    use time::macros::datetime;

    #[test]
    fn a_moved_boundary_does_not_hide_the_signed_time() {
        // smallcase: timestamp + id; every split of the signed string finds the same time.
        let signed = "2022-12-31T05:38:37.595Z5ef33705f610f80b5453b319";
        let at = Some(datetime!(2022-12-31 05:38:37.595 UTC));
        assert_eq!(time_at_start(signed, parse_rfc3339), at);
        assert_eq!(parse_rfc3339("2022-12-31T05:38:37.595Z5"), None);
        assert_eq!(parse_rfc3339("2022-12-31T05:38:37.59"), None);
        // Kite: order_id + order_timestamp.
        let kite = |text: &str| parse_naive_or_rfc3339(text, IST);
        let signed = "2203030003089322022-03-03 09:24:25";
        assert_eq!(
            time_at_end(signed, kite),
            Some(datetime!(2022-03-03 03:54:25 UTC))
        );
        assert_eq!(kite("22022-03-03 09:24:25"), None);
        assert_eq!(kite("022-03-03 09:24:25"), None);
    }

    #[test]
    fn nothing_readable_is_none_and_any_text_is_safe() {
        assert_eq!(time_at_start("yesterday5ef3", parse_rfc3339), None);
        assert_eq!(time_at_end("", parse_rfc3339), None);
        assert_eq!(time_at_start("", parse_rfc3339), None);
        // Multi-byte characters: only char boundaries are tried.
        let text = "é".repeat(40);
        assert_eq!(time_at_start(&text, parse_rfc3339), None);
        assert_eq!(time_at_end(&text, parse_rfc3339), None);
        let long = format!("{}2022-12-31T05:38:37Z", "x".repeat(100));
        assert_eq!(
            time_at_end(&long, parse_rfc3339),
            Some(datetime!(2022-12-31 05:38:37 UTC))
        );
    }
}
