use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{
    Binding, BindingOutcome, Claim, ClaimOutcome, IdempotencyStore, STATUS_ENQUEUED,
    STATUS_IN_PROGRESS, StoreError,
};

/// One item as the DynamoDB adapter would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClaim {
    pub status: &'static str,
    pub token: String,
    pub lease_expires_at: i64,
    pub expires_at: i64,
}

/// One signature binding as the DynamoDB adapter would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBinding {
    pub kind: String,
    pub expires_at: i64,
}

/// In-memory store with DynamoDB's semantics, for tests and benchmarks.
/// Counts its calls so tests can assert how many AWS calls an event costs.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<HashMap<String, StoredClaim>>,
    bindings: Mutex<HashMap<String, StoredBinding>>,
    calls: AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
    failing_completions: AtomicUsize,
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Number of store calls so far (each is one DynamoDB request in the real adapter).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Makes every later call fail as if DynamoDB were unreachable.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.fail.store(unavailable, Ordering::SeqCst);
    }

    /// Makes the next `count` completion writes (`mark_enqueued`) fail as if DynamoDB were
    /// unreachable; claims and releases are unaffected.
    pub fn fail_next_completions(&self, count: usize) {
        self.failing_completions.store(count, Ordering::SeqCst);
    }

    pub fn item(&self, key: &str) -> Option<StoredClaim> {
        self.lock().get(key).cloned()
    }

    pub fn binding(&self, key: &str) -> Option<StoredBinding> {
        self.lock_bindings().get(key).cloned()
    }

    /// Items in the table: claims and bindings.
    pub fn len(&self) -> usize {
        self.lock().len() + self.lock_bindings().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock_bindings(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredBinding>> {
        self.bindings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredClaim>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn enter(&self) -> Result<(), StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(
                "memory store set unavailable".to_owned(),
            ));
        }
        Ok(())
    }
}

impl IdempotencyStore for MemoryStore {
    async fn bind(&self, binding: &Binding) -> Result<BindingOutcome, StoreError> {
        self.enter()?;
        let mut bindings = self.lock_bindings();
        if let Some(existing) = bindings.get(&binding.key)
            && existing.kind != binding.kind
            && existing.expires_at > binding.now
        {
            return Ok(BindingOutcome::BoundToOtherKind {
                until: Some(existing.expires_at),
            });
        }
        bindings.insert(
            binding.key.clone(),
            StoredBinding {
                kind: binding.kind.clone(),
                expires_at: binding.expires_at,
            },
        );
        Ok(BindingOutcome::Bound)
    }

    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        self.enter()?;
        let mut items = self.lock();
        if let Some(existing) = items.get(&claim.key) {
            let expired = existing.expires_at <= claim.now;
            let lease_over =
                existing.status == STATUS_IN_PROGRESS && existing.lease_expires_at <= claim.now;
            if !expired && !lease_over {
                return Ok(if existing.status == STATUS_ENQUEUED {
                    ClaimOutcome::AlreadyEnqueued
                } else if existing.token == claim.token {
                    ClaimOutcome::Claimed
                } else {
                    ClaimOutcome::InProgress
                });
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

    async fn mark_enqueued(&self, claim: &Claim) -> Result<(), StoreError> {
        self.enter()?;
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
                item.status = STATUS_ENQUEUED;
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
