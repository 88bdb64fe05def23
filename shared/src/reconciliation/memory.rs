//! The reconciler's stores in memory, with DynamoDB's semantics: its items live in the
//! same in-memory table as the deliveries' ([`MemoryStore`]), and sessions in a list.

use std::collections::HashMap;
use std::sync::Mutex;

use super::record::Session;
use super::store::{
    ExistingMark, MarkDecision, ReconcileStore, SessionStore, StateClaim, StateClaimOutcome,
    delivery_decision, mark_decision,
};
use crate::pipeline::ports::memory_store::{MemoryStore, StoredMark};
use crate::pipeline::ports::store::{
    MARKED_BY_RECONCILIATION, STATUS_ENQUEUED, STATUS_IN_PROGRESS, StoreError,
};

impl ReconcileStore for MemoryStore {
    async fn checkpoints(
        &self,
        keys: &[String],
        _now: i64,
    ) -> Result<HashMap<String, String>, StoreError> {
        self.count_call()?;
        let checkpoints = self.checkpoints();
        Ok(keys
            .iter()
            .filter_map(|key| Some((key.clone(), checkpoints.get(key)?.clone())))
            .collect())
    }

    async fn set_checkpoint(
        &self,
        key: &str,
        through: &str,
        _expires_at: i64,
    ) -> Result<(), StoreError> {
        self.count_call()?;
        self.checkpoints()
            .insert(key.to_owned(), through.to_owned());
        Ok(())
    }

    async fn claim_state(&self, claim: &StateClaim) -> Result<StateClaimOutcome, StoreError> {
        self.count_call()?;
        let existing = self.marks().get(&claim.key).cloned();
        let decision = match &existing {
            None => MarkDecision::Overwrite,
            Some(mark) => mark_decision(&existing_mark(mark), claim),
        };
        let overwrite = match decision {
            MarkDecision::Overwrite => true,
            MarkDecision::Settled(outcome) => return Ok(outcome),
            MarkDecision::AskDelivery(content_key) => {
                self.count_call()?;
                let content = self
                    .item(&content_key)
                    .filter(|item| item.expires_at > claim.now)
                    .map(|item| {
                        let lease =
                            (item.status == STATUS_IN_PROGRESS).then_some(item.lease_expires_at);
                        (Some(item.status), lease)
                    });
                let content = content.as_ref().map(|(status, lease)| (*status, *lease));
                match delivery_decision(content, claim.now) {
                    Some(outcome) => return Ok(outcome),
                    None => {
                        self.count_call()?;
                        true
                    }
                }
            }
        };
        if overwrite {
            self.marks().insert(
                claim.key.clone(),
                StoredMark {
                    marked_by: MARKED_BY_RECONCILIATION,
                    content_key: None,
                    status: Some(STATUS_IN_PROGRESS),
                    token: Some(claim.token.clone()),
                    lease_expires_at: Some(claim.lease_expires_at),
                    expires_at: claim.expires_at,
                },
            );
        }
        Ok(StateClaimOutcome::Claimed)
    }

    async fn complete_state(&self, claim: &StateClaim) -> Result<(), StoreError> {
        self.count_call()?;
        match self.marks().get_mut(&claim.key) {
            Some(mark) if mark.token.as_deref() == Some(claim.token.as_str()) => {
                mark.status = Some(STATUS_ENQUEUED);
                mark.lease_expires_at = None;
                Ok(())
            }
            _ => Err(StoreError::ClaimLost),
        }
    }

    async fn release_state(&self, claim: &StateClaim) -> Result<(), StoreError> {
        self.count_call()?;
        let mut marks = self.marks();
        if marks.get(&claim.key).is_some_and(|mark| {
            mark.token.as_deref() == Some(claim.token.as_str())
                && mark.status == Some(STATUS_IN_PROGRESS)
        }) {
            marks.remove(&claim.key);
        }
        Ok(())
    }
}

fn existing_mark(mark: &StoredMark) -> ExistingMark<'_> {
    match &mark.content_key {
        Some(content_key) if mark.marked_by != MARKED_BY_RECONCILIATION => ExistingMark::Delivery {
            content_key,
            expires_at: mark.expires_at,
        },
        _ => ExistingMark::Reconciliation {
            status: mark.status,
            token: mark.token.as_deref(),
            lease_expires_at: mark.lease_expires_at,
            expires_at: mark.expires_at,
        },
    }
}

/// Sessions in memory (tests, the local stack's fake).
#[derive(Debug, Default)]
pub struct MemorySessions {
    sessions: Mutex<Vec<Session>>,
}

impl MemorySessions {
    pub fn new(sessions: Vec<Session>) -> Self {
        MemorySessions {
            sessions: Mutex::new(sessions),
        }
    }
}

impl SessionStore for MemorySessions {
    async fn sessions(&self, now: i64) -> Result<Vec<Session>, StoreError> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        Ok(sessions
            .iter()
            .filter(|session| session.expires_at > now)
            .cloned()
            .collect())
    }
}
