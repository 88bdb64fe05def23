//! Our Upvest webhook subscriptions: which `webhook_id`s a delivery may carry.
//!
//! Upvest's signature covers neither the host nor the subscription, and its keys are the
//! same for every Upvest client. So another client can replay a delivery Upvest signed
//! for it to our endpoint within the signature's validity, with event ids that are new to
//! us. Each event names the subscription it was sent for (`webhook_id`), inside the
//! signed body: when our ids are configured, an event for another subscription refuses
//! the whole delivery.

use serde_json::Value;

use crate::config::{ConfigError, ConfigSource};

/// Comma-separated ids of our webhook subscriptions (`POST /webhooks` answers them).
pub const WEBHOOK_IDS_VARIABLE: &str = "UPVEST_WEBHOOK_IDS";

/// The subscriptions deliveries may be for; unconfigured, any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookSubscriptions {
    /// `None`: not configured, nothing is checked.
    ids: Option<Vec<String>>,
}

impl WebhookSubscriptions {
    /// Every subscription is accepted (the variable is unset).
    pub fn any() -> Self {
        WebhookSubscriptions { ids: None }
    }

    /// Only these subscription ids are accepted.
    pub fn only<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        WebhookSubscriptions {
            ids: Some(ids.into_iter().map(Into::into).collect()),
        }
    }

    /// Reads [`WEBHOOK_IDS_VARIABLE`]; unset or empty means [`Self::any`]. A list
    /// without a single id (`,`) is a mistake, not "any".
    pub fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        let Some(text) = config.get(WEBHOOK_IDS_VARIABLE) else {
            return Ok(WebhookSubscriptions::any());
        };
        let ids: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .collect();
        if ids.is_empty() {
            return Err(ConfigError::Invalid {
                name: WEBHOOK_IDS_VARIABLE,
                reason: "no webhook id in the list".to_owned(),
            });
        }
        Ok(WebhookSubscriptions::only(ids))
    }

    pub fn is_configured(&self) -> bool {
        self.ids.is_some()
    }

    /// Whether an event may be delivered here. An event without `webhook_id` (or with
    /// `null`, or one that is not an object, as an `UNPARSED` item may be) is not refused
    /// for that; any other value must be one of our ids.
    pub fn admits(&self, event: &Value) -> bool {
        let Some(ids) = &self.ids else {
            return true;
        };
        match event.get("webhook_id") {
            None | Some(Value::Null) => true,
            Some(Value::String(id)) => ids.iter().any(|ours| ours == id),
            Some(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn configuration() {
        let config = |value: &str| ConfigSource::from_pairs([(WEBHOOK_IDS_VARIABLE, value)]);
        assert_eq!(
            WebhookSubscriptions::from_config(&ConfigSource::default()),
            Ok(WebhookSubscriptions::any())
        );
        assert_eq!(
            WebhookSubscriptions::from_config(&config("  ")),
            Ok(WebhookSubscriptions::any())
        );
        assert_eq!(
            WebhookSubscriptions::from_config(&config(" w1 , w2,")),
            Ok(WebhookSubscriptions::only(["w1", "w2"]))
        );
        assert_eq!(
            WebhookSubscriptions::from_config(&config(" , ")),
            Err(ConfigError::Invalid {
                name: "UPVEST_WEBHOOK_IDS",
                reason: "no webhook id in the list".to_owned()
            })
        );
    }

    #[test]
    fn only_our_subscriptions_are_admitted() {
        let ours = WebhookSubscriptions::only(["w1", "w2"]);
        let cases = [
            (json!({"id": "e", "webhook_id": "w1"}), true),
            (json!({"id": "e", "webhook_id": "w2"}), true),
            (json!({"id": "e"}), true),
            (json!({"id": "e", "webhook_id": null}), true),
            (json!("not an object"), true),
            (json!([{"webhook_id": "other"}]), true),
            (json!({"id": "e", "webhook_id": "other"}), false),
            (json!({"id": "e", "webhook_id": "W1"}), false),
            (json!({"id": "e", "webhook_id": ""}), false),
            (json!({"id": "e", "webhook_id": 1}), false),
            (json!({"id": "e", "webhook_id": ["w1"]}), false),
        ];
        for (event, admitted) in cases {
            assert_eq!(ours.admits(&event), admitted, "{event}");
            assert!(WebhookSubscriptions::any().admits(&event), "{event}");
        }
    }
}
