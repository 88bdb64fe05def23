//! OneMetric webhook receiver: wires configuration, AWS clients and the OneMetric
//! verifier into the shared pipeline.

use brokerhooks::providers::onemetric::OneMetricProvider;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::edge::run::<OneMetricProvider>().await
}
