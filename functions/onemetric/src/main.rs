//! OneMetric webhook receiver: wires configuration, AWS clients and the OneMetric
//! verifier into the shared pipeline.

use brokerhooks::providers::onemetric::OneMetricProvider;

#[global_allocator]
static ALLOCATOR: brokerhooks::allocator::FunctionAllocator =
    brokerhooks::allocator::FUNCTION_ALLOCATOR;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::function::run::<OneMetricProvider>().await
}
