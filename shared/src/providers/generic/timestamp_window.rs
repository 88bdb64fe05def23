//! The timestamp a scheme signs per send (`webhook-timestamp`, an `hmac` source's
//! timestamp header) and the window it must fall in.
//!
//! Such a timestamp is refreshed on every attempt, so a tight window (the scheme's
//! tolerance, 5 minutes by default) refuses replays without refusing retries. It still
//! lives within the contract's freshness rule: the window is never wider than
//! `MAX_EVENT_AGE_SECONDS` into the past or the contract's 5 minutes into the future, so
//! any replay stays either a duplicate or refused; and `MAX_EVENT_AGE_SECONDS=0` (local
//! replays only) turns the past side off here as for every provider.

use std::time::Duration;

use time::OffsetDateTime;

use crate::pipeline::FreshnessPolicy;
use crate::pipeline::error::WebhookError;
use crate::pipeline::ports::provider::VerifyContext;

/// Longest accepted timestamp text: ten digits reach the year 2286.
const MAX_DIGITS: usize = 12;

/// Reads a signed Unix time in whole seconds: ASCII digits only, as the Standard
/// Webhooks reference implementations send it. Anything else (a sign, a fraction,
/// spaces) is `None`: the text is part of what was signed, and a strict form keeps its
/// boundary with the neighbouring parts unambiguous.
pub fn parse_unix_seconds(text: &str) -> Option<OffsetDateTime> {
    if text.is_empty() || text.len() > MAX_DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = text.parse().ok()?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// Accepts `signed_at` when it lies within `tolerance` of now, both ways, and within
/// the contract's freshness rule (whichever is narrower on each side).
pub(crate) fn check_window(
    signed_at: OffsetDateTime,
    tolerance: Duration,
    context: &VerifyContext,
) -> Result<(), WebhookError> {
    let policy = FreshnessPolicy {
        max_age: context.freshness.max_age.map(|age| age.min(tolerance)),
        max_future: context.freshness.max_future.min(tolerance),
    };
    policy.check(signed_at, context.now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);

    fn context(max_age: Option<u64>) -> VerifyContext {
        VerifyContext {
            now: NOW,
            freshness: FreshnessPolicy::new(max_age.map(Duration::from_secs)),
        }
    }

    fn at(offset: i64) -> OffsetDateTime {
        NOW + time::Duration::seconds(offset)
    }

    const OLD: Result<(), WebhookError> =
        Err(WebhookError::Unauthorized("signed timestamp is too old"));
    const FUTURE: Result<(), WebhookError> = Err(WebhookError::Unauthorized(
        "signed timestamp is in the future",
    ));

    #[test]
    fn only_digits_are_a_unix_time() {
        assert_eq!(
            parse_unix_seconds("1674087231"),
            Some(datetime!(2023-01-19 00:13:51 UTC))
        );
        assert_eq!(
            parse_unix_seconds("0"),
            Some(datetime!(1970-01-01 0:00 UTC))
        );
        for bad in ["", "-1", "+1", "1.5", " 1", "1e9", "abc", "1234567890123"] {
            assert_eq!(parse_unix_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_tolerance_applies_both_ways() {
        let tolerance = Duration::from_secs(300);
        let wide = context(Some(30 * 86400));
        assert_eq!(check_window(at(-300), tolerance, &wide), Ok(()));
        assert_eq!(check_window(at(300), tolerance, &wide), Ok(()));
        assert_eq!(check_window(at(-301), tolerance, &wide), OLD);
        assert_eq!(check_window(at(301), tolerance, &wide), FUTURE);
    }

    #[test]
    fn the_contract_caps_the_tolerance() {
        let tolerance = Duration::from_secs(3600);
        // The past side: MAX_EVENT_AGE_SECONDS is narrower.
        assert_eq!(check_window(at(-61), tolerance, &context(Some(60))), OLD);
        assert_eq!(check_window(at(-60), tolerance, &context(Some(60))), Ok(()));
        // The future side: never more than the contract's 5 minutes.
        let wide = context(Some(30 * 86400));
        assert_eq!(check_window(at(301), tolerance, &wide), FUTURE);
        assert_eq!(check_window(at(-3600), tolerance, &wide), Ok(()));
        assert_eq!(check_window(at(-3601), tolerance, &wide), OLD);
    }

    #[test]
    fn an_age_check_turned_off_for_local_replays_is_off_here_too() {
        let tolerance = Duration::from_secs(300);
        assert_eq!(check_window(at(-86400), tolerance, &context(None)), Ok(()));
        assert_eq!(check_window(at(301), tolerance, &context(None)), FUTURE);
    }
}
