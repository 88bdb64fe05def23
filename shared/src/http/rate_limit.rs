//! Staying under a provider's rate limit: at most `per_second` requests a second per key
//! (Kite counts per API key), spaced evenly.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimit {
    interval: Duration,
    next: Mutex<HashMap<String, Instant>>,
}

impl RateLimit {
    pub fn per_second(per_second: u32) -> Self {
        RateLimit {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::default(),
        }
    }

    /// Waits until a request for `key` may go out.
    pub async fn acquire(&self, key: &str) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = next.entry(key.to_owned()).or_insert(now);
            let at = (*slot).max(now);
            *slot = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_of_one_key_are_spaced_and_other_keys_are_not_held_back() {
        let limit = RateLimit::per_second(10);
        let start = Instant::now();
        for _ in 0..5 {
            limit.acquire("key-a").await;
        }
        assert_eq!(Instant::now() - start, Duration::from_millis(400));
        let other = Instant::now();
        limit.acquire("key-b").await;
        assert_eq!(Instant::now(), other);
    }
}
