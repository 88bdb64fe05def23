//! Claim tokens: unique per claim attempt, so only the invocation that made a claim can
//! complete or release it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// 128 random bits drawn once per process, then a counter (one getrandom call per cold
/// start instead of one per claim). Falls back to the start time if the OS refuses
/// randomness, which keeps tokens unique per process.
pub fn new_claim_token() -> String {
    static PROCESS: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(|| {
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_nanos());
            bytes = nanos.to_le_bytes();
        }
        hex::encode(bytes)
    });
    format!("{process}{:016x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_share_the_process_part_and_never_repeat() {
        let first = new_claim_token();
        let second = new_claim_token();
        assert_eq!(first.len(), 48);
        assert_eq!(first[..32], second[..32]);
        assert_ne!(first, second);
    }
}
