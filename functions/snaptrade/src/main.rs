//! SnapTrade webhook receiver: wires configuration, AWS clients and the SnapTrade
//! verifier into the shared pipeline.

use brokerhooks::providers::snaptrade::SnapTradeProvider;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::edge::run::<SnapTradeProvider>().await
}
