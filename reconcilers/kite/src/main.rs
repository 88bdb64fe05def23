//! Kite order-book reconciler: run on a schedule, it reads each session's order book and
//! enqueues every order state no postback delivered (README, "Missed postbacks:
//! reconciliation").

use brokerhooks::http::kite_api::KiteApi;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks::lambda_runtime::Error> {
    brokerhooks::edge::reconciler::run::<KiteApi>().await
}
