//! Deliveries to configured sources (the `generic` function), signed the way each
//! scheme's sender signs them, with the secrets of a sources document (locally
//! `GENERIC_SOURCES` in `events/generic/local.env`).
//!
//! A sample template in `events/generic/payloads/` names its source and, for the schemes
//! that sign them, the delivery id and the Unix time to sign:
//! `{"source": "payments", "delivery_id": "msg_…", "timestamp": 1795348799, "payload": {…}}`.

use brokerhooks::providers::generic::{
    SOURCES_VARIABLE, Scheme, SignedContent, Source, Sources, v1_signature,
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;

/// The path a source is served under.
pub fn source_path(source: &str) -> String {
    format!("/webhooks/generic/{source}")
}

/// A sources document and the secrets it lists, for signing.
pub struct GenericSigner {
    document: Value,
    sources: Sources,
}

impl GenericSigner {
    pub fn from_document(text: &str) -> Result<Self, String> {
        let document: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let sources = Sources::parse(text).map_err(|e| e.to_string())?;
        Ok(GenericSigner { document, sources })
    }

    /// The local document (`GENERIC_SOURCES` in `events/generic/local.env`).
    pub fn from_local(secrets: &LocalSecrets) -> Result<Self, String> {
        let text = secrets
            .get(SOURCES_VARIABLE)
            .ok_or_else(|| format!("{SOURCES_VARIABLE} is not set in events/generic/local.env"))?;
        Self::from_document(text)
    }

    /// Source `name`'s secret at `position` of its rotation list, as configured.
    pub fn secret(&self, name: &str, position: usize) -> Result<&str, String> {
        self.document["sources"][name]["secrets"][position]
            .as_str()
            .ok_or_else(|| format!("source {name} has no secret {position}"))
    }

    fn source(&self, name: &str) -> Result<&Source, String> {
        self.sources
            .valid()
            .get(name)
            .ok_or_else(|| format!("source {name} is not a valid configured source"))
    }

    /// `body` sent to source `name` as its sender would, signed with its first secret:
    /// `delivery_id` and `timestamp` (Unix seconds) are used where the scheme signs them.
    pub fn sign(
        &self,
        name: &str,
        body: &[u8],
        delivery_id: &str,
        timestamp: i64,
    ) -> Result<Delivery, String> {
        self.sign_with(name, self.secret(name, 0)?, body, delivery_id, timestamp)
    }

    /// As [`GenericSigner::sign`], with `secret` (a wrong or rotated one, in tests).
    pub fn sign_with(
        &self,
        name: &str,
        secret: &str,
        body: &[u8],
        delivery_id: &str,
        timestamp: i64,
    ) -> Result<Delivery, String> {
        let source = self.source(name)?;
        let timestamp = timestamp.to_string();
        let delivery = Delivery::post(&source_path(name), body.to_vec());
        Ok(match source.scheme() {
            Scheme::StandardWebhooks(_) => {
                let signature = v1_signature(secret, delivery_id, &timestamp, body)
                    .ok_or("not a whsec_ secret")?;
                delivery
                    .with_header("webhook-id", delivery_id)
                    .with_header("webhook-timestamp", &timestamp)
                    .with_header("webhook-signature", &signature)
            }
            Scheme::Hmac(scheme) => {
                let signature = scheme
                    .sign(secret, &timestamp, body)
                    .ok_or("the secret cannot key an HMAC")?;
                let delivery = delivery.with_header(&scheme.header, &signature);
                match &scheme.signed {
                    SignedContent::Body => delivery,
                    SignedContent::Timestamp { header, .. } => {
                        delivery.with_header(header, &timestamp)
                    }
                }
            }
            Scheme::UrlToken(scheme) => {
                let mut delivery = delivery;
                delivery.query = Some(token_query(&scheme.parameter, secret));
                delivery
            }
        })
    }

    /// A sample template (see the module docs) signed for its source.
    pub fn sign_template(&self, template: &Value) -> Result<Delivery, String> {
        let name = template["source"]
            .as_str()
            .ok_or("a generic template names its \"source\"")?;
        let payload = template.get("payload").ok_or("no \"payload\"")?;
        let delivery_id = template["delivery_id"].as_str().unwrap_or_default();
        let timestamp = template["timestamp"].as_i64().unwrap_or_default();
        self.sign(name, payload.to_string().as_bytes(), delivery_id, timestamp)
    }
}

/// `<parameter>=<token>`, the token percent-encoded.
pub fn token_query(parameter: &str, token: &str) -> String {
    format!(
        "{}={}",
        utf8_percent_encode(parameter, NON_ALPHANUMERIC),
        utf8_percent_encode(token, NON_ALPHANUMERIC)
    )
}

/// Signs a generic sample template with the local document.
pub fn sign(template: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    GenericSigner::from_local(secrets)?.sign_template(template)
}

#[cfg(test)]
mod tests {
    use super::*;
    use brokerhooks::VerifyContext;
    use brokerhooks::pipeline::FreshnessPolicy;
    use serde_json::json;

    /// Every local source's signed delivery is what its verifier accepts.
    #[test]
    fn local_deliveries_verify_under_each_scheme() {
        let secrets = LocalSecrets::load_default().unwrap();
        let signer = GenericSigner::from_local(&secrets).unwrap();
        let now = time::OffsetDateTime::from_unix_timestamp(1_795_348_800).unwrap();
        let context = VerifyContext {
            now,
            freshness: FreshnessPolicy::new(Some(std::time::Duration::from_secs(3600))),
        };
        for name in ["payments", "acme-broker", "kyc-vendor"] {
            let delivery = signer
                .sign(name, br#"{"a":1}"#, "msg_1", now.unix_timestamp())
                .unwrap();
            assert_eq!(delivery.path, format!("/webhooks/generic/{name}"));
            let verified = signer
                .source(name)
                .unwrap()
                .verify(&delivery.to_request(), &context)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(verified.matched_secret(), 0, "{name}");
        }
        assert_eq!(token_query("token", "a+b c"), "token=a%2Bb%20c");
        assert!(signer.source("broken-source").is_err());
        let template = json!({"source": "kyc-vendor", "payload": {"event": "x"}});
        let delivery = signer.sign_template(&template).unwrap();
        assert_eq!(delivery.body, br#"{"event":"x"}"#);
        assert_eq!(
            delivery.query.as_deref(),
            Some("token=local%2Dkyc%2Dvendor%2Dtoken%2D0001")
        );
    }
}
