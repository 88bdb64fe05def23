//! Calling providers' APIs over HTTPS (feature `kite-api`): Kite Connect's order book for
//! the reconciler.

pub mod kite_api;
pub mod rate_limit;
