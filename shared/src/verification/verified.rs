use super::signature_binding::SignatureBinding;

/// A value that passed a provider's authentication check.
///
/// Only code in this crate (the verifiers) can create one, and the pipeline only
/// enqueues events wrapped in one: an unverified body cannot reach the queue.
#[derive(Debug)]
pub struct Verified<T> {
    value: T,
    matched_secret: usize,
    binding: Option<SignatureBinding>,
}

impl<T> Verified<T> {
    /// `matched_secret` is the position (not the value) of the secret or key that matched.
    pub(crate) fn new(value: T, matched_secret: usize) -> Self {
        Verified {
            value,
            matched_secret,
            binding: None,
        }
    }

    /// Asks the pipeline to bind the signed text to this reading of it before anything is
    /// claimed (see [`SignatureBinding`]).
    #[must_use]
    pub(crate) fn with_binding(mut self, binding: SignatureBinding) -> Self {
        self.binding = Some(binding);
        self
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    /// Position in the configured rotation list of the secret that matched.
    pub fn matched_secret(&self) -> usize {
        self.matched_secret
    }

    /// The signature binding the pipeline must record first, if the verifier asked for one.
    pub fn binding(&self) -> Option<&SignatureBinding> {
        self.binding.as_ref()
    }

    pub fn into_value(self) -> T {
        self.value
    }

    /// The value and the binding.
    pub fn into_parts(self) -> (T, Option<SignatureBinding>) {
        (self.value, self.binding)
    }
}
