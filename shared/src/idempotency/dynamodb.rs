use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::{
    Binding, BindingOutcome, Claim, ClaimOutcome, IdempotencyStore, STATUS_ENQUEUED,
    STATUS_IN_PROGRESS, StoreError,
};

/// The idempotency store on a DynamoDB table (partition key `pk`, TTL `expires_at`).
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
}

impl DynamoDbStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbStore {
            client,
            table: table.into(),
        }
    }
}

/// Whether a conditional write failed its condition (rather than not reaching DynamoDB).
fn is_condition_failure<E, R>(error: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

impl DynamoDbStore {
    /// Opens the connection to DynamoDB with a read of a key that never holds an item,
    /// under the provider's own prefix (IAM confines each function to `<provider>#*`).
    /// The outcome does not matter.
    pub async fn warm_up(&self, provider: &str) {
        let _ = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&format!("{provider}#warm-up")))
            .send()
            .await;
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn unavailable<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(error).to_string())
}

/// What an existing item means for a claim that could not be written.
fn outcome_of_existing(status: Option<&str>, token: Option<&str>, our_token: &str) -> ClaimOutcome {
    if status == Some(STATUS_ENQUEUED) {
        ClaimOutcome::AlreadyEnqueued
    } else if token == Some(our_token) {
        // Our own earlier attempt succeeded but its response was lost and the SDK
        // retried: the claim is ours.
        ClaimOutcome::Claimed
    } else {
        ClaimOutcome::InProgress
    }
}

impl IdempotencyStore for DynamoDbStore {
    async fn bind(&self, binding: &Binding) -> Result<BindingOutcome, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&binding.key))
            .item("kind", s(&binding.kind))
            .item("expires_at", n(binding.expires_at))
            .condition_expression("attribute_not_exists(pk) OR #kind = :kind OR expires_at <= :now")
            .expression_attribute_names("#kind", "kind")
            .expression_attribute_values(":kind", s(&binding.kind))
            .expression_attribute_values(":now", n(binding.now))
            // The old item comes back with the failure: how long the other kind holds it.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(BindingOutcome::Bound),
            Err(SdkError::ServiceError(context)) => match context.err() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    let until = failed
                        .item()
                        .and_then(|item| item.get("expires_at"))
                        .and_then(|value| value.as_n().ok())
                        .and_then(|text| text.parse().ok());
                    Ok(BindingOutcome::BoundToOtherKind { until })
                }
                _ => Err(unavailable(SdkError::ServiceError(context))),
            },
            Err(other) => Err(unavailable(other)),
        }
    }

    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&claim.key))
            .item("status", s(STATUS_IN_PROGRESS))
            .item("claim_token", s(&claim.token))
            .item("lease_expires_at", n(claim.lease_expires_at))
            .item("expires_at", n(claim.expires_at))
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at <= :now \
                 OR (#status = :in_progress AND lease_expires_at <= :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", n(claim.now))
            .expression_attribute_values(":in_progress", s(STATUS_IN_PROGRESS))
            // The old item comes back with the failure: one call tells duplicate from in-flight.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(ClaimOutcome::Claimed),
            Err(SdkError::ServiceError(context)) => match context.err() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    let text = |name: &str| {
                        failed
                            .item()
                            .and_then(|item| item.get(name))
                            .and_then(|value| value.as_s().ok())
                            .map(String::as_str)
                    };
                    Ok(outcome_of_existing(
                        text("status"),
                        text("claim_token"),
                        &claim.token,
                    ))
                }
                _ => Err(unavailable(SdkError::ServiceError(context))),
            },
            Err(other) => Err(unavailable(other)),
        }
    }

    async fn mark_enqueued(&self, claim: &Claim) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&claim.key))
            .update_expression("SET #status = :enqueued REMOVE lease_expires_at")
            .condition_expression("claim_token = :token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":enqueued", s(STATUS_ENQUEUED))
            .expression_attribute_values(":token", s(&claim.token))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Err(StoreError::ClaimLost),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(&claim.key))
            .condition_expression("claim_token = :token AND #status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":token", s(&claim.token))
            .expression_attribute_values(":in_progress", s(STATUS_IN_PROGRESS))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Someone else holds it now: nothing of ours to release.
            Err(error) if is_condition_failure(&error) => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_items_are_read_correctly() {
        assert_eq!(
            outcome_of_existing(Some(STATUS_ENQUEUED), Some("t"), "t"),
            ClaimOutcome::AlreadyEnqueued
        );
        assert_eq!(
            outcome_of_existing(Some(STATUS_IN_PROGRESS), Some("t"), "t"),
            ClaimOutcome::Claimed
        );
        assert_eq!(
            outcome_of_existing(Some(STATUS_IN_PROGRESS), Some("other"), "t"),
            ClaimOutcome::InProgress
        );
        assert_eq!(
            outcome_of_existing(None, None, "t"),
            ClaimOutcome::InProgress
        );
    }
}
