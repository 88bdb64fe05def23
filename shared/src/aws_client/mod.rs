//! The AWS SDK configuration every function uses: bounded timeouts and retries, and an
//! HTTPS client that trusts the roots AWS endpoints chain to.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// Each AWS call attempt may take this long (DynamoDB and SQS answer in milliseconds).
pub const AWS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Each AWS call, retries included, may take this long. A delivery makes at most three
/// sequential calls per event (claim, send, complete), so it answers 503 well within the
/// function timeout instead of being cut off while holding claims.
pub const AWS_OPERATION_TIMEOUT: Duration = Duration::from_secs(3);

/// Amazon Root CA 1–4 and Starfield Services Root G2: every AWS service endpoint chains
/// to one of them. Reading these five instead of the whole system store (about 150 files
/// here) is most of the cold-start saving measured in BENCHMARKS.md.
const AMAZON_ROOTS_PEM: &str = include_str!("amazon-roots.pem");

/// Loads the AWS config (honouring `AWS_ENDPOINT_URL` and the usual variables).
/// `system_roots` trusts the system's CA store instead of the bundled Amazon roots, for
/// an HTTPS endpoint with another CA (a proxy, a local emulator with TLS).
pub async fn aws_config(system_roots: bool) -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(AWS_ATTEMPT_TIMEOUT)
        .operation_attempt_timeout(AWS_ATTEMPT_TIMEOUT)
        .operation_timeout(AWS_OPERATION_TIMEOUT)
        .build();
    let retries = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_max_backoff(Duration::from_secs(1));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(retries);
    if !system_roots {
        match amazon_roots_client() {
            Ok(client) => loader = loader.http_client(client),
            Err(error) => tracing::warn!(%error, "bundled roots unusable; using the system store"),
        }
    }
    loader.load().await
}

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
