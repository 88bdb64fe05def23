//! Signs deliveries the way Upvest's v6 signer does: `digest` of the body, covered
//! headers first, then `@method`, `@path`, `digest` and `@query`; parameters keyid,
//! created, nonce, expires (created + 60 s); ECDSA P-521/SHA-512 in ASN.1 DER.
//! Test and dev tooling only: the functions only verify.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p521::SecretKey;
use p521::ecdsa::signature::Signer;
use p521::ecdsa::{Signature, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use brokerhooks::providers::upvest::{VERIFY_KEYS_VARIABLE, digest_header, signature_base};
use brokerhooks::timestamps::parse_rfc3339;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::{LocalSecrets, repo_root};

/// The TEST-ONLY private key whose JWKS `events/local.env` configures.
pub const LOCAL_KEY_FILE: &str = "events/upvest/local-signing-key.pem";
/// How long a signature is valid, as in Upvest's signer.
pub const VALIDITY_SECONDS: i64 = 60;

/// A signing key and the `kid` it is published under.
#[derive(Clone)]
pub struct UpvestSigner {
    key: SigningKey,
    kid: String,
}

impl UpvestSigner {
    pub fn new(key: SigningKey, kid: impl Into<String>) -> Self {
        UpvestSigner {
            key,
            kid: kid.into(),
        }
    }

    /// The local test key; its `kid` is the JWK in `UPVEST_VERIFY_KEYS` with its public key.
    pub fn local(secrets: &LocalSecrets) -> Result<Self, String> {
        let path = repo_root().join(LOCAL_KEY_FILE);
        let pem = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // The file starts with a warning; the PEM block follows it.
        let block = pem
            .find("-----BEGIN")
            .map(|start| &pem[start..])
            .ok_or_else(|| format!("{LOCAL_KEY_FILE} holds no PEM block"))?;
        let secret = SecretKey::from_sec1_pem(block)
            .map_err(|_| format!("{LOCAL_KEY_FILE} is not a P-521 SEC1 key"))?;
        let key = SigningKey::from(&secret);
        let (x, y) = coordinates(&key);
        let jwks: Value = secrets
            .get(VERIFY_KEYS_VARIABLE)
            .and_then(|text| serde_json::from_str(text).ok())
            .ok_or_else(|| format!("{VERIFY_KEYS_VARIABLE} in events/local.env is not JSON"))?;
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

    /// Adds `digest` (for a non-empty body), `signature-input` and `signature`, covering
    /// every header of the delivery.
    pub fn sign(&self, mut delivery: Delivery, created: i64) -> Result<Delivery, String> {
        delivery.headers.retain(|(name, _)| {
            !matches!(name.as_str(), "digest" | "signature" | "signature-input")
        });
        let mut components: Vec<String> = delivery.headers.iter().map(|(n, _)| n.clone()).collect();
        components.extend(["@method".to_owned(), "@path".to_owned()]);
        if !delivery.body.is_empty() {
            let digest = digest_header(&delivery.body);
            delivery = delivery.with_header("digest", &digest);
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
        let signature: Signature = self.key.sign(base.as_bytes());
        let encoded = STANDARD.encode(signature.to_der().as_bytes());
        Ok(delivery
            .with_header("signature-input", &format!("sig1={params}"))
            .with_header("signature", &format!("sig1=:{encoded}:")))
    }
}

/// Signs a sample batch with the local key. `created` is one second after the newest
/// event, so re-signing gives the same headers (RFC 6979 signatures are deterministic).
pub fn sign(payload: &Value, secrets: &LocalSecrets) -> Result<Delivery, String> {
    let newest = payload["payload"]
        .as_array()
        .ok_or("upvest payload must be {\"payload\": [...]}")?
        .iter()
        .filter_map(|event| event["created_at"].as_str().and_then(parse_rfc3339))
        .map(|t| t.unix_timestamp())
        .max()
        .ok_or("upvest payload needs at least one event with created_at")?;
    UpvestSigner::local(secrets)?.sign_body(payload.to_string(), newest + 1)
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

fn coordinates(key: &SigningKey) -> (String, String) {
    let point = key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    (
        URL_SAFE_NO_PAD.encode(&bytes[1..67]),
        URL_SAFE_NO_PAD.encode(&bytes[67..133]),
    )
}
