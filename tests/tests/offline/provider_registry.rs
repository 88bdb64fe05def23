//! The README's "Adding a provider" list, enforced. A provider is one entry of the one
//! list (`brokerhooks_models::providers!`); the compiler then requires its modules
//! (`shared/src/providers/<name>/`, `models/src/<name>`, `tests/src/providers/<name>.rs`)
//! and this test the rest of its own files: its `functions/<name>` crate wiring its
//! provider type, its sample payloads and their signed events, its local test secrets
//! and pinned envelope ids in `events/<name>/`, and its README section; and nothing of
//! the kind exists for a name the list does not hold. (The template's rows and
//! parameters are checked against the list by `infra_template.rs`.)

use std::collections::BTreeSet;
use std::path::Path;

use brokerhooks::Provider;
use brokerhooks::providers::{BuiltIn, ProviderVisitor, Receiver};
use brokerhooks_models::ProviderName;
use brokerhooks_testkit::local_secrets::repo_root;

/// What sits next to the providers' events without being a function's: the example
/// consumer's SQS event (`events/<function>/local.env` and `events/envelope-ids.json`, files, are
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
fn each_function_has_its_own_local_secrets_and_pinned_ids_and_nothing_is_shared() {
    let events = repo_root().join("events");
    for name in function_names() {
        let dir = events.join(&name);
        assert!(dir.join("local.env").is_file(), "events/{name}/local.env");
        assert!(
            dir.join("pinned/envelope-ids.json").is_file(),
            "events/{name}/pinned/envelope-ids.json"
        );
    }
    // No file at the top of events/ that every provider would have to edit.
    assert_eq!(entries(&events, Some("json")), BTreeSet::new());
    assert_eq!(entries(&events, Some("env")), BTreeSet::new());
}

#[test]
fn the_consumers_models_know_the_same_providers_in_the_same_order() {
    // Both come from the one list; this holds the two crates' derivations together.
    let models: Vec<&str> = ProviderName::ALL.map(ProviderName::as_str).to_vec();
    assert_eq!(models, BuiltIn::names().collect::<Vec<_>>());
}

#[test]
fn each_provider_has_a_kit_module_and_each_models_module_and_nothing_else_does() {
    // The compiler requires each listed provider's modules; this keeps out modules of
    // providers that are not in the list.
    let kits = repo_root().join("tests/src/providers");
    let mut modules = entries(&kits, Some("rs"));
    assert!(modules.remove("mod"));
    assert_eq!(modules, function_names());
    let models = repo_root().join("models/src");
    let mut provider_modules = entries(&models, Some("rs"));
    provider_modules.extend(entries(&models, None));
    let shared_modules: BTreeSet<String> = [
        "envelope",
        "event_origin",
        "exact_decimal",
        "fallback",
        "lib",
        "payload_error",
        "provider_list",
        "provider_name",
        "raw_json",
        "schema",
        "typed_event",
    ]
    .map(str::to_owned)
    .into();
    let provider_modules: BTreeSet<String> = provider_modules
        .difference(&shared_modules)
        .cloned()
        .collect();
    assert_eq!(provider_modules, registry_names());
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

/// The README's "Adding a provider" names exactly the places this test and the compiler
/// hold a provider to.
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
        "models/src/provider_list.rs",
        "shared/src/providers/<name>/",
        "models/src/<name>",
        "tests/src/providers/<name>.rs",
        "functions/<name>/",
        "events/<name>/payloads/",
        "make events",
        "events/<name>/local.env",
        "events/<name>/pinned/envelope-ids.json",
        "`functions/<name>`",
        "infra/template.yaml",
    ] {
        assert!(section.contains(step), "Adding a provider: {step}");
    }
}
