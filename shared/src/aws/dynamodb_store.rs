use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use brokerhooks_claims::{DynamoDbClaims, put_if};

use crate::pipeline::ports::store::{
    Binding, BindingOutcome, IdempotencyStore, MARKED_BY_DELIVERY, MARKED_BY_RECONCILIATION,
    STATUS_ENQUEUED, StateMark, StateMarkOutcome, StoreError,
};

/// The idempotency store on a DynamoDB table (partition key `pk`, TTL `expires_at`).
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    claims: DynamoDbClaims,
}

impl DynamoDbStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbStore {
            claims: DynamoDbClaims::new(client, table).completed_status(STATUS_ENQUEUED),
        }
    }

    /// Opens the connection to DynamoDB with a read of a key that never holds an item,
    /// under the provider's own prefix (IAM confines each function to `<provider>#*`).
    /// The outcome does not matter.
    pub async fn warm_up(&self, provider: &str) {
        let _ = self
            .claims
            .client()
            .get_item()
            .table_name(self.claims.table())
            .key("pk", AttributeValue::S(format!("{provider}#warm-up")))
            .send()
            .await;
    }
}

impl IdempotencyStore for DynamoDbStore {
    type Claims = DynamoDbClaims;

    fn claims(&self) -> &DynamoDbClaims {
        &self.claims
    }

    async fn bind(&self, binding: &Binding) -> Result<BindingOutcome, StoreError> {
        let kind = AttributeValue::S(binding.kind.clone());
        let request = self
            .claims
            .client()
            .put_item()
            .table_name(self.claims.table())
            .item("pk", AttributeValue::S(binding.key.clone()))
            .item("kind", kind.clone())
            .item(
                "expires_at",
                AttributeValue::N(binding.expires_at.to_string()),
            )
            .condition_expression("attribute_not_exists(pk) OR #kind = :kind OR expires_at <= :now")
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_values(":kind", kind)
            .expression_attribute_values(":now", AttributeValue::N(binding.now.to_string()));
        // The old item comes back with the failure: how long the other kind holds it.
        Ok(match put_if(request).await? {
            None => BindingOutcome::Bound,
            Some(old) => BindingOutcome::BoundToOtherKind {
                until: old
                    .as_ref()
                    .and_then(|item| item.get("expires_at"))
                    .and_then(|value| value.as_n().ok())
                    .and_then(|text| text.parse().ok()),
            },
        })
    }

    async fn mark_state(&self, mark: &StateMark) -> Result<StateMarkOutcome, StoreError> {
        let request = self
            .claims
            .client()
            .put_item()
            .table_name(self.claims.table())
            .item("pk", AttributeValue::S(mark.key.clone()))
            .item(
                "marked_by",
                AttributeValue::S(MARKED_BY_DELIVERY.to_owned()),
            )
            .item("content_key", AttributeValue::S(mark.content_key.clone()))
            .item("expires_at", AttributeValue::N(mark.expires_at.to_string()))
            .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
            .expression_attribute_values(":now", AttributeValue::N(mark.now.to_string()));
        // The old mark comes back with the failure: one call says who marked it.
        Ok(match put_if(request).await? {
            None => StateMarkOutcome::Marked,
            Some(old) => {
                let marked_by = old
                    .as_ref()
                    .and_then(|item| item.get("marked_by"))
                    .and_then(|value| value.as_s().ok());
                if marked_by.is_some_and(|by| by == MARKED_BY_RECONCILIATION) {
                    StateMarkOutcome::Reconciled
                } else {
                    StateMarkOutcome::MarkedByAnotherDelivery
                }
            }
        })
    }
}
