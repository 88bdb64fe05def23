//! Kite Connect postback receiver: wires configuration, AWS clients and the Kite
//! verifier into the shared pipeline.

use brokerhooks::providers::kite::KiteProvider;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::edge::run::<KiteProvider>().await
}
