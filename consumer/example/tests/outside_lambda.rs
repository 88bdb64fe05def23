//! `cargo run` of the example consumer outside Lambda: a clear error and exit code 1, not
//! `lambda_runtime`'s panic on `AWS_LAMBDA_FUNCTION_NAME`.

use std::process::Command;

#[test]
fn outside_lambda_the_consumer_stops_with_a_message_instead_of_a_panic() {
    let output = Command::new(env!("CARGO_BIN_EXE_example-consumer"))
        .env_clear()
        .output()
        .expect("the example consumer runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(
        stderr,
        "Error: not running in Lambda (AWS_LAMBDA_RUNTIME_API is not set): serve the consumer \
         with `cargo lambda watch` (as `make dev` does) or call `BatchProcessor::process` \
         yourself\n"
    );
    // The same reason as one JSON log line on stdout.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .collect();
    let [line] = lines.as_slice() else {
        panic!("one log line expected: {stdout}");
    };
    let mut line = line.clone();
    assert!(line["timestamp"].is_string(), "{line}");
    line.as_object_mut()
        .map(|fields| fields.remove("timestamp"));
    assert_eq!(
        line,
        serde_json::json!({
            "level": "ERROR",
            "message": "refusing to start: not in Lambda",
            "error": "not running in Lambda (AWS_LAMBDA_RUNTIME_API is not set): serve the \
                      consumer with `cargo lambda watch` (as `make dev` does) or call \
                      `BatchProcessor::process` yourself",
        })
    );
}
