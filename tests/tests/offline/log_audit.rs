//! Run by the test command after every other test (`--ignored`): the functions' logs
//! (the receivers' and the example consumer's) from the whole run contain no secret, no
//! signature value and no e-mail address from the payloads.

use brokerhooks_testkit::local_secrets::repo_root;
use brokerhooks_testkit::log_audit::forbidden_from_events;

#[test]
#[ignore = "run by scripts/test.sh after the other tests, on their logs"]
fn logs_of_the_whole_run_leak_nothing() {
    let forbidden = forbidden_from_events(&repo_root().join("events"));
    assert!(
        forbidden.needles.len() > 10,
        "the audit knows what to look for: {}",
        forbidden.needles.len()
    );
    let files = [
        "BROKERHOOKS_WATCH_LOG",
        "BROKERHOOKS_CONSUMER_WATCH_LOG",
        "BROKERHOOKS_TEST_OUTPUT_LOG",
    ]
    .map(|name| {
        std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set: run the tests with `make test`"))
    });
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!text.is_empty(), "{file} is empty");
        let findings = forbidden.findings(&text);
        let labels: Vec<&str> = findings.iter().map(|(label, _)| label.as_str()).collect();
        assert!(findings.is_empty(), "{file} contains: {labels:?}");
    }
}
