use super::signed_reading::SignedReading;

/// What a provider's authentication proved: the delivery's events, which secret matched
/// (its position), and, for a signature that does not say what kind of message it
/// covers, the signed text and how it was read.
///
/// Only code in this crate (the verifiers) can create one, and the pipeline only
/// enqueues events wrapped in one: an unverified body cannot reach the queue.
#[derive(Debug)]
pub struct Verified<T> {
    value: T,
    matched_secret: usize,
    signed_reading: Option<SignedReading>,
}

impl<T> Verified<T> {
    /// `matched_secret` is the position (not the value) of the secret or key that matched.
    pub(crate) fn new(value: T, matched_secret: usize) -> Self {
        Verified {
            value,
            matched_secret,
            signed_reading: None,
        }
    }

    /// Adds what the signature proved when it does not say what kind of message it
    /// covers: the signed text and how this body read it ([`SignedReading`]; the
    /// pipeline's `bind` step records it before anything is claimed).
    #[must_use]
    pub(crate) fn with_signed_reading(mut self, reading: SignedReading) -> Self {
        self.signed_reading = Some(reading);
        self
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    /// Position in the configured rotation list of the secret that matched.
    pub fn matched_secret(&self) -> usize {
        self.matched_secret
    }

    /// The signed text and its reading, for a signature that does not say what kind of
    /// message it covers.
    pub fn signed_reading(&self) -> Option<&SignedReading> {
        self.signed_reading.as_ref()
    }

    pub fn into_value(self) -> T {
        self.value
    }

    /// The value and the signed reading.
    pub fn into_parts(self) -> (T, Option<SignedReading>) {
        (self.value, self.signed_reading)
    }
}
