//! brokerhooks-consumer: the consumer kit for the brokerhooks events queue. SQS batch
//! processing with partial batch failures (`ReportBatchItemFailures`), FIFO order per
//! message group, and optional idempotency on the envelope `id` in DynamoDB.
//!
//! A team writes one handler over a [`Record`]: the typed
//! [`Envelope`](brokerhooks_models::Envelope) (a record dereferences to it) plus the
//! message's SQS context; [`run`] does the rest:
//!
//! ```no_run
//! use brokerhooks_consumer::{Handled, Record};
//! use brokerhooks_models::{PayloadError, TypedEvent};
//!
//! async fn handle(record: &Record) -> Result<Handled, PayloadError> {
//!     match record.typed()? {
//!         TypedEvent::Kite(postback) => { /* postback.status, postback.average_price … */ }
//!         TypedEvent::UnknownType { .. }
//!         | TypedEvent::Unparsed { .. }
//!         | TypedEvent::UnknownProvider { .. } => return Ok(Handled::FollowUp),
//!         _ => {}
//!     }
//!     Ok(Handled::Done)
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), brokerhooks_consumer::Error> {
//!     brokerhooks_consumer::run(handle).await
//! }
//! ```
//!
//! - [`batch`]: [`BatchProcessor`], the batch rules, [`BatchReport`].
//! - [`handler`]: [`EventHandler`] (any `async fn(&Record) -> Result<Handled, E>`);
//!   [`record`]: [`Record`].
//! - [`idempotency`]: claim / complete / release on DynamoDB (`DynamoDbClaims`, feature
//!   `idempotency`, on by default) or in memory ([`MemoryClaims`], for tests).
//! - [`function`]: [`run`], the Lambda main; [`settings`]: its variables.
//!
//! The SQS types ([`SqsEvent`], [`SqsBatchResponse`], [`SqsMessage`]) and
//! [`OffsetDateTime`] (the `deadline` of [`BatchProcessor::process`]) are re-exported:
//! use these, and a crate of your own with another `aws_lambda_events` version still
//! matches.

pub mod batch;
pub mod function;
pub mod handler;
pub mod idempotency;
pub mod metrics;
pub mod record;
pub mod settings;

pub use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
pub use batch::{BatchProcessor, BatchReport, RecordOutcome, RecordReport};
pub use function::{OutsideLambda, run};
pub use handler::{EventHandler, Handled};
#[cfg(feature = "idempotency")]
pub use idempotency::DynamoDbClaims;
pub use idempotency::{ClaimStore, Idempotency, MemoryClaims, NoIdempotency};
pub use lambda_runtime::Error;
pub use record::Record;
pub use time::OffsetDateTime;

// The README's Rust examples, compiled by `cargo test --doc -p brokerhooks-consumer`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
