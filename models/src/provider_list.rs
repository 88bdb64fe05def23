//! The one list of built-in providers. Everything that exists once per provider is
//! derived from it, in every crate: here the provider modules, [`crate::ProviderName`],
//! [`crate::TypedEvent`]'s variants and routing, and the JSON Schema files; in the
//! receiver its provider modules, `BuiltIn`, `Receiver` and the registry's `visit`; in
//! the testkit each provider's signer and fixtures; in the template test, the rows and
//! parameters the template must have.
//!
//! An entry is `Variant => name`: the Rust variant, and the provider's name (the envelope
//! `provider`, the `functions/<name>` crate, the `<name>` module of each crate, the
//! `/webhooks/<name>` route, the `events/<name>` samples). Adding a provider: README,
//! "Adding a provider".

/// Calls `$callback! { Variant => name, … }` with every built-in provider, in the order
/// every list of them follows (`BuiltIn::ALL`, the template's provider loop).
#[macro_export]
macro_rules! providers {
    ($callback:ident) => {
        $callback! {
            Kite => kite,
            Smallcase => smallcase,
            SnapTrade => snaptrade,
            Upvest => upvest,
            OneMetric => onemetric,
        }
    };
}
