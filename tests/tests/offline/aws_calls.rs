//! AWS calls per event, counted by the in-memory fakes (each store call is one DynamoDB
//! request, each queue request one SQS request): at most 3 for a new event, exactly 1
//! for a duplicate, for every receiver's samples (configured sources' included);
//! smallcase adds one per delivery, the conditional write that binds its checksum to one
//! kind of message (README, Idempotency); Kite one per new event that reports a state its
//! order book can prove (the state mark the reconciler reads, README, "Missed postbacks").

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
            let marks = first.state_marks;
            let new_calls = first.store_calls + first.queue_requests - marks;
            let duplicate_calls = second.store_calls + second.queue_requests - new_calls - marks;
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
                "{} {}: {events} events, {} calls new ({marks} state marks), {duplicate_calls} duplicate",
                provider.name(),
                file.file_name().unwrap().to_string_lossy(),
                new_calls + marks
            ));
        }
    }
    // Exact figures for the two shapes: a single event, and Upvest's 10-event batch.
    assert!(
        report.iter().any(|r| r
            .starts_with("kite 01-open.json: 1 events, 3 calls new (0 state marks), 1 duplicate")),
        "{report:#?}"
    );
    assert!(
        report.iter().any(|r| r.contains(
            "upvest 03-orders-and-executions.json: 10 events, 21 calls new (0 state marks), 10 duplicate"
        )),
        "{report:#?}"
    );
    // A completed order's postback marks its state: one write more.
    assert!(
        report.iter().any(|r| r.starts_with(
            "kite 03-complete.json: 1 events, 4 calls new (1 state marks), 1 duplicate"
        )),
        "{report:#?}"
    );
    assert!(
        report.iter().any(|r| r.starts_with(
            "smallcase 01-order-placed.json: 1 events, 4 calls new (0 state marks), 2 duplicate"
        )),
        "{report:#?}"
    );
}
