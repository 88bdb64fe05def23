//! Source names: the `{source}` of `/webhooks/generic/{source}`, and the envelope's
//! `provider` for that source's events.

use crate::providers::BuiltIn;

/// Longest source name. It goes into the envelope, the claim key, FIFO group ids and
/// metric dimensions, so it stays short and plain.
pub const MAX_SOURCE_NAME_BYTES: usize = 64;

/// Checks a configured source name: 1 to 64 characters of `a-z`, `0-9` and `-`, and
/// not a receiver's name: a built-in provider's (whose events would then be
/// indistinguishable) or `generic` itself (the function's own name, under which its
/// unknown and invalid sources are counted; a source of that name would lose the
/// `function` dimension its format-drift alarm watches). The error is a fixed reason.
pub fn check_source_name(name: &str) -> Result<(), &'static str> {
    if !is_plain(name) {
        return Err("a source name must be 1 to 64 characters of a-z, 0-9 and -");
    }
    if BuiltIn::from_name(name).is_some() || name == super::NAME {
        return Err("a source may not take a receiver's name (a built-in provider or generic)");
    }
    Ok(())
}

fn is_plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_SOURCE_NAME_BYTES
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The source's place in the document, for error messages: `/sources/<name>`, or
/// `/sources/*` for a name that is not plain (it could be a misplaced secret).
pub(crate) fn source_path(name: &str) -> String {
    if is_plain(name) {
        format!("/sources/{name}")
    } else {
        "/sources/*".to_owned()
    }
}

/// The `{source}` segment of a request path `…/webhooks/generic/{source}` (any prefix,
/// such as an API Gateway stage, is allowed before it; one trailing `/` is ignored).
/// `None` for any other path. The segment is returned raw: a name that needs
/// percent-encoding is not a valid source name, so it will not be found.
pub fn source_in_path(path: &str) -> Option<&str> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let (route, source) = path.rsplit_once('/')?;
    (route.ends_with("/webhooks/generic") && !source.is_empty()).then_some(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_accepted() {
        assert_eq!(check_source_name("acme-orders"), Ok(()));
        assert_eq!(check_source_name("a"), Ok(()));
        assert_eq!(check_source_name("0x-1"), Ok(()));
        assert_eq!(check_source_name(&"a".repeat(64)), Ok(()));
    }

    #[test]
    fn other_names_are_refused() {
        let plain = Err("a source name must be 1 to 64 characters of a-z, 0-9 and -");
        for name in [
            "",
            "Acme",
            "acme_orders",
            "acme orders",
            "acme/x",
            "é",
            "acme.",
        ] {
            assert_eq!(check_source_name(name), plain, "{name:?}");
        }
        assert_eq!(check_source_name(&"a".repeat(65)), plain);
    }

    #[test]
    fn receiver_names_are_refused_from_the_providers_own_list() {
        const RESERVED: &str =
            "a source may not take a receiver's name (a built-in provider or generic)";
        for name in BuiltIn::names().chain([super::super::NAME]) {
            assert_eq!(check_source_name(name), Err(RESERVED), "{name}");
        }
        assert_eq!(check_source_name("generic"), Err(RESERVED));
        assert_eq!(check_source_name("kite-2"), Ok(()));
        assert_eq!(check_source_name("generic-2"), Ok(()));
    }

    #[test]
    fn only_plain_names_are_printed() {
        assert_eq!(source_path("acme-orders"), "/sources/acme-orders");
        assert_eq!(source_path("kite"), "/sources/kite");
        assert_eq!(source_path("Acme"), "/sources/*");
        assert_eq!(
            source_path("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            "/sources/*"
        );
        assert_eq!(source_path(""), "/sources/*");
    }

    #[test]
    fn the_source_is_the_last_segment_of_the_generic_route() {
        assert_eq!(source_in_path("/webhooks/generic/acme"), Some("acme"));
        assert_eq!(source_in_path("/webhooks/generic/acme/"), Some("acme"));
        assert_eq!(source_in_path("/prod/webhooks/generic/acme"), Some("acme"));
        assert_eq!(source_in_path("/webhooks/generic/"), None);
        assert_eq!(source_in_path("/webhooks/generic"), None);
        assert_eq!(source_in_path("/webhooks/generic/a/b"), None);
        assert_eq!(source_in_path("/webhooks/kite"), None);
        assert_eq!(source_in_path("/webhooks/xgeneric/acme"), None);
        assert_eq!(source_in_path(""), None);
    }
}
