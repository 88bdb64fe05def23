use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::decision::{Existing, may_overwrite, outcome_of_existing};
use super::{Claim, ClaimOutcome, ClaimStore, STATUS_COMPLETED, STATUS_IN_PROGRESS, StoreError};

/// One item as [`DynamoDbClaims`](crate::DynamoDbClaims) would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClaim {
    pub status: &'static str,
    pub token: String,
    pub lease_expires_at: i64,
    pub expires_at: i64,
}

/// Claims in memory with DynamoDB's semantics, for tests and benchmarks. Counts its calls
/// (each is one DynamoDB request in the real store) and can be made to fail.
#[derive(Debug)]
pub struct MemoryClaims {
    items: Mutex<HashMap<String, StoredClaim>>,
    completed: &'static str,
    calls: AtomicUsize,
    unavailable: AtomicBool,
    failing_completions: AtomicUsize,
}

impl Default for MemoryClaims {
    fn default() -> Self {
        MemoryClaims {
            items: Mutex::default(),
            completed: STATUS_COMPLETED,
            calls: AtomicUsize::new(0),
            unavailable: AtomicBool::new(false),
            failing_completions: AtomicUsize::new(0),
        }
    }
}

impl MemoryClaims {
    /// Completed items say [`STATUS_COMPLETED`].
    pub fn new() -> Self {
        MemoryClaims::default()
    }

    /// The `status` a completed claim's item carries instead of [`STATUS_COMPLETED`].
    pub fn completed_status(mut self, status: &'static str) -> Self {
        self.completed = status;
        self
    }

    /// Store calls so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Makes every later call fail as if DynamoDB were unreachable.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// Makes the next `count` completion writes fail as if DynamoDB were unreachable;
    /// claims and releases are unaffected.
    pub fn fail_next_completions(&self, count: usize) {
        self.failing_completions.store(count, Ordering::SeqCst);
    }

    pub fn item(&self, key: &str) -> Option<StoredClaim> {
        self.lock().get(key).cloned()
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().keys().cloned().collect();
        keys.sort();
        keys
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Counts one call and fails it if the store is set unavailable. Stores built on this
    /// one (the receiver's signature bindings) call it too, so [`calls`](Self::calls) and
    /// [`set_unavailable`](Self::set_unavailable) cover the whole table.
    pub fn count_call(&self) -> Result<(), StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "memory store set unavailable".to_owned(),
            ));
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, StoredClaim>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ClaimStore for MemoryClaims {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        self.count_call()?;
        let mut items = self.lock();
        if let Some(stored) = items.get(&claim.key) {
            let existing = Existing {
                status: Some(stored.status),
                token: Some(&stored.token),
                // A completed item keeps no lease (DynamoDB's completion removes it).
                lease_expires_at: (stored.status == STATUS_IN_PROGRESS)
                    .then_some(stored.lease_expires_at),
                expires_at: Some(stored.expires_at),
            };
            if !may_overwrite(&existing, claim) {
                return Ok(outcome_of_existing(&existing, claim, self.completed));
            }
        }
        items.insert(
            claim.key.clone(),
            StoredClaim {
                status: STATUS_IN_PROGRESS,
                token: claim.token.clone(),
                lease_expires_at: claim.lease_expires_at,
                expires_at: claim.expires_at,
            },
        );
        Ok(ClaimOutcome::Claimed)
    }

    async fn complete(&self, claim: &Claim) -> Result<(), StoreError> {
        self.count_call()?;
        let failing =
            self.failing_completions
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                });
        if failing.is_ok() {
            return Err(StoreError::Unavailable(
                "memory store failed this completion".to_owned(),
            ));
        }
        match self.lock().get_mut(&claim.key) {
            Some(item) if item.token == claim.token => {
                item.status = self.completed;
                Ok(())
            }
            _ => Err(StoreError::ClaimLost),
        }
    }

    async fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        self.count_call()?;
        let mut items = self.lock();
        if items
            .get(&claim.key)
            .is_some_and(|item| item.token == claim.token && item.status == STATUS_IN_PROGRESS)
        {
            items.remove(&claim.key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(token: &str, now: i64) -> Claim {
        Claim {
            key: "p#e1".to_owned(),
            token: token.to_owned(),
            now,
            lease_expires_at: now + 30,
            expires_at: now + 3600,
        }
    }

    #[tokio::test]
    async fn a_completed_claim_is_a_duplicate_until_it_expires() {
        let store = MemoryClaims::new().completed_status("ENQUEUED");
        let ours = claim("a", 1_000);
        assert_eq!(store.claim(&ours).await, Ok(ClaimOutcome::Claimed));
        assert_eq!(store.complete(&ours).await, Ok(()));
        assert_eq!(store.item("p#e1").unwrap().status, "ENQUEUED");
        assert_eq!(
            store.claim(&claim("b", 4_599)).await,
            Ok(ClaimOutcome::AlreadyCompleted)
        );
        assert_eq!(
            store.claim(&claim("c", 4_600)).await,
            Ok(ClaimOutcome::Claimed)
        );
        assert_eq!(store.item("p#e1").unwrap().token, "c");
        assert_eq!(store.calls(), 4);
    }

    #[tokio::test]
    async fn an_in_progress_claim_blocks_until_its_lease_ends_and_only_its_holder_releases_it() {
        let store = MemoryClaims::new();
        assert_eq!(
            store.claim(&claim("a", 1_000)).await,
            Ok(ClaimOutcome::Claimed)
        );
        assert_eq!(
            store.claim(&claim("b", 1_029)).await,
            Ok(ClaimOutcome::InProgress)
        );
        assert_eq!(store.release(&claim("b", 1_029)).await, Ok(()));
        assert_eq!(store.item("p#e1").unwrap().token, "a");
        assert_eq!(
            store.claim(&claim("b", 1_030)).await,
            Ok(ClaimOutcome::Claimed)
        );
        assert_eq!(
            store.complete(&claim("a", 1_031)).await,
            Err(StoreError::ClaimLost)
        );
        assert_eq!(store.release(&claim("b", 1_031)).await, Ok(()));
        assert!(store.is_empty());
    }
}
