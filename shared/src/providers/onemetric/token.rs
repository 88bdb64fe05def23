//! The shared token: OneMetric signs nothing, so the registered URL (or, per OneMetric's
//! second webhook document, a request header) carries a secret we chose.

use crate::pipeline::request::WebhookRequest;
use crate::config::secret_list::SecretList;
// Shared with configured `url-token` sources; re-exported where it always was.
pub use crate::providers::verification::matching_token;

/// The query parameter that carries the token.
pub const TOKEN_PARAMETER: &str = "token";
/// A header that carries the token as `Bearer <token>` or as the bare token.
pub const AUTHORIZATION_HEADER: &str = "authorization";
/// A header that carries the bare token.
pub const API_KEY_HEADER: &str = "x-api-key";

/// Every token the request presents, in this order: the `token` query parameter, the
/// `Authorization` header (the `Bearer` scheme is dropped, any case), the `X-API-Key`
/// header. Empty values are not presented.
pub fn presented_tokens(request: &WebhookRequest) -> Vec<String> {
    let authorization =
        request
            .header(AUTHORIZATION_HEADER)
            .map(|value| match value.split_once(' ') {
                Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                    token.trim_start().to_owned()
                }
                _ => value,
            });
    [
        request.query_param(TOKEN_PARAMETER),
        authorization,
        request.header(API_KEY_HEADER),
    ]
    .into_iter()
    .flatten()
    .filter(|token| !token.is_empty())
    .collect()
}

/// Position of the configured token that any presented token equals. Every presented
/// token is compared, so the time taken does not say which place carried the match.
pub fn matching_any(tokens: &SecretList, presented: &[String]) -> Option<usize> {
    presented
        .iter()
        .map(|received| matching_token(tokens, received))
        .fold(None, |found, next| found.or(next))
}
