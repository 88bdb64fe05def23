//! The reconciler's items in the events table on DynamoDB (the same table and key
//! prefix as the provider's deliveries), and the sessions table.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use brokerhooks_claims::{Item, put_if};

use super::dynamodb_store::DynamoDbStore;
use crate::pipeline::ports::store::{
    ClaimStore, IdempotencyStore, MARKED_BY_DELIVERY, MARKED_BY_RECONCILIATION, STATUS_IN_PROGRESS,
    StoreError,
};
use crate::reconciliation::record::Session;
use crate::reconciliation::store::{
    ExistingMark, MarkDecision, ReconcileStore, SessionStore, StateClaim, StateClaimOutcome,
    delivery_decision, mark_decision,
};

/// BatchGetItem reads at most 100 keys per request.
const BATCH_GET_KEYS: usize = 100;

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)?.as_s().ok().map(String::as_str)
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn existing_mark(item: &Item) -> Option<ExistingMark<'_>> {
    let expires_at = number(item, "expires_at")?;
    Some(match (text(item, "marked_by"), text(item, "content_key")) {
        (Some(MARKED_BY_DELIVERY), Some(content_key)) => ExistingMark::Delivery {
            content_key,
            expires_at,
        },
        _ => ExistingMark::Reconciliation {
            status: text(item, "status"),
            token: text(item, "claim_token"),
            lease_expires_at: number(item, "lease_expires_at"),
            expires_at,
        },
    })
}

impl DynamoDbStore {
    fn client(&self) -> &Client {
        IdempotencyStore::claims(self).client()
    }

    fn table(&self) -> &str {
        IdempotencyStore::claims(self).table()
    }

    /// Writes our claim on the state, on `condition` (with `:now` and more bound by
    /// `values`); `Err(Some(old))` when the condition failed, with the item found.
    async fn put_claim(
        &self,
        claim: &StateClaim,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<Result<(), Option<Item>>, StoreError> {
        let mut request = self
            .client()
            .put_item()
            .table_name(self.table())
            .item("pk", s(&claim.key))
            .item("marked_by", s(MARKED_BY_RECONCILIATION))
            .item("status", s(STATUS_IN_PROGRESS))
            .item("claim_token", s(&claim.token))
            .item("lease_expires_at", n(claim.lease_expires_at))
            .item("expires_at", n(claim.expires_at))
            .condition_expression(condition);
        for (name, value) in values {
            request = request.expression_attribute_values(*name, value.clone());
        }
        if condition.contains("#status") {
            request = request.expression_attribute_names("#status", "status");
        }
        Ok(match put_if(request).await? {
            None => Ok(()),
            Some(old) => Err(old),
        })
    }

    /// The event claim a delivery's mark names, read consistently.
    async fn content_claim(&self, key: &str) -> Result<Option<Item>, StoreError> {
        self.client()
            .get_item()
            .table_name(self.table())
            .key("pk", s(key))
            .consistent_read(true)
            .send()
            .await
            .map(|output| output.item)
            .map_err(StoreError::unavailable)
    }
}

impl ReconcileStore for DynamoDbStore {
    async fn checkpoints(
        &self,
        keys: &[String],
        now: i64,
    ) -> Result<HashMap<String, String>, StoreError> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(BATCH_GET_KEYS) {
            let mut pending: Vec<Item> = chunk
                .iter()
                .map(|key| HashMap::from([("pk".to_owned(), s(key))]))
                .collect();
            // DynamoDB may leave some keys unprocessed under load: ask again for those.
            for _ in 0..5 {
                if pending.is_empty() {
                    break;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                let output = self
                    .client()
                    .batch_get_item()
                    .request_items(self.table(), request)
                    .send()
                    .await
                    .map_err(StoreError::unavailable)?;
                for item in output
                    .responses()
                    .and_then(|r| r.get(self.table()))
                    .into_iter()
                    .flatten()
                {
                    if number(item, "expires_at").is_some_and(|at| at <= now) {
                        continue;
                    }
                    if let (Some(key), Some(through)) = (text(item, "pk"), text(item, "through")) {
                        found.insert(key.to_owned(), through.to_owned());
                    }
                }
                pending = output
                    .unprocessed_keys()
                    .and_then(|keys| keys.get(self.table()))
                    .map(|keys| keys.keys().to_vec())
                    .unwrap_or_default();
            }
        }
        Ok(found)
    }

