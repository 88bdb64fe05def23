use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use brokerhooks_claims::MemoryClaims;

use super::store::{
    Binding, BindingOutcome, IdempotencyStore, MARKED_BY_DELIVERY, MARKED_BY_RECONCILIATION,
    STATUS_ENQUEUED, StateMark, StateMarkOutcome, StoreError, StoredClaim,
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
/// A state mark as DynamoDB would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMark {
    pub marked_by: &'static str,
    /// A delivery's: its event's claim.
    pub content_key: Option<String>,
    /// A reconciler's claim on the state.
    pub status: Option<&'static str>,
    pub token: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub expires_at: i64,
}

#[derive(Debug)]
pub struct MemoryStore {
    claims: MemoryClaims,
    bindings: Mutex<HashMap<String, StoredBinding>>,
    marks: Mutex<HashMap<String, StoredMark>>,
    checkpoints: Mutex<HashMap<String, String>>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore {
            claims: MemoryClaims::new().completed_status(STATUS_ENQUEUED),
            bindings: Mutex::default(),
            marks: Mutex::default(),
            checkpoints: Mutex::default(),
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

    /// Counts one store call (failing it when the store is set unavailable): the
    /// reconciler's in-memory store on this table counts its calls here too.
    pub(crate) fn count_call(&self) -> Result<(), StoreError> {
        self.claims.count_call()
    }

    pub fn mark(&self, key: &str) -> Option<StoredMark> {
        lock(&self.marks).get(key).cloned()
    }

    /// Every state mark's key, sorted.
    pub fn mark_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = lock(&self.marks).keys().cloned().collect();
        keys.sort();
        keys
    }

    /// The state marks, for the reconciler's in-memory store on the same table.
    pub(crate) fn marks(&self) -> MutexGuard<'_, HashMap<String, StoredMark>> {
        lock(&self.marks)
    }

    /// The reconciler's order checkpoints (key → the state it reconciled through).
    pub(crate) fn checkpoints(&self) -> MutexGuard<'_, HashMap<String, String>> {
        lock(&self.checkpoints)
    }

    /// Items in the table: claims, bindings, state marks and checkpoints.
    pub fn len(&self) -> usize {
        self.claims.len()
            + self.lock_bindings().len()
            + lock(&self.marks).len()
            + lock(&self.checkpoints).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock_bindings(&self) -> MutexGuard<'_, HashMap<String, StoredBinding>> {
        lock(&self.bindings)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another test thread panicked; the map is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    async fn mark_state(&self, mark: &StateMark) -> Result<StateMarkOutcome, StoreError> {
        self.claims.count_call()?;
        let mut marks = lock(&self.marks);
        if let Some(existing) = marks.get(&mark.key)
            && existing.expires_at > mark.now
        {
            return Ok(if existing.marked_by == MARKED_BY_RECONCILIATION {
                StateMarkOutcome::Reconciled
            } else {
                StateMarkOutcome::MarkedByAnotherDelivery
            });
        }
        marks.insert(
            mark.key.clone(),
            StoredMark {
                marked_by: MARKED_BY_DELIVERY,
                content_key: Some(mark.content_key.clone()),
                status: None,
                token: None,
                lease_expires_at: None,
                expires_at: mark.expires_at,
            },
        );
        Ok(StateMarkOutcome::Marked)
    }
}
