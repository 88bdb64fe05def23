//! AWS calls per event, counted by the in-memory fakes (each store call is one DynamoDB
//! request, each queue request one SQS request): at most 3 for a new event, exactly 1
//! for a duplicate, for every receiver's samples (configured sources' included);
//! smallcase adds one per delivery, the conditional write that binds its checksum to one
//! kind of message (README, Idempotency).

use brokerhooks::providers::{BuiltIn, Receiver};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::memory_pipeline::handle_all;
use brokerhooks_testkit::replay::{event_files, read_event_file};

#[tokio::test]
async fn a_new_event_costs_at_most_three_calls_and_a_duplicate_one_plus_smallcases_binding() {
    let config: Vec<(String, String)> = LocalSecrets::load_default()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let mut report = Vec::new();
    for provider in Receiver::ALL {
        for file in event_files(&repo_root().join("events"), provider.name()) {
            let request = read_event_file(&file).unwrap().to_request();
            let handled = handle_all(provider, &config, &[request.clone(), request]).await;
            let (first, second) = (&handled[0], &handled[1]);
            let events = first.messages;
            assert!(events > 0, "{}: {}", file.display(), first.answer.body);
            let binding = usize::from(provider == Receiver::BuiltIn(BuiltIn::Smallcase));
            let new_calls = first.store_calls + first.queue_requests;
            let duplicate_calls = second.store_calls + second.queue_requests - new_calls;
            // A batch shares one SendMessageBatch among its events.
            assert!(
                new_calls <= 3 * events + binding,
                "{}: {new_calls} calls for {events} new events",
                file.display()
            );
            assert_eq!(
                duplicate_calls,
                events + binding,
                "{}: one claim per duplicate event (and the binding)",
                file.display()
            );
            assert_eq!(
                second.answer.body,
                format!(r#"{{"accepted":0,"duplicates":{events}}}"#)
            );
            report.push(format!(
                "{} {}: {events} events, {new_calls} calls new, {duplicate_calls} duplicate",
                provider.name(),
                file.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    // Exact figures for the two shapes: a single event, and Upvest's 10-event batch.
    assert!(
        report
            .iter()
            .any(|r| r.starts_with("kite 01-open.json: 1 events, 3 calls new, 1 duplicate")),
        "{report:#?}"
    );
    assert!(
        report.iter().any(|r| r.contains(
            "upvest 03-orders-and-executions.json: 10 events, 21 calls new, 10 duplicate"
        )),
        "{report:#?}"
    );
    assert!(
        report
            .iter()
            .any(|r| r
                .starts_with("smallcase 01-order-placed.json: 1 events, 4 calls new, 2 duplicate")),
        "{report:#?}"
    );
}
