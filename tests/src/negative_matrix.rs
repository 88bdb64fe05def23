//! What the negative matrix (`tests/tests/offline/negative_matrix.rs`) needs of each
//! provider: where its proof of authenticity travels, and how to forge or re-sign one.

use serde_json::Value;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;

/// Where a provider's proof of authenticity travels.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    /// A field of the JSON body (hex checksum).
    BodyField(&'static str),
    /// A header (base64 HMAC).
    Header(&'static str),
    /// A structured-field header `label=:base64:` (HTTP message signatures).
    SignatureMember(&'static str),
    /// A query parameter (URL token).
    Query(&'static str),
}

/// How a delivery signed with a secret the function does not know is made.
pub enum WrongSecret {
    /// The provider's signer, with this secret variable set to another value.
    Variable(&'static str),
    /// Its own forgery of the payload (Upvest: another key under the same `kid`).
    Forged(fn(&Value, &LocalSecrets) -> Result<Delivery, String>),
}

/// One provider's row of the negative matrix.
pub struct NegativeKit {
    pub slot: Slot,
    /// The valid sample's payload signed with a secret the function does not know.
    pub wrong_secret: WrongSecret,
    /// Signs arbitrary bytes where the provider's scheme allows (header signatures, URL
    /// tokens); `None` where the proof is inside the body.
    pub sign_bytes: Option<fn(&[u8], &LocalSecrets) -> Delivery>,
    /// Status of an empty body sent with the original proof.
    pub empty_body_status: u16,
}
