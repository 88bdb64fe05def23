#!/usr/bin/env python3
"""Builds and runs, outside this workspace, the crate a team writes from the README: the
consumer section's Cargo.toml lines (`<checkout>` = this repository) and its Rust
examples, depending on brokerhooks-consumer and brokerhooks-models by path.

Twice: with the consumer's default features, and with the README's
`default-features = false` line (no idempotency). Each crate also pins serde_json to
another patch version than this repository's Cargo.lock (which seeds its lock, so
everything else resolves as here): that builds only because the library crates declare
semver ranges. Checks that each resolves that serde_json, that the crate without
idempotency compiles neither the AWS SDK nor its TLS stack (and refuses
`CONSUMER_TABLE`), that the README's outside-`run` example passes, and that its binary
outside Lambda stops with the README's error. Needs crates.io (the other serde_json).
Built in the workspace's target directory with its debug profile: what the crates share
with the workspace (the AWS SDK, the runtime) is not compiled again. Exit code 1 on any
failure.
"""

import os
import re
import shutil
import subprocess
import sys

import readme_blocks

ROOT = readme_blocks.ROOT
WORK = ROOT / ".local" / "consumer-as-dependency"
# The workspace's own target directory: what both builds share with it is compiled once.
TARGET = ROOT / "target"
# Another patch version of a dependency the consumer crates share with a team's crate.
OTHER_SERDE_JSON = "1.0.153"
NOT_WITHOUT_IDEMPOTENCY = [
    "aws-sdk-dynamodb",
    "aws-config",
    "aws-smithy-runtime",
    "hyper-rustls",
    "rustls",
    "aws-lc-rs",
    "aws-lc-sys",
]
OUTSIDE_LAMBDA = (
    "Error: not running in Lambda (AWS_LAMBDA_RUNTIME_API is not set): serve the consumer "
    "with `cargo lambda watch` (as `make dev` does) or call `BatchProcessor::process` yourself\n"
)

TABLE_WITHOUT_IDEMPOTENCY = (
    "Error: variable CONSUMER_TABLE is invalid: set, but brokerhooks-consumer was built "
    "without its `idempotency` feature\n"
)


def readme_parts() -> dict[str, str]:
    models = readme_blocks.section("### Rust: `brokerhooks-models`")
    consumer = readme_blocks.section("### Rust: batch processing with `brokerhooks-consumer`")
    idempotency = readme_blocks.section("### Idempotency on `id`")
    consumer_toml = readme_blocks.code_blocks(consumer, "toml")
    consumer_rust = readme_blocks.code_blocks(consumer, "rust")
    no_idempotency = [
        line
        for block in readme_blocks.code_blocks(idempotency, "toml")
        for line in block
        if line.startswith("brokerhooks-consumer = ")
    ]
    if len(consumer_toml) != 1 or len(consumer_rust) != 2 or len(no_idempotency) != 1:
        raise SystemExit(
            "README.md: expected one toml and two rust blocks in the consumer section and "
            "one brokerhooks-consumer line in the idempotency section"
        )
    return {
        "toml": "\n".join(consumer_toml[0]),
        "main": readme_blocks.rust_source(consumer_rust[0]),
        "outside_run": readme_blocks.rust_source(consumer_rust[1]),
        "models": readme_blocks.rust_source(readme_blocks.code_blocks(models, "rust")[0]),
        "no_idempotency": no_idempotency[0],
    }


def manifest(name: str, toml: str) -> str:
    toml = toml.replace("<checkout>", str(ROOT))
    pin = f'serde_json = "={OTHER_SERDE_JSON}"   # not Cargo.lock\'s: the ranges must allow it'
    if "[dependencies]\n" not in toml:
        raise SystemExit("README.md: the consumer's toml block has no [dependencies]")
    toml = toml.replace("[dependencies]\n", f"[dependencies]\n{pin}\n", 1)
    return f"""[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
rust-version = "1.94.1"
publish = false

# Its own workspace, not brokerhooks'.
[workspace]

{toml}

# The README's outside-`run` example is a program with its own main.
[[test]]
name = "outside_run"
path = "tests/outside_run.rs"
harness = false

# The workspace's debug profile, so the target directory's artifacts are reused.
[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false
"""


