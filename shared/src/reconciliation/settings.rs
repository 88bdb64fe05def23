//! A reconciler's settings, read once at cold start.

use std::time::Duration;

use crate::config::{
    ConfigError, ConfigSource, DEFAULT_CLAIM_LEASE_SECONDS, DEFAULT_DEDUPE_TTL_SECONDS,
};

/// How long after the exchange's last change a state is left to its postback.
pub const DEFAULT_GRACE_SECONDS: u64 = 120;
/// How many sessions a run reads at once.
pub const DEFAULT_SESSIONS_AT_ONCE: u64 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconcileSettings {
    /// `RECONCILE_GRACE_SECONDS`: a state younger than this is left to its postback,
    /// which may still be on its way.
    pub grace: Duration,
    /// `CLAIM_LEASE_SECONDS`: how long a run's claim on a state blocks other runs.
    pub claim_lease: Duration,
    /// `DEDUPE_TTL_SECONDS`: how long marks and checkpoints are kept.
    pub dedupe_ttl: Duration,
    /// `RECONCILE_SESSIONS_AT_ONCE`.
    pub sessions_at_once: usize,
}

impl ReconcileSettings {
    pub fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        let positive = |name: &'static str, default: u64| {
            let value = config.u64_or(name, default)?;
            if value == 0 {
                return Err(ConfigError::Invalid {
                    name,
                    reason: "must be positive".to_owned(),
                });
            }
            Ok(value)
        };
        Ok(ReconcileSettings {
            grace: Duration::from_secs(
                config.u64_or("RECONCILE_GRACE_SECONDS", DEFAULT_GRACE_SECONDS)?,
            ),
            claim_lease: Duration::from_secs(positive(
                "CLAIM_LEASE_SECONDS",
                DEFAULT_CLAIM_LEASE_SECONDS,
            )?),
            dedupe_ttl: Duration::from_secs(positive(
                "DEDUPE_TTL_SECONDS",
                DEFAULT_DEDUPE_TTL_SECONDS,
            )?),
            sessions_at_once: usize::try_from(positive(
                "RECONCILE_SESSIONS_AT_ONCE",
                DEFAULT_SESSIONS_AT_ONCE,
            )?)
            .unwrap_or(usize::MAX),
        })
    }
}