    async fn set_checkpoint(
        &self,
        key: &str,
        through: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.client()
            .put_item()
            .table_name(self.table())
            .item("pk", s(key))
            .item("through", s(through))
            .item("expires_at", n(expires_at))
            .send()
            .await
            .map(|_| ())
            .map_err(StoreError::unavailable)
    }

    async fn claim_state(&self, claim: &StateClaim) -> Result<StateClaimOutcome, StoreError> {
        // The rule's "may overwrite" cases, as one condition (`mark_decision`).
        let first = self
            .put_claim(
                claim,
                "attribute_not_exists(pk) OR expires_at <= :now \
                 OR (marked_by = :reconciliation AND #status = :in_progress AND lease_expires_at <= :now)",
                &[
                    (":now", n(claim.now)),
                    (":reconciliation", s(MARKED_BY_RECONCILIATION)),
                    (":in_progress", s(STATUS_IN_PROGRESS)),
                ],
            )
            .await?;
        let old = match first {
            Ok(()) => return Ok(StateClaimOutcome::Claimed),
            Err(old) => old.unwrap_or_default(),
        };
        let Some(existing) = existing_mark(&old) else {
            return Ok(StateClaimOutcome::InFlight);
        };
        let content_key = match mark_decision(&existing, claim) {
            MarkDecision::Settled(outcome) => return Ok(outcome),
            // DynamoDB refused what the rule allows: another run wrote in between.
            MarkDecision::Overwrite => return Ok(StateClaimOutcome::InFlight),
            MarkDecision::AskDelivery(content_key) => content_key,
        };
        let content = self.content_claim(&content_key).await?;
        let content = content
            .as_ref()
            .filter(|item| number(item, "expires_at").is_none_or(|at| at > claim.now))
            .map(|item| (text(item, "status"), number(item, "lease_expires_at")));
        if let Some(outcome) = delivery_decision(content, claim.now) {
            return Ok(outcome);
        }
        // The delivery never reached the queue: take its mark over, if it is still its.
        let takeover = self
            .put_claim(
                claim,
                "marked_by = :delivery AND content_key = :content_key",
                &[
                    (":delivery", s(MARKED_BY_DELIVERY)),
                    (":content_key", s(&content_key)),
                ],
            )
            .await?;
        Ok(match takeover {
            Ok(()) => StateClaimOutcome::Claimed,
            Err(_) => StateClaimOutcome::InFlight,
        })
    }

    // A run's claim on a state is a claim record on the mark's key: the claims crate
    // completes and releases it as any other.
    async fn complete_state(&self, claim: &StateClaim) -> Result<(), StoreError> {
        self.claims().complete(claim).await
    }

    async fn release_state(&self, claim: &StateClaim) -> Result<(), StoreError> {
        self.claims().release(claim).await
    }
}

/// The sessions a reconciler may use, in their own table: partition key `user_id` (S),
/// with `api_key`, `access_token` and `expires_at` (epoch seconds, also its TTL). The
/// app's login flow writes one per user; the reconciler only reads.
#[derive(Debug, Clone)]
pub struct DynamoDbSessions {
    client: Client,
    table: String,
}

impl DynamoDbSessions {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbSessions {
            client,
            table: table.into(),
        }
    }
}

impl SessionStore for DynamoDbSessions {
    async fn sessions(&self, now: i64) -> Result<Vec<Session>, StoreError> {
        let mut sessions = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("expires_at > :now")
                .expression_attribute_values(":now", n(now))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(StoreError::unavailable)?;
            for item in output.items() {
                if let (Some(user_id), Some(api_key), Some(access_token), Some(expires_at)) = (
                    text(item, "user_id"),
                    text(item, "api_key"),
                    text(item, "access_token"),
                    number(item, "expires_at"),
                ) {
                    sessions.push(Session {
                        user_id: user_id.to_owned(),
                        api_key: api_key.to_owned(),
                        access_token: access_token.to_owned(),
                        expires_at,
                    });
                }
            }
            match output.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(sessions),
            }
        }
    }
}
