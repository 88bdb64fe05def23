//! smallcase Gateway webhook receiver: wires configuration, AWS clients and the
//! smallcase verifier into the shared pipeline.

use brokerhooks::providers::smallcase::SmallcaseProvider;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::edge::run::<SmallcaseProvider>().await
}
