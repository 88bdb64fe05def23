use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::decision::{Existing, WRITE_CONDITION, outcome_of_existing};
use super::{Claim, ClaimOutcome, ClaimStore, STATUS_COMPLETED, STATUS_IN_PROGRESS, StoreError};

/// Claims on a DynamoDB table with partition key `pk` (String) and TTL attribute
/// `expires_at`. One request per call; needs PutItem, UpdateItem and DeleteItem on the
/// table, nothing else.
#[derive(Debug, Clone)]
pub struct DynamoDbClaims {
    client: Client,
    table: String,
    completed: &'static str,
}

impl DynamoDbClaims {
    /// Completed items say [`STATUS_COMPLETED`].
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoDbClaims {
            client,
            table: table.into(),
            completed: STATUS_COMPLETED,
        }
    }

    /// The `status` a completed claim's item carries instead of [`STATUS_COMPLETED`].
    pub fn completed_status(mut self, status: &'static str) -> Self {
        self.completed = status;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

impl StoreError {
    /// A DynamoDB request that failed other than by its condition.
    pub fn unavailable<E, R>(error: SdkError<E, R>) -> Self
    where
        E: std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        StoreError::Unavailable(DisplayErrorContext(error).to_string())
    }
}

/// An item as DynamoDB returns it.
pub type Item = HashMap<String, AttributeValue>;

/// Sends a conditional PutItem that asks for the old item when its condition fails:
/// `Ok(None)` when written, `Ok(Some(old))` when the condition held it back (the old item
/// if there was one), `Err` when DynamoDB did not answer the condition.
pub async fn put_if(request: PutItemFluentBuilder) -> Result<Option<Option<Item>>, StoreError> {
    let request = request
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    match request.send().await {
        Ok(_) => Ok(None),
        Err(SdkError::ServiceError(context)) => match context.err() {
            PutItemError::ConditionalCheckFailedException(failed) => {
                Ok(Some(failed.item().cloned()))
            }
            _ => Err(StoreError::unavailable(SdkError::ServiceError(context))),
        },
        Err(other) => Err(StoreError::unavailable(other)),
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
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

impl ClaimStore for DynamoDbClaims {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(&claim.key))
            .item("status", s(STATUS_IN_PROGRESS))
            .item("claim_token", s(&claim.token))
            .item("lease_expires_at", n(claim.lease_expires_at))
            .item("expires_at", n(claim.expires_at))
            .condition_expression(WRITE_CONDITION)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", n(claim.now))
            .expression_attribute_values(":in_progress", s(STATUS_IN_PROGRESS));
        // The old item comes back with the failure: one call tells a duplicate from an
        // event in flight.
        let Some(old) = put_if(request).await? else {
            return Ok(ClaimOutcome::Claimed);
        };
        let item = old.as_ref();
        let text = |name: &str| {
            item.and_then(|item| item.get(name))
                .and_then(|value| value.as_s().ok())
                .map(String::as_str)
        };
        let number = |name: &str| {
            item.and_then(|item| item.get(name))
                .and_then(|value| value.as_n().ok())
                .and_then(|text| text.parse().ok())
        };
        let existing = Existing {
            status: text("status"),
            token: text("claim_token"),
            lease_expires_at: number("lease_expires_at"),
            expires_at: number("expires_at"),
        };
        // DynamoDB found it could not be replaced, so the rule's reading of the item
        // applies.
        Ok(outcome_of_existing(&existing, claim, self.completed))
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
            .expression_attribute_values(":completed", s(self.completed))
            .expression_attribute_values(":token", s(&claim.token))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Err(StoreError::ClaimLost),
            Err(error) => Err(StoreError::unavailable(error)),
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
            Err(error) => Err(StoreError::unavailable(error)),
        }
    }
}
