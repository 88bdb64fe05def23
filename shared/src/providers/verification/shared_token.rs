//! Shared tokens: a secret we chose, presented as is (in a URL or a header) by a sender
//! that signs nothing (OneMetric, configured `url-token` sources).

use crate::config::secret_list::SecretList;
use crate::providers::verification::secret_equal;

/// Position of the configured token equal to `received`, if any.
///
/// Compared by digest ([`secret_equal`]): the time taken reveals neither the token's
/// length nor a matching prefix. Every configured token is compared, whichever matches.
pub fn matching_token(tokens: &SecretList, received: &str) -> Option<usize> {
    tokens.position_matching(|token| secret_equal(received.as_bytes(), token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_position_of_the_equal_token() {
        let tokens = SecretList::parse("old-token,new-token").unwrap();
        assert_eq!(matching_token(&tokens, "old-token"), Some(0));
        assert_eq!(matching_token(&tokens, "new-token"), Some(1));
        assert_eq!(matching_token(&tokens, "new-toke"), None);
        assert_eq!(matching_token(&tokens, "new-tokenx"), None);
        assert_eq!(matching_token(&tokens, ""), None);
    }
}
