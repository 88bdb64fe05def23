//! Every receiver function (`providers::Receiver`: the built-in providers and `generic`)
//! exists everywhere a function must, and nothing exists that is not in the registry:
//! its `functions/<name>` crate, its signed samples in `events/<name>/` with their
//! templates in `events/<name>/payloads/`, and its README section.

use std::collections::BTreeSet;

use brokerhooks::providers::Receiver;
use brokerhooks_testkit::local_secrets::repo_root;
use brokerhooks_testkit::replay::event_files;

fn json_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|ext| ext == "json"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn function_directories_are_exactly_the_registered_receivers() {
    let found: BTreeSet<String> = std::fs::read_dir(repo_root().join("functions"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let registered: BTreeSet<String> = Receiver::names().map(str::to_owned).collect();
    assert_eq!(found, registered);
}

#[test]
fn every_receiver_has_signed_samples_from_templates_and_a_readme_section() {
    let events = repo_root().join("events");
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    for receiver in Receiver::ALL {
        let name = receiver.name();
        let templates = json_files(&events.join(name).join("payloads"));
        assert!(templates > 0, "events/{name}/payloads/ has no templates");
        assert_eq!(
            event_files(&events, name).len(),
            templates,
            "events/{name}: one signed sample per template (make events)"
        );
        assert!(
            readme.contains(&format!("— `functions/{name}`")),
            "README: no provider section for functions/{name}"
        );
    }
}

/// The storm, the negative matrix and the benches iterate `BuiltIn::ALL`: each needs a
/// per-provider fixture (a signer per provider type, a field to vary per event). The only
/// receiver they leave out is `generic`, whose per-scheme negative matrix is in
/// `providers::generic`'s unit tests and `generic_emulator.rs`, and whose samples the
/// AWS-call counts and pinned ids (which iterate `Receiver::ALL`) cover.
#[test]
fn only_generic_is_left_to_its_own_per_scheme_tests() {
    use brokerhooks::providers::BuiltIn;
    let left_out: Vec<Receiver> = Receiver::ALL
        .into_iter()
        .filter(|receiver| !BuiltIn::ALL.map(Receiver::from).contains(receiver))
        .collect();
    assert_eq!(left_out, [Receiver::Generic]);
}
