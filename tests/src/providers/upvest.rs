//! Signs deliveries the way Upvest's v6 signer does: every header (except the signature
//! headers and names starting `x-`, `cf-`, `cdn-` or `cookie`) normalised into its
//! components (`name`, `name:key`, `name:0…N`, see `header_components`), then `@method`,
//! `@path`, `digest` and `@query`; parameters keyid, created, nonce, expires
//! (created + 60 s); ECDSA P-521/SHA-512 in ASN.1 DER.
//! Test and dev tooling only: the functions only verify.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::{Digest, Sha256};

use brokerhooks::providers::upvest::{
    VERIFY_KEYS_VARIABLE, digest_header, header_components, signature_base,
};
use brokerhooks::text::timestamps::parse_rfc3339;

use crate::provider_kit::{BenchCase, ProviderKit, TimestampKit, sample_request};
use crate::api_gateway_event::Delivery;
use crate::local_secrets::{LocalSecrets, repo_root};
use crate::negative_matrix::{NegativeKit, Slot, WrongSecret};

/// The TEST-ONLY private key whose JWKS `events/upvest/local.env` configures.
pub const LOCAL_KEY_FILE: &str = "events/upvest/local-signing-key.pem";
/// How long a signature is valid, as in Upvest's signer.
pub const VALIDITY_SECONDS: i64 = 60;
/// Header name prefixes Upvest's signer leaves uncovered.
const UNCOVERED_PREFIXES: &[&str] = &["x-", "cf-", "cdn-", "cookie"];

/// A signing key and the `kid` it is published under.
#[derive(Clone)]
pub struct UpvestSigner {
    key: Arc<EcdsaKeyPair>,
    kid: String,
}

impl UpvestSigner {
    pub fn new(key: EcdsaKeyPair, kid: impl Into<String>) -> Self {
        UpvestSigner {
            key: Arc::new(key),
            kid: kid.into(),
        }
    }

    /// A fresh random P-521 key published under `kid` (a key nobody configured).
    pub fn generate(kid: impl Into<String>) -> Self {
        let key = EcdsaKeyPair::generate(&ECDSA_P521_SHA512_ASN1_SIGNING)
            .unwrap_or_else(|_| panic!("P-521 key generation failed"));
        UpvestSigner::new(key, kid)
    }

    /// The local test key; its `kid` is the JWK in `UPVEST_VERIFY_KEYS` with its public key.
    pub fn local(secrets: &LocalSecrets) -> Result<Self, String> {
        let path = repo_root().join(LOCAL_KEY_FILE);
        let pem = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let der =
            sec1_pem_der(&pem).ok_or_else(|| format!("{LOCAL_KEY_FILE} holds no PEM block"))?;
        let key = EcdsaKeyPair::from_private_key_der(&ECDSA_P521_SHA512_ASN1_SIGNING, &der)
            .map_err(|_| format!("{LOCAL_KEY_FILE} is not a P-521 SEC1 key"))?;
        let (x, y) = coordinates(&key);
        let jwks: Value = secrets
            .get(VERIFY_KEYS_VARIABLE)
            .and_then(|text| serde_json::from_str(text).ok())
            .ok_or_else(|| format!("{VERIFY_KEYS_VARIABLE} in events/upvest/local.env is not JSON"))?;
        let kid = jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|jwk| jwk["x"] == x.as_str() && jwk["y"] == y.as_str())
            .and_then(|jwk| jwk["kid"].as_str())
            .ok_or_else(|| format!("no key in {VERIFY_KEYS_VARIABLE} matches {LOCAL_KEY_FILE}"))?;
        Ok(UpvestSigner::new(key, kid))
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The JWKS entry of this key, as `GET /auth/verify_keys` would list it.
    pub fn jwk(&self) -> Value {
        let (x, y) = coordinates(&self.key);
        serde_json::json!({"kid": self.kid, "kty": "EC", "crv": "P-521", "x": x, "y": y})
    }

    /// A POST of `body` to `/webhooks/upvest`, signed at `created`.
    pub fn sign_body(&self, body: impl Into<Vec<u8>>, created: i64) -> Result<Delivery, String> {
        self.sign(Delivery::post("/webhooks/upvest", body), created)
    }

    /// Sets `digest` (`SHA-256=…`, for a non-empty body) and adds `signature-input` and
    /// `signature`, covering every header of the delivery as Upvest's signer does.
    pub fn sign(&self, mut delivery: Delivery, created: i64) -> Result<Delivery, String> {
        delivery.headers.retain(|(name, _)| name != "digest");
        let digest = (!delivery.body.is_empty()).then(|| digest_header(&delivery.body));
        if let Some(digest) = &digest {
            delivery.headers.push(("digest".to_owned(), digest.clone()));
        }
        self.sign_covering(delivery, created, digest.is_some())
    }

    /// Signs the delivery with the `digest` header it already has, covered like any other
    /// header (a lower-case `sha-256=…` becomes the dictionary member `digest:sha-256`).
    pub fn sign_keeping_digest(
        &self,
        delivery: Delivery,
        created: i64,
    ) -> Result<Delivery, String> {
        self.sign_covering(delivery, created, false)
    }

