/// A value that passed a provider's authentication check.
///
/// Only code in this crate (the verifiers) can create one, and the pipeline only
/// enqueues events wrapped in it: an unverified body cannot reach the queue.
#[derive(Debug)]
pub struct Verified<T> {
    value: T,
    matched_secret: usize,
}

impl<T> Verified<T> {
    /// `matched_secret` is the position (not the value) of the secret or key that matched.
    pub(crate) fn new(value: T, matched_secret: usize) -> Self {
        Verified {
            value,
            matched_secret,
        }
    }

    pub fn value(&self) -> &T {
        &self.value
    }

    /// Position in the configured rotation list of the secret that matched.
    pub fn matched_secret(&self) -> usize {
        self.matched_secret
    }

    pub fn into_value(self) -> T {
        self.value
    }
}
