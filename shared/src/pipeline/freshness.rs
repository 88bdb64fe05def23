use std::time::Duration;

use time::OffsetDateTime;

use crate::pipeline::error::WebhookError;

/// How far a signed timestamp may lie in the future (clock skew).
pub const MAX_FUTURE_SKEW: Duration = Duration::from_secs(5 * 60);

/// The contract's freshness rule for timestamps covered by a signature or checksum.
///
/// A replayed delivery older than `max_age` is refused, and `max_age` never exceeds the
/// dedupe TTL, so any replay is either a duplicate or refused — never a new event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshnessPolicy {
    /// `None` turns the age check off (local replays only).
    pub max_age: Option<Duration>,
    pub max_future: Duration,
}

impl FreshnessPolicy {
    pub fn new(max_age: Option<Duration>) -> Self {
        FreshnessPolicy {
            max_age,
            max_future: MAX_FUTURE_SKEW,
        }
    }

    /// Accepts `signed_at` if it is neither too old nor too far ahead of `now`.
    pub fn check(
        &self,
        signed_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), WebhookError> {
        if signed_at - now > self.max_future {
            return Err(WebhookError::Unauthorized(
                "signed timestamp is in the future",
            ));
        }
        if let Some(max_age) = self.max_age
            && now - signed_at > max_age
        {
            return Err(WebhookError::Unauthorized("signed timestamp is too old"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn window_edges() {
        let now = datetime!(2026-11-22 12:00:00 UTC);
        let policy = FreshnessPolicy::new(Some(Duration::from_secs(3600)));
        let s = |secs: i64| now + time::Duration::seconds(secs);
        assert_eq!(policy.check(s(-3600), now), Ok(()));
        assert_eq!(
            policy.check(s(-3601), now),
            Err(WebhookError::Unauthorized("signed timestamp is too old"))
        );
        assert_eq!(policy.check(s(300), now), Ok(()));
        assert_eq!(
            policy.check(s(301), now),
            Err(WebhookError::Unauthorized(
                "signed timestamp is in the future"
            ))
        );
        let off = FreshnessPolicy::new(None);
        assert_eq!(off.check(s(-100_000_000), now), Ok(()));
        assert!(off.check(s(301), now).is_err());
    }
}
