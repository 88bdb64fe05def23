//! The README's "Adding a provider" list, enforced: every entry of the provider registry
//! (`BuiltIn::ALL`) has its module in `shared/src/providers/`, its `functions/<name>`
//! crate wiring its provider type, its sample payloads and their signed events in
//! `events/<name>/`, its signer, its name in the consumers' models and its README
//! section; and nothing of the kind exists for a name the registry does not hold. (The
//! template's provider loop is checked against the registry by `infra_template.rs`.)

use std::collections::BTreeSet;
use std::path::Path;

use brokerhooks::Provider;
use brokerhooks::providers::{BuiltIn, ProviderVisitor, Receiver};
use brokerhooks_models::ProviderName;
use brokerhooks_testkit::local_secrets::repo_root;

/// What sits next to the providers' events without being a function's: the example
/// consumer's SQS event (`events/local.env` and `events/envelope-ids.json`, files, are
/// shared by all).
const EVENTS_NOT_OF_A_FUNCTION: [&str; 1] = ["consumer"];

/// Every receiver function: the built-in providers and those that are not
/// (`Receiver::Generic`, the configured sources; see `receivers.rs`).
fn function_names() -> BTreeSet<String> {
    Receiver::ALL
        .iter()
        .map(|receiver| receiver.name().to_owned())
        .collect()
}

fn registry_names() -> BTreeSet<String> {
    BuiltIn::names().map(str::to_owned).collect()
}

/// Names of the entries of `dir` (directories, or files with `extension` and their stem).
fn entries(dir: &Path, extension: Option<&str>) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| match extension {
            None => path
                .is_dir()
                .then(|| path.file_name()?.to_str().map(str::to_owned))?,
            Some(ext) => {
                let stem = path.file_stem()?.to_str()?.to_owned();
                (path.extension()? == ext).then_some(stem)
            }
        })
        .collect()
}

/// The provider type's name without its path (`KiteProvider`).
struct TypeName;
impl ProviderVisitor for TypeName {
    type Output = &'static str;
    fn visit<P: Provider>(self) -> Self::Output {
        let full = std::any::type_name::<P>();
        full.rsplit("::").next().unwrap_or(full)
    }
}

#[test]
fn each_provider_module_is_in_the_registry() {
    // `generic/` verifies the configured sources, not one provider; `verification/` holds
    // what the verifiers share.
    let mut modules = entries(&repo_root().join("shared/src/providers"), None);
    assert!(modules.remove("generic"));
    assert!(modules.remove("verification"));
    assert_eq!(modules, registry_names());
}

#[test]
fn each_provider_has_a_function_crate_that_runs_its_type() {
    let functions = repo_root().join("functions");
    assert_eq!(entries(&functions, None), function_names());
    for provider in BuiltIn::ALL {
        let dir = functions.join(provider.name());
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"{}\"\n", provider.name())),
            "functions/{provider}/Cargo.toml names the package {provider}"
        );
        let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
        let run = format!("edge::run::<{}>()", provider.visit(TypeName));
        assert!(
            main.contains(&run),
            "functions/{provider}/src/main.rs: {run}"
        );
    }
}

#[test]
fn each_provider_has_payloads_each_with_its_signed_event() {
    let events = repo_root().join("events");
    let mut expected = function_names();
    expected.extend(EVENTS_NOT_OF_A_FUNCTION.map(str::to_owned));
    assert_eq!(entries(&events, None), expected);
    for provider in BuiltIn::ALL {
        let dir = events.join(provider.name());
        let payloads = entries(&dir.join("payloads"), Some("json"));
        assert!(!payloads.is_empty(), "events/{provider}/payloads/ is empty");
        // `make events` writes one signed event per payload and nothing else.
        assert_eq!(entries(&dir, Some("json")), payloads, "events/{provider}/");
    }
}

#[test]
fn the_consumers_models_know_the_same_providers_in_the_same_order() {
    // `brokerhooks-models` cannot depend on the receiver: its list is checked here.
    let models: Vec<&str> = ProviderName::ALL.map(ProviderName::as_str).to_vec();
    assert_eq!(models, BuiltIn::names().collect::<Vec<_>>());
}

#[test]
fn each_provider_has_a_signer_module() {
    // `signers::sign` matches on every `BuiltIn` (a provider without one does not
    // compile); its module is named after the provider. The generic function's signer
    // (`signers/generic.rs`) signs each configured source's scheme.
    let signers = repo_root().join("tests/src/signers");
    let mut modules = entries(&signers, Some("rs"));
    assert!(modules.remove("mod"));
    assert_eq!(modules, function_names());
}

#[test]
fn each_provider_has_a_readme_section_and_only_they_do() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let sections: BTreeSet<String> = readme
        .lines()
        .filter(|line| line.starts_with("### "))
        .filter_map(|line| line.strip_suffix('`')?.rsplit_once("`functions/"))
        .map(|(_, name)| name.to_owned())
        .collect();
    assert_eq!(sections, function_names());
}

#[test]
fn the_readme_says_what_adding_a_provider_takes() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = readme
        .split("\n### Adding a provider\n")
        .nth(1)
        .expect("README has an \"Adding a provider\" section")
        .split("\n#")
        .next()
        .unwrap();
    for step in [
        "shared/src/providers/<name>/",
        "BuiltIn",
        "functions/<name>/",
        "tests/src/signers/<name>.rs",
        "events/<name>/payloads/",
        "make events",
        "`functions/<name>`",
        "infra/template.yaml",
    ] {
        assert!(section.contains(step), "Adding a provider: {step}");
    }
}
