//! Configured webhook sources (`POST /webhooks/generic/{source}`): wires configuration,
//! AWS clients and every source declared in `GENERIC_SOURCES` into the shared pipeline.

use brokerhooks::providers::generic::GenericProvider;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::edge::run::<GenericProvider>().await
}