def write_crate(name: str, toml: str, parts: dict[str, str]):
    crate = WORK / name
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "tests").mkdir(exist_ok=True)
    (crate / "Cargo.toml").write_text(manifest(name, toml))
    (crate / "src" / "main.rs").write_text(parts["main"])
    (crate / "src" / "lib.rs").write_text(
        "//! The README's brokerhooks-models example.\n#![allow(dead_code)]\n\n" + parts["models"]
    )
    (crate / "tests" / "outside_run.rs").write_text(parts["outside_run"])
    # Seeded anew each run: the versions resolved are this repository's, except the pin.
    shutil.copy(ROOT / "Cargo.lock", crate / "Cargo.lock")
    return crate


def cargo(*args: str, crate, env=None) -> subprocess.CompletedProcess:
    command = ["cargo", *args, "--manifest-path", str(crate / "Cargo.toml")]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def check(name: str, toml: str, parts: dict[str, str], idempotency: bool) -> list[str]:
    crate = write_crate(name, toml, parts)
    failures = []
    target = ["--target-dir", str(TARGET)]
    tested = cargo("test", "--quiet", *target, crate=crate)
    if tested.returncode != 0:
        return [f"{name}: cargo test failed:\n{tested.stdout}{tested.stderr}"]
    serde_json = cargo("tree", "--quiet", "-i", "serde_json", "--depth", "0", crate=crate)
    if not serde_json.stdout.startswith(f"serde_json v{OTHER_SERDE_JSON}\n"):
        failures.append(f"{name}: serde_json is not {OTHER_SERDE_JSON}: {serde_json.stdout}{serde_json.stderr}")
    tree = cargo("tree", "--quiet", "-e", "normal", "--prefix", "none", crate=crate)
    packages = {line.split(" ")[0] for line in tree.stdout.splitlines() if line}
    present = [p for p in NOT_WITHOUT_IDEMPOTENCY if p in packages]
    if tree.returncode != 0:
        failures.append(f"{name}: cargo tree failed: {tree.stderr}")
    elif idempotency and "aws-sdk-dynamodb" not in packages:
        failures.append(f"{name}: the default features should bring the DynamoDB SDK")
    elif not idempotency and present:
        failures.append(f"{name}: compiled without idempotency, yet depends on {present}")
    binary = TARGET / "debug" / name
    outside = subprocess.run([str(binary)], env={}, capture_output=True, text=True, check=False)
    if (outside.returncode, outside.stderr) != (1, OUTSIDE_LAMBDA):
        failures.append(
            f"{name}: outside Lambda: exit code {outside.returncode}, stderr {outside.stderr!r}"
        )
    if not idempotency:
        # Inside Lambda (as far as `run` can tell before it calls the runtime API), a
        # table without the feature is refused, as the README says.
        lambda_env = {
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "CONSUMER_TABLE": "marks",
        }
        refused = subprocess.run([str(binary)], env=lambda_env, capture_output=True, text=True, check=False)
        if (refused.returncode, refused.stderr) != (1, TABLE_WITHOUT_IDEMPOTENCY):
            failures.append(
                f"{name}: CONSUMER_TABLE without the feature: exit code {refused.returncode}, "
                f"stderr {refused.stderr!r}"
            )
    return failures


def main() -> int:
    parts = readme_parts()
    without = re.sub(
        r"^brokerhooks-consumer = .*$", parts["no_idempotency"], parts["toml"], count=1, flags=re.M
    )
    if without == parts["toml"]:
        raise SystemExit("README.md: the consumer's toml block has no brokerhooks-consumer line")
    WORK.mkdir(parents=True, exist_ok=True)
    failures = []
    for name, toml, idempotency in [
        ("team-consumer", parts["toml"], True),
        ("team-consumer-without-idempotency", without, False),
    ]:
        print(f"building {name} outside the workspace (serde_json ={OTHER_SERDE_JSON})", flush=True)
        found = check(name, toml, parts, idempotency)
        failures += found
        print("\n".join(found) if found else f"ok    {name}")
    return 1 if failures else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
