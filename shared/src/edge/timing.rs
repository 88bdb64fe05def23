//! The function timeout is only known from the first invocation's deadline: checked
//! against the claim lease and the AWS budget once per process, with what is wrong logged.

use std::sync::Once;

use crate::config::PipelineSettings;
use crate::pipeline::deadline::{Deadline, timing_problems};

/// Logs (level error) each problem of this function's timing, once per process.
pub fn check_timing_once(provider: &str, deadline: Deadline, settings: &PipelineSettings) {
    static CHECKED: Once = Once::new();
    CHECKED.call_once(|| {
        for problem in timing_problems(
            deadline.remaining(),
            settings.claim_lease,
            settings.aws_retry,
        ) {
            tracing::error!(provider, problem, "function timeout misconfigured");
        }
    });
}
