//! `hmac`: a signature header carrying an HMAC of the raw body (or of a timestamp header,
//! a separator and the raw body), as many brokers' order postbacks and payment or KYC
//! providers send it.
//!
//! Parameters: the header's name; `sha256` or `sha512`; `hex` (either case) or `base64`
//! (standard alphabet, padding optional); an optional prefix such as GitHub's `sha256=`;
//! and what is signed. The header may carry several signatures separated by commas or
//! spaces (a sender signing with an old and a new secret while it rotates, or the header
//! sent twice, which arrives joined by `, `); any one may match, and each must carry the
//! prefix. Neither alphabet contains a comma or a space, so this never splits one
//! signature, and GitHub's `sha256=<hex>` is one value. Schemes that put several named
//! parts in one header (`t=…,v1=…`) are not this scheme.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use http::HeaderName;

use super::authenticated::Authenticated;
use super::config_object::{ConfigObject, FieldError};
use super::mac::{MacAlgorithm, any_equal};
use super::standard_webhooks::DEFAULT_TOLERANCE;
use super::timestamp_window::{check_window, parse_unix_seconds};
use crate::config::secret_list::SecretList;
use crate::pipeline::error::WebhookError;
use crate::pipeline::ports::provider::VerifyContext;
use crate::pipeline::request::WebhookRequest;

/// How the signature is written in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    Hex,
    Base64,
}

impl SignatureEncoding {
    fn decode(self, text: &str) -> Option<Vec<u8>> {
        match self {
            SignatureEncoding::Hex => hex::decode(text).ok(),
            SignatureEncoding::Base64 => STANDARD_PAD_INDIFFERENT.decode(text).ok(),
        }
    }

    fn encode(self, bytes: &[u8]) -> String {
        match self {
            SignatureEncoding::Hex => hex::encode(bytes),
            SignatureEncoding::Base64 => STANDARD.encode(bytes),
        }
    }
}

/// What the HMAC covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedContent {
    /// The raw body.
    Body,
    /// The value of `header` (Unix seconds), then `separator`, then the raw body; the
    /// timestamp must lie within `tolerance` (see `timestamp_window`).
    Timestamp {
        header: String,
        separator: String,
        tolerance: Duration,
    },
}

/// The `hmac` scheme's parameters. Header names are lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacSignature {
    pub header: String,
    pub algorithm: MacAlgorithm,
    pub encoding: SignatureEncoding,
    pub prefix: Option<String>,
    pub signed: SignedContent,
}

const ALGORITHMS: [(&str, MacAlgorithm); 2] = [
    ("sha256", MacAlgorithm::Sha256),
    ("sha512", MacAlgorithm::Sha512),
];
const ENCODINGS: [(&str, SignatureEncoding); 2] = [
    ("hex", SignatureEncoding::Hex),
    ("base64", SignatureEncoding::Base64),
];
#[derive(Debug, Clone, Copy)]
enum Signed {
    Body,
    Timestamp,
}
const SIGNED: [(&str, Signed); 2] = [("body", Signed::Body), ("timestamp", Signed::Timestamp)];
/// The separator between timestamp and body when none is configured.
pub const DEFAULT_SEPARATOR: &str = ".";

/// A header name as configured, lower-cased; a fixed error when it is not a valid one.
fn header_name(entry: &ConfigObject, key: &'static str) -> Result<String, FieldError> {
    let name = entry.required_string(key)?.to_ascii_lowercase();
    HeaderName::from_bytes(name.as_bytes())
        .map(|_| name)
        .map_err(|_| entry.error(key, "must be an HTTP header name"))
}

impl HmacSignature {
    pub(crate) fn from_entry(entry: &ConfigObject) -> Result<Self, FieldError> {
        let header = header_name(entry, "header")?;
        let algorithm = entry.required_choice("algorithm", &ALGORITHMS)?;
        let encoding = entry.required_choice("encoding", &ENCODINGS)?;
        let prefix = entry.non_empty_string("prefix")?.map(str::to_owned);
        if prefix
            .as_deref()
            .is_some_and(|p| p.bytes().any(|b| b == b',' || !b.is_ascii_graphic()))
        {
            return Err(entry.error("prefix", "must be visible ASCII without commas"));
        }
        let signed = match entry.choice("signed", &SIGNED)?.unwrap_or(Signed::Body) {
            Signed::Body => {
                for key in ["timestamp_header", "separator", "tolerance_seconds"] {
                    entry.refuse(key, "with \"signed\": \"timestamp\"")?;
                }
                SignedContent::Body
            }
            Signed::Timestamp => SignedContent::Timestamp {
                header: header_name(entry, "timestamp_header")?,
                separator: entry
                    .string("separator")?
                    .unwrap_or(DEFAULT_SEPARATOR)
                    .to_owned(),
                tolerance: entry
                    .positive_integer("tolerance_seconds")?
                    .map_or(DEFAULT_TOLERANCE, Duration::from_secs),
            },
        };
        Ok(HmacSignature {
            header,
            algorithm,
            encoding,
            prefix,
            signed,
        })
    }

