use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use brokerhooks_claims::MemoryClaims;

use super::store::{
    Binding, BindingOutcome, IdempotencyStore, STATUS_ENQUEUED, StoreError, StoredClaim,
};

/// One signature binding as the DynamoDB adapter would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBinding {
    pub kind: String,
    pub expires_at: i64,
}

/// In-memory store with DynamoDB's semantics, for tests and benchmarks.
/// Counts its calls (claims and bindings) so tests can assert how many AWS calls an event
/// costs.
#[derive(Debug)]
pub struct MemoryStore {
    claims: MemoryClaims,
    bindings: Mutex<HashMap<String, StoredBinding>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore {
            claims: MemoryClaims::new().completed_status(STATUS_ENQUEUED),
            bindings: Mutex::default(),
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// Number of store calls so far (each is one DynamoDB request in the real adapter).
    pub fn calls(&self) -> usize {
        self.claims.calls()
    }

    /// Makes every later call fail as if DynamoDB were unreachable.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.claims.set_unavailable(unavailable);
    }

    /// Makes the next `count` completion writes (mark enqueued) fail as if DynamoDB were
    /// unreachable; claims and releases are unaffected.
    pub fn fail_next_completions(&self, count: usize) {
        self.claims.fail_next_completions(count);
    }

    pub fn item(&self, key: &str) -> Option<StoredClaim> {
        self.claims.item(key)
    }

    pub fn binding(&self, key: &str) -> Option<StoredBinding> {
        self.lock_bindings().get(key).cloned()
    }

    /// Items in the table: claims and bindings.
    pub fn len(&self) -> usize {
        self.claims.len() + self.lock_bindings().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock_bindings(&self) -> MutexGuard<'_, HashMap<String, StoredBinding>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.bindings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl IdempotencyStore for MemoryStore {
    type Claims = MemoryClaims;

    fn claims(&self) -> &MemoryClaims {
        &self.claims
    }

    async fn bind(&self, binding: &Binding) -> Result<BindingOutcome, StoreError> {
        self.claims.count_call()?;
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
}