    /// `digest_last`: `digest` is left out of the headers and covered after `@path`, where
    /// Upvest's signer appends the digest it computed.
    fn sign_covering(
        &self,
        mut delivery: Delivery,
        created: i64,
        digest_last: bool,
    ) -> Result<Delivery, String> {
        delivery
            .headers
            .retain(|(name, _)| !matches!(name.as_str(), "signature" | "signature-input"));
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in &delivery.headers {
            let uncovered = UNCOVERED_PREFIXES.iter().any(|p| name.starts_with(p))
                || (digest_last && name == "digest");
            if !uncovered && !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        let mut components: Vec<String> = Vec::new();
        for name in names {
            let lines = delivery
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, value)| value.as_str());
            let covered = header_components(name, lines)
                .map_err(|e| format!("Upvest's signer would refuse header {name}: {e}"))?;
            components.extend(covered.into_iter().map(|component| component.name));
        }
        components.extend(["@method".to_owned(), "@path".to_owned()]);
        if digest_last {
            components.push("digest".to_owned());
        }
        if delivery.query.is_some() {
            components.push("@query".to_owned());
        }
        let quoted: Vec<String> = components.iter().map(|c| format!("\"{c}\"")).collect();
        let params = format!(
            "({});keyid=\"{}\";created={created};nonce=\"{}\";expires={}",
            quoted.join(" "),
            self.kid,
            nonce(&delivery.body, created),
            created + VALIDITY_SECONDS
        );
        let base = signature_base(&delivery.to_request(), &components, &params)
            .map_err(|e| format!("cannot build the signature base: {e}"))?;
        let signature = self
            .key
            .sign(&SystemRandom::new(), base.as_bytes())
            .map_err(|_| "ECDSA signing failed".to_owned())?;
        let encoded = STANDARD.encode(signature.as_ref());
        Ok(delivery
            .with_header("signature-input", &format!("sig1={params}"))
            .with_header("signature", &format!("sig1=:{encoded}:")))
    }
}

/// When no event of a sample batch has a readable `created_at` (the drifted sample), it is
/// signed at this fixed time (2026-11-22T09:00:01Z) so that re-signing stays stable.
const UNDATED_BATCH_SIGNED_AT: i64 = 1_795_338_001;

/// Signs a sample batch with the local key, `created` one second after the newest event.
/// ECDSA signatures are randomised: re-signing changes only the `signature` header.
pub fn sign(payload: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    let newest = payload["payload"]
        .as_array()
        .ok_or("upvest payload must be {\"payload\": [...]}")?
        .iter()
        .filter_map(|event| event["created_at"].as_str().and_then(parse_rfc3339))
        .map(|t| t.unix_timestamp() + 1)
        .max()
        .unwrap_or(UNDATED_BATCH_SIGNED_AT);
    UpvestSigner::local(secrets)?.sign_body(payload.to_string(), newest)
}

/// Upvest's kit: an HTTP message signature, each event's id varied.
pub const KIT: ProviderKit = ProviderKit {
    sign,
    vary,
    events_per_delivery,
    negative: NegativeKit {
        slot: Slot::SignatureMember("signature"),
        wrong_secret: WrongSecret::Forged(forged),
        sign_bytes: Some(sign_bytes),
        // The signed digest no longer matches the (empty) body.
        empty_body_status: 401,
    },
    bench: bench_case,
    timestamps: TimestampKit {
        template: "03-orders-and-executions.json",
        set: set_timestamps,
        fallback: "occurred_at",
        signed_time_at_the_end: false,
    },
};

/// A fixed signing time (2026-01-01) for bytes the negative matrix signs; the local
/// stack's configuration ignores expiry.
const NEGATIVE_MATRIX_CREATED: i64 = 1_767_225_600;

fn vary(template: &Value, n: usize) -> Result<Value, String> {
    let mut payload = template.clone();
    let events = payload["payload"]
        .as_array_mut()
        .ok_or("upvest template lacks a payload array")?;
    for (k, event) in events.iter_mut().enumerate() {
        event["id"] = serde_json::json!(format!("00000000-0000-4000-8000-{:012}", n * 100 + k));
    }
    Ok(payload)
}

fn events_per_delivery(template: &Value) -> usize {
    template["payload"].as_array().map_or(0, Vec::len)
}

/// Same kid, another key: what a forger without Upvest's private key can do.
fn forged(payload: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    let local = UpvestSigner::local(secrets)?;
    UpvestSigner::generate(local.kid()).sign_body(payload.to_string(), NEGATIVE_MATRIX_CREATED)
}

fn sign_bytes(body: &[u8], secrets: &LocalSecrets) -> Delivery {
    UpvestSigner::local(secrets)
        .and_then(|signer| signer.sign_body(body.to_vec(), NEGATIVE_MATRIX_CREATED))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn set_timestamps(payload: &mut Value, at: &str) {
    for event in payload["payload"].as_array_mut().into_iter().flatten() {
        event["created_at"] = serde_json::json!(at);
    }
}

fn bench_case(_: &LocalSecrets) -> BenchCase {
    BenchCase {
        name: "upvest-batch-10",
        request: sample_request("upvest", "03-orders-and-executions.json"),
        events: 10,
    }
}

/// Ten digits, as Upvest's signer sends, derived from the delivery.
fn nonce(body: &[u8], created: i64) -> String {
    let hash = Sha256::new()
        .chain_update(body)
        .chain_update(created.to_be_bytes())
        .finalize();
    let number = u64::from_be_bytes(hash[..8].try_into().unwrap_or([0; 8]));
    format!("{:010}", number % 10_000_000_000)
}

/// The DER bytes of the first PEM block in `text` (the key file starts with a warning).
fn sec1_pem_der(text: &str) -> Option<Vec<u8>> {
    let start = text.find("-----BEGIN EC PRIVATE KEY-----")?;
    let body: String = text[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    STANDARD.decode(body.trim()).ok()
}

/// `x` and `y` of the public key, base64url without padding, as a JWK carries them.
fn coordinates(key: &EcdsaKeyPair) -> (String, String) {
    // The uncompressed point: 0x04 || x (66 bytes) || y (66 bytes).
    let point = key.public_key().as_ref();
    (
        URL_SAFE_NO_PAD.encode(&point[1..67]),
        URL_SAFE_NO_PAD.encode(&point[67..133]),
    )
}
