//! Upvest Investment API webhook receiver: wires configuration, AWS clients and the
//! Upvest verifier into the shared pipeline.

use brokerhooks::providers::upvest::UpvestProvider;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::edge::run::<UpvestProvider>().await
}
