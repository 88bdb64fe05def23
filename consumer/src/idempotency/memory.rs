use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{
    Claim, ClaimOutcome, IdempotencyStore, STATUS_COMPLETED, STATUS_IN_PROGRESS, StoreError,
};

/// One item as the DynamoDB adapter would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMark {
    pub status: &'static str,
    pub token: String,
    pub lease_expires_at: i64,
    pub expires_at: i64,
}

/// In-memory store with DynamoDB's semantics, for tests. Counts its calls and can be made
/// unavailable.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<HashMap<String, StoredMark>>,
    calls: AtomicUsize,
    unavailable: AtomicBool,
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Store calls so far (each is one DynamoDB request in the real adapter).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Makes every later call fail as if DynamoDB were unreachable.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    pub fn item(&self, key: &str) -> Option<StoredMark> {
        self.lock().get(key).cloned()
    }

    /// Every key, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredMark>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn enter(&self) -> Result<(), StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "memory store set unavailable".to_owned(),
            ));
        }
        Ok(())
    }
}

impl IdempotencyStore for MemoryStore {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        self.enter()?;
        let mut items = self.lock();
        if let Some(existing) = items.get(&claim.key) {
            let expired = existing.expires_at <= claim.now;
            let lease_over =
                existing.status == STATUS_IN_PROGRESS && existing.lease_expires_at <= claim.now;
            if !expired && !lease_over {
                return Ok(if existing.status == STATUS_COMPLETED {
                    ClaimOutcome::AlreadyCompleted
                } else if existing.token == claim.token {
                    ClaimOutcome::Claimed
                } else {
                    ClaimOutcome::InProgress
                });
            }
        }
        items.insert(
            claim.key.clone(),
            StoredMark {
                status: STATUS_IN_PROGRESS,
                token: claim.token.clone(),
                lease_expires_at: claim.lease_expires_at,
                expires_at: claim.expires_at,
            },
        );
        Ok(ClaimOutcome::Claimed)
    }

    async fn complete(&self, claim: &Claim) -> Result<(), StoreError> {
        self.enter()?;
        match self.lock().get_mut(&claim.key) {
            Some(item) if item.token == claim.token => {
                item.status = STATUS_COMPLETED;
                Ok(())
            }
            _ => Err(StoreError::ClaimLost),
        }
    }

    async fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        self.enter()?;
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
