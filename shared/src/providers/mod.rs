//! One module per provider: its verifier and its payload models.

pub mod json_body;
pub mod kite;
pub mod upvest;
