//! Tests of configured sources: the schemes' known answers and negative matrices, the
//! configuration's outcomes, the envelope mapping, the pipeline seam, and no panics.

mod configuration;
mod envelope;
mod hmac;
mod pipeline_seam;
mod property;
mod standard_webhooks;
mod url_token;

use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::*;
use crate::pipeline::envelope::EventDraft;
use crate::pipeline::error::WebhookError;
use crate::pipeline::ports::provider::VerifyContext;
use crate::pipeline::request::WebhookRequest;
use crate::pipeline::{FreshnessPolicy, Verified};

/// The contract's default freshness (30 days) at `now`.
fn context_at(now: OffsetDateTime) -> VerifyContext {
    VerifyContext {
        now,
        freshness: FreshnessPolicy::new(Some(Duration::from_secs(30 * 86_400))),
    }
}

/// The one valid source of a document declaring only `name` with `entry`.
fn source(name: &str, entry: Value) -> Source {
    let document = json!({ "sources": { name: entry } }).to_string();
    let sources = Sources::parse(&document).expect("the document parses");
    assert!(sources.invalid().is_empty(), "{:?}", sources.invalid());
    sources.valid()[name].clone()
}

/// The reason an entry is refused (the document itself parses).
fn entry_error(entry: Value) -> String {
    let document = json!({ "sources": { "acme": entry } }).to_string();
    let sources = Sources::parse(&document).expect("the document parses");
    assert!(sources.valid().is_empty());
    sources.invalid()["acme"].to_string()
}

/// The one draft of an accepted delivery, with the matched secret's position.
fn accepted(result: Result<Verified<Vec<EventDraft>>, WebhookError>) -> (EventDraft, usize) {
    let verified = result.expect("accepted");
    let matched = verified.matched_secret();
    let mut drafts = verified.into_value();
    assert_eq!(drafts.len(), 1, "one delivery is one event");
    (drafts.remove(0), matched)
}

/// The refusal's status and reason.
fn refused(result: Result<Verified<Vec<EventDraft>>, WebhookError>) -> (u16, String) {
    let error = result.expect_err("refused");
    (error.status(), error.to_string())
}

fn unauthorized(reason: &str) -> (u16, String) {
    (401, reason.to_owned())
}
