//! Whether the local stack that `make test` starts (emulator, `cargo lambda watch`) is
//! there. Plain `cargo test` has no stack: each test that needs it is skipped with one
//! line on stderr. `make test` sets `BROKERHOOKS_REQUIRE_STACK=1`, and there a missing
//! stack fails the test instead, so a broken start cannot pass as a run of skips.

use std::io::Write;

/// Set to `1` by `make test` (scripts/test.sh): a skip is a failure.
pub const REQUIRE_STACK_VARIABLE: &str = "BROKERHOOKS_REQUIRE_STACK";

/// Whether skips are failures in this run.
pub fn stack_required() -> bool {
    std::env::var(REQUIRE_STACK_VARIABLE).is_ok_and(|value| value == "1")
}

/// The value of `name`, one of the variables `make test` exports for its stack.
///
/// Unset: `None` after a one-line skip message, or a panic when the stack is required.
pub fn stack_variable(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) => Some(value),
        Err(_) => {
            skip_or_fail(&format!("{name} is not set"));
            None
        }
    }
}

/// Skips (one line, written past the test harness's capture so it shows) or, when the
/// stack is required, fails the calling test.
pub fn skip_or_fail(reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a stack test");
    if stack_required() {
        panic!("{test}: {reason}, and {REQUIRE_STACK_VARIABLE}=1 makes a missing stack a failure");
    }
    // `eprintln!` would be captured (and hidden) for a passing test; one write keeps the
    // line whole among the harness's own.
    let _ = std::io::stderr()
        .lock()
        .write_all(skip_line(test, reason).as_bytes());
}

fn skip_line(test: &str, reason: &str) -> String {
    format!("skipped {test}: needs the local stack ({reason}); run `make test`\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_that_is_set_is_returned() {
        // PATH is set in every environment the tests run in.
        assert_eq!(stack_variable("PATH"), std::env::var("PATH").ok());
    }

    #[test]
    fn the_skip_line_names_the_test_and_what_to_run() {
        assert_eq!(
            skip_line(
                "kite_http::kite_over_http",
                "BROKERHOOKS_WATCH_URL is not set"
            ),
            "skipped kite_http::kite_over_http: needs the local stack \
             (BROKERHOOKS_WATCH_URL is not set); run `make test`\n"
        );
    }
}
