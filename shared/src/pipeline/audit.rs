//! What a delivery's one log line says of its events: each one's id, type and outcome
//! (and the stand-ins it was read with), never its content; and which secret of a
//! rotation list authenticated it. The edge writes it into the delivery's EMF line
//! ([`crate::edge::answer`]).

use serde::Serialize;

use super::envelope::EventDraft;

/// Events listed in one line at most: a line stays well under CloudWatch's 256 KB per
/// log event; the rest are counted in `events_omitted`.
pub const MAX_LISTED_EVENTS: usize = 500;

/// One event's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventAudit {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// `accepted`, `duplicate`, `in_progress` or `failed`.
    pub outcome: &'static str,
    /// The stand-ins it was enqueued with (the `fallback` attribute), when any.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub fallback: String,
}

/// A delivery's audit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    pub events: Vec<EventAudit>,
    /// Events beyond [`MAX_LISTED_EVENTS`].
    pub omitted: usize,
    /// The position of the secret that authenticated it (0: the first); logged when not 0,
    /// never the value.
    pub matched_secret: usize,
}

impl Audit {
    /// Records what became of `draft`.
    pub fn event(&mut self, draft: &EventDraft, outcome: &'static str) {
        if self.events.len() >= MAX_LISTED_EVENTS {
            self.omitted += 1;
            return;
        }
        self.events.push(EventAudit {
            id: draft.id.clone(),
            event_type: draft.event_type.clone(),
            outcome,
            fallback: if outcome == "accepted" {
                draft.fallback.to_string()
            } else {
                String::new()
            },
        });
    }

    /// The events as JSON text (a list of objects).
    pub fn events_json(&self) -> String {
        serde_json::to_string(&self.events).unwrap_or_else(|_| "[]".to_owned())
    }
}
