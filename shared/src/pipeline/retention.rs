//! How long a claim (or a signature binding) is kept: its `expires_at`.
//!
//! The freshness rule accepts a signed time `s` at a receipt time `t` while
//! `s - 5 min <= t <= s + MAX_EVENT_AGE_SECONDS`. A replay the rule still accepts must
//! find the claim, or it would be enqueued again as a new event. So an item is kept
//! until the later of its receipt and its signed time, plus `DEDUPE_TTL_SECONDS` (which
//! configuration keeps at least `MAX_EVENT_AGE_SECONDS`), plus the 5-minute future
//! tolerance, rounded up to whole seconds: strictly after the last instant the rule can
//! accept. Without a readable signed time, the receipt time alone counts.

use std::time::Duration;

use time::OffsetDateTime;

use crate::pipeline::MAX_FUTURE_SKEW;

/// Epoch seconds at which an item first seen at `received_at`, signed at `signed_at`,
/// may be forgotten (the table's TTL attribute `expires_at`).
pub fn kept_until(
    received_at: OffsetDateTime,
    signed_at: Option<OffsetDateTime>,
    dedupe_ttl: Duration,
) -> i64 {
    let from = signed_at.map_or(received_at, |signed| signed.max(received_at));
    let whole_seconds =
        from.unix_timestamp() + i64::from(from.unix_timestamp_nanos() % 1_000_000_000 > 0);
    let keep = dedupe_ttl + MAX_FUTURE_SKEW;
    whole_seconds.saturating_add(i64::try_from(keep.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::FreshnessPolicy;
    use time::macros::datetime;

    const TTL: Duration = Duration::from_secs(3600);

    #[test]
    fn kept_from_the_later_of_receipt_and_signed_time() {
        let received = datetime!(2026-11-22 12:00:00 UTC);
        let base = received.unix_timestamp();
        assert_eq!(kept_until(received, None, TTL), base + 3600 + 300);
        let earlier = received - time::Duration::hours(2);
        assert_eq!(kept_until(received, Some(earlier), TTL), base + 3600 + 300);
        let ahead = received + time::Duration::seconds(299);
        assert_eq!(
            kept_until(received, Some(ahead), TTL),
            base + 299 + 3600 + 300
        );
        let fraction = received + time::Duration::milliseconds(1);
        assert_eq!(kept_until(fraction, None, TTL), base + 1 + 3600 + 300);
    }

    /// Every instant at which the freshness rule accepts a signed time finds the item:
    /// the store forgets an item once `expires_at <= now` (epoch seconds, rounded down).
    #[test]
    fn the_item_outlives_every_instant_the_freshness_rule_accepts() {
        let policy = FreshnessPolicy::new(Some(TTL));
        let signed = datetime!(2026-11-22 12:00:00.750 UTC);
        let max_future = time::Duration::try_from(policy.max_future).unwrap();
        let max_age = time::Duration::try_from(TTL).unwrap();
        // First seen as early as the rule allows (signed time 5 minutes ahead), or at once.
        for first_seen in [
            signed - max_future,
            signed,
            signed + time::Duration::seconds(10),
        ] {
            assert_eq!(policy.check(signed, first_seen), Ok(()));
            let expires_at = kept_until(first_seen, Some(signed), TTL);
            // The last accepted instant, to the nanosecond, is before expiry.
            let last = signed + max_age;
            assert_eq!(policy.check(signed, last), Ok(()));
            assert!(expires_at > last.unix_timestamp(), "{first_seen}");
            let just_after = last + time::Duration::nanoseconds(1);
            assert!(policy.check(signed, just_after).is_err());
        }
    }
}
