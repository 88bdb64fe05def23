//! The tests that need the local stack `make test` starts: `*_emulator` against the
//! emulator (moto server) through the real AWS SDK, `*_http` against the functions served
//! by `cargo lambda watch`. One binary, so the workspace links one test executable for
//! them. Without the stack (plain `cargo test`) each one skips with a line saying to run
//! `make test`; under `make test` a missing stack fails (`brokerhooks_testkit::stack_presence`).

mod consumer_emulator;
mod consumer_http;
mod faults_emulator;
mod generic_acceptance_http;
mod generic_emulator;
mod generic_http;
mod kite_emulator;
mod kite_http;
mod kite_outage_emulator;
mod lambda_events_emulator;
mod lambda_events_http;
mod lease_emulator;
mod onemetric_emulator;
mod onemetric_http;
mod onemetric_logs;
mod reconciler_emulator;
mod smallcase_emulator;
mod smallcase_http;
mod snaptrade_emulator;
mod snaptrade_http;
mod sqs_characters_emulator;
mod storm_http;
mod upvest_emulator;
mod upvest_http;
