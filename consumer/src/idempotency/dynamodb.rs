use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::{
    Claim, ClaimOutcome, IdempotencyStore, STATUS_COMPLETED, STATUS_IN_PROGRESS, StoreError,
};

/// Marks on a DynamoDB table with partition key `pk` (String) and TTL attribute
/// `expires_at`. Needs PutItem, UpdateItem and DeleteItem on the table, nothing else.
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
    if status == Some(STATUS_COMPLETED) {
        ClaimOutcome::AlreadyCompleted
    } else if token == Some(our_token) {
        // Our own write succeeded, its response was lost and the SDK retried.
        ClaimOutcome::Claimed
    } else {
        ClaimOutcome::InProgress
    }
}

fn is_condition_failure<E, R>(error: &SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

impl IdempotencyStore for DynamoDbStore {
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
            // The old item comes back with the failure: one call tells a duplicate from
            // an event in flight.
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

    async fn complete(&self, claim: &Claim) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&claim.key))
            .update_expression("SET #status = :completed REMOVE lease_expires_at")
            .condition_expression("claim_token = :token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":completed", s(STATUS_COMPLETED))
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
            outcome_of_existing(Some(STATUS_COMPLETED), Some("t"), "t"),
            ClaimOutcome::AlreadyCompleted
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
