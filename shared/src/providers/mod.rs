//! One folder per provider: its verifier, pure (the raw request in, verified events or a
//! refusal out), with its tests. The built-in providers' modules come from the one list
//! of providers (`brokerhooks_models::providers!`): each `providers::<name>` names its
//! verifier type `Verifier`. `generic` verifies the sources declared in configuration.
//!
//! [`names`] holds the built-in providers' names ([`BuiltIn`]); [`registry`] maps each to
//! its type and lists every receiver function ([`Receiver`]); [`verification`] and
//! [`json_body`] are what the verifiers share.

macro_rules! provider_modules {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        $(pub mod $name;)+
    };
}
brokerhooks_models::providers!(provider_modules);

pub mod generic;
pub mod json_body;
pub mod names;
pub mod registry;
pub mod verification;

pub use names::BuiltIn;
pub use registry::{ProviderVisitor, Receiver};