    /// The header value a sender writes for `body` (and `timestamp`, when signed).
    /// For signers of test events; verification does not re-encode.
    pub fn sign(&self, secret: &str, timestamp: &str, body: &[u8]) -> Option<String> {
        let tag = self
            .algorithm
            .tag(secret.as_bytes(), &self.signed_parts(timestamp, body))?;
        Some(format!(
            "{}{}",
            self.prefix.as_deref().unwrap_or(""),
            self.encoding.encode(&tag)
        ))
    }

    fn signed_parts<'a>(&'a self, timestamp: &'a str, body: &'a [u8]) -> Vec<&'a [u8]> {
        match &self.signed {
            SignedContent::Body => vec![body],
            SignedContent::Timestamp { separator, .. } => {
                vec![timestamp.as_bytes(), separator.as_bytes(), body]
            }
        }
    }

    /// The decoded signatures of the header, or why none can be compared.
    fn presented(&self, header: &str) -> Result<Vec<Vec<u8>>, WebhookError> {
        let mut prefixed = 0usize;
        let mut presented = Vec::new();
        for item in header
            .split(|c: char| c == ',' || c.is_ascii_whitespace())
            .filter(|item| !item.is_empty())
        {
            let value = match &self.prefix {
                Some(prefix) => match item.strip_prefix(prefix.as_str()) {
                    Some(value) => value,
                    None => continue,
                },
                None => item,
            };
            prefixed += 1;
            if let Some(signature) = self
                .encoding
                .decode(value)
                .filter(|bytes| bytes.len() == self.algorithm.tag_len())
            {
                presented.push(signature);
            }
        }
        if prefixed == 0 {
            return Err(WebhookError::Unauthorized(
                "signature lacks the configured prefix",
            ));
        }
        if presented.is_empty() {
            return Err(WebhookError::Unauthorized(
                "signature is not in the configured encoding",
            ));
        }
        Ok(presented)
    }

    /// The timestamp header (when signed), the signature under every secret, then the
    /// timestamp window.
    pub fn authenticate(
        &self,
        request: &WebhookRequest,
        secrets: &SecretList,
        context: &VerifyContext,
    ) -> Result<Authenticated, WebhookError> {
        let header = request
            .header(&self.header)
            .filter(|value| !value.trim().is_empty())
            .ok_or(WebhookError::Unauthorized("missing signature header"))?;
        let timestamp = match &self.signed {
            SignedContent::Body => None,
            SignedContent::Timestamp {
                header, tolerance, ..
            } => {
                let text = request
                    .header(header)
                    .filter(|value| !value.is_empty())
                    .ok_or(WebhookError::Unauthorized("missing timestamp header"))?;
                let signed_at = parse_unix_seconds(&text).ok_or(WebhookError::Unauthorized(
                    "timestamp header is not a Unix time in seconds",
                ))?;
                Some((text, signed_at, *tolerance))
            }
        };
        let presented = self.presented(&header)?;
        let timestamp_text = timestamp.as_ref().map_or("", |(text, _, _)| text.as_str());
        let parts = self.signed_parts(timestamp_text, &request.body);
        let matched_secret = secrets
            .position_matching(|secret| {
                self.algorithm
                    .tag(secret.as_bytes(), &parts)
                    .is_some_and(|tag| any_equal(&presented, &tag))
            })
            .ok_or(WebhookError::Unauthorized("signature mismatch"))?;
        let signed_at = match timestamp {
            Some((_, signed_at, tolerance)) => {
                check_window(signed_at, tolerance, context)?;
                Some(signed_at)
            }
            None => None,
        };
        Ok(Authenticated {
            matched_secret,
            delivery_id: None,
            signed_at,
        })
    }
}
