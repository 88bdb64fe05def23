//! The AWS SDK configuration every function uses: a retry budget per call
//! ([`RetryBudget`], `AWS_RETRY_SECONDS`, applied to every client), clients whose retries only time limits, and an
//! HTTPS client that trusts the roots AWS endpoints chain to.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use aws_sdk_dynamodb::config::retry::{RetryPartition, TokenBucket};

use crate::config::RetryBudget;

/// The cold-start calls (the Secrets Manager read) keep the short budget whatever
/// `AWS_RETRY_SECONDS` says: Lambda allows 10 s for init.
pub const INIT_RETRY_BUDGET_SECONDS: u64 = 3;

/// Amazon Root CA 1–4 and Starfield Services Root G2: every AWS service endpoint chains
/// to one of them. Reading these five instead of the whole system store (about 150 files
/// here) is most of the cold-start saving measured in BENCHMARKS.md.
const AMAZON_ROOTS_PEM: &str = include_str!("amazon-roots.pem");

/// Loads the AWS config (honouring `AWS_ENDPOINT_URL` and the usual variables) with
/// `budget` for every call. `system_roots` trusts the system's CA store instead of the
/// bundled Amazon roots, for an HTTPS endpoint with another CA (a proxy, a local emulator
/// with TLS).
pub async fn aws_config(system_roots: bool, budget: RetryBudget) -> aws_config::SdkConfig {
    let mut loader = budget.apply(aws_config::defaults(BehaviorVersion::latest()));
    if !system_roots {
        match amazon_roots_client() {
            Ok(client) => loader = loader.http_client(client),
            Err(error) => tracing::warn!(%error, "bundled roots unusable; using the system store"),
        }
    }
    loader.load().await
}

/// The claims table's client: retries bounded by the budget only (see [`RetryBudget`]).
pub fn dynamodb_client(aws: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(aws)
        .retry_partition(unlimited_retry_partition("brokerhooks-dynamodb"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// The events queue's client: retries bounded by the budget only (see [`RetryBudget`]).
pub fn sqs_client(aws: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::config::Builder::from(aws)
        .retry_partition(unlimited_retry_partition("brokerhooks-sqs"))
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// The Secrets Manager client for the one read at cold start, on the init budget.
pub fn secrets_manager_client(aws: &aws_config::SdkConfig) -> aws_sdk_secretsmanager::Client {
    let budget = RetryBudget::from_secs(INIT_RETRY_BUDGET_SECONDS);
    let config = aws_sdk_secretsmanager::config::Builder::from(aws)
        .retry_config(budget.retry_config())
        .timeout_config(budget.timeout_config())
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// A retry partition of its own with a token bucket that never runs dry, so retries are
/// limited only by [`RetryBudget`]. `name` keeps the DynamoDB and SQS clients apart.
pub fn unlimited_retry_partition(name: &'static str) -> RetryPartition {
    RetryPartition::custom(name)
        .token_bucket(TokenBucket::unlimited())
        .build()
}

/// Warm-up requests at cold start stop after this long: their outcome does not matter.
pub const WARM_UP_LIMIT: Duration = Duration::from_secs(2);

fn amazon_roots_client() -> Result<SharedHttpClient, aws_smithy_http_client::HttpClientError> {
    let trust = TrustStore::empty().with_pem_certificate(AMAZON_ROOTS_PEM.as_bytes());
    let context = TlsContext::builder().with_trust_store(trust).build()?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_roots_are_the_five_amazon_roots() {
        assert_eq!(
            AMAZON_ROOTS_PEM
                .matches("-----BEGIN CERTIFICATE-----")
                .count(),
            5
        );
        for name in [
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ] {
            assert!(AMAZON_ROOTS_PEM.contains(name), "{name}");
        }
        assert!(amazon_roots_client().is_ok());
    }
}
