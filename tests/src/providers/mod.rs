//! Each provider's test kit, one module per provider of the one list
//! (`brokerhooks_models::providers!`), and `generic` for configured sources: how the
//! provider signs a delivery, and the facts the table-driven tests and tools need of it
//! ([`ProviderKit`], each module's `KIT`; the kit's types are in [`crate::provider_kit`]). Test and dev tooling only: never linked into a
//! function.

use brokerhooks::providers::BuiltIn;
use serde_json::Value;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;
use crate::negative_matrix::WrongSecret;
pub use crate::provider_kit::{BenchCase, ProviderKit, TimestampKit};

macro_rules! provider_kits {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        $(pub mod $name;)+

        /// The kit of a built-in provider.
        pub fn kit(provider: BuiltIn) -> &'static ProviderKit {
            match provider {
                $(BuiltIn::$variant => &$name::KIT),+
            }
        }
    };
}
brokerhooks_models::providers!(provider_kits);

pub mod generic;

/// Signs `payload` as `provider` does, with the local secrets.
pub fn sign(
    provider: BuiltIn,
    payload: &Value,
    secrets: &LocalSecrets,
) -> Result<Delivery, String> {
    (kit(provider).sign)(payload, secrets)
}

/// `payload` as `provider` would sign it with a secret the function does not know.
pub fn signed_with_unknown_secret(
    provider: BuiltIn,
    payload: &Value,
    secrets: &LocalSecrets,
) -> Result<Delivery, String> {
    let kit = kit(provider);
    match kit.negative.wrong_secret {
        WrongSecret::Forged(forge) => forge(payload, secrets),
        WrongSecret::Variable(name) => signed_with_other_value(payload, secrets, name, kit.sign),
    }
}

/// `payload` signed by `sign` with secret variable `name` set to a value the function
/// does not know.
fn signed_with_other_value(
    payload: &Value,
    secrets: &LocalSecrets,
    name: &str,
    sign: fn(&Value, &LocalSecrets) -> Result<Delivery, String>,
) -> Result<Delivery, String> {
    let mut text: String = secrets
        .iter()
        .filter(|(k, _)| *k != name)
        .map(|(k, v)| format!("{k}='{v}'\n"))
        .collect();
    text.push_str(&format!("{name}=not-the-secret\n"));
    sign(payload, &LocalSecrets::parse(&text))
}
