//! One typed entry point: from an [`Envelope`] to the event its provider and type call for.
//!
//! The variants of the built-in providers, and the routing to their models, come from the
//! list of providers ([`crate::providers!`]): each provider's module (`crate::<name>`)
//! says what its variant holds (`Event`) and which types have a model (`route`).

use crate::envelope::Envelope;
use crate::fallback::UNPARSED_TYPE;
use crate::payload_error::{ModelMismatch, PayloadError};
use crate::provider_name::ProviderName;

macro_rules! typed_event {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        /// An envelope's payload, parsed into the model its provider and type call for.
        ///
        /// Every envelope lands in exactly one variant: types a provider adds later arrive
        /// as [`TypedEvent::UnknownType`] (never as an error), events whose type the
        /// receiver could not read as [`TypedEvent::Unparsed`], and providers this version
        /// does not know as [`TypedEvent::UnknownProvider`]. For these three the payload
        /// is not parsed; it is in the envelope. Only a payload that does not fit the model
        /// of a known type is an error ([`PayloadError`]): fail that record so it reaches
        /// the dead-letter queue, and redrive it once the model is fixed.
        ///
        /// Non-exhaustive: a later version may add a provider, so a `match` outside this
        /// crate ends with a `_` arm (handle such events as unknown providers are handled).
        #[allow(
            clippy::large_enum_variant,
            reason = "built once per record and matched on, rarely moved; unboxed variants keep patterns plain"
        )]
        #[non_exhaustive]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum TypedEvent {
            $(
                #[doc = concat!("A `", stringify!($name), "` event of a type its models know ([`crate::", stringify!($name), "::Event`]).")]
                $variant(crate::$name::Event),
            )+
            /// A known provider, a type this version has no model for (format drift or a
            /// new event type): handle it generically and update the models.
            UnknownType {
                provider: ProviderName,
                event_type: String,
            },
            /// The receiver could read no type (`type` is `UNPARSED`; the `fallback`
            /// attribute says which fields were stand-ins).
            Unparsed { provider: ProviderName },
            /// A provider name this version does not know (e.g. a source added to the
            /// stack later).
            UnknownProvider {
                provider: String,
                event_type: String,
            },
        }

        /// The provider's model for `event_type`: `None` when it has none.
        fn route(
            provider: ProviderName,
            event_type: &str,
            payload: &str,
        ) -> Option<Result<TypedEvent, ModelMismatch>> {
            match provider {
                $(ProviderName::$variant => crate::$name::route(event_type, payload)
                    .map(|parsed| parsed.map(TypedEvent::$variant)),)+
            }
        }
    };
}

crate::providers!(typed_event);

impl TypedEvent {
    /// Routes by `provider` then `type`, parsing the payload's original text (exact
    /// decimals).
    pub fn from_envelope(envelope: &Envelope) -> Result<Self, PayloadError> {
        let Some(provider) = ProviderName::from_name(&envelope.provider) else {
            return Ok(TypedEvent::UnknownProvider {
                provider: envelope.provider.clone(),
                event_type: envelope.event_type.clone(),
            });
        };
        if envelope.event_type == UNPARSED_TYPE {
            return Ok(TypedEvent::Unparsed { provider });
        }
        match route(provider, &envelope.event_type, envelope.payload.get()) {
            None => Ok(TypedEvent::UnknownType {
                provider,
                event_type: envelope.event_type.clone(),
            }),
            Some(parsed) => parsed
                .map_err(|mismatch| PayloadError::new(provider, &envelope.event_type, mismatch)),
        }
    }
}

impl Envelope {
    /// The payload as the typed event its provider and type call for; see [`TypedEvent`].
    pub fn typed(&self) -> Result<TypedEvent, PayloadError> {
        TypedEvent::from_envelope(self)
    }
}
