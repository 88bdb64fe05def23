//! The answers tests expect, built the way the pipeline writes them.

use brokerhooks::Answer;

/// `200 {"accepted": A, "duplicates": D}`.
pub fn accepted(accepted: usize, duplicates: usize) -> Answer {
    Answer {
        status: 200,
        body: format!(r#"{{"accepted":{accepted},"duplicates":{duplicates}}}"#),
    }
}

/// `status {"error": reason}`.
pub fn refused(status: u16, reason: &str) -> Answer {
    Answer {
        status,
        body: serde_json::json!({ "error": reason }).to_string(),
    }
}
