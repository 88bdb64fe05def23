//! Regenerates `events/<function>/*.json` (API Gateway v2 events) from the payload
//! templates in `events/<function>/payloads/*.json`, signed with the local secrets (`events/<function>/local.env`): a
//! built-in provider's by its signer, `generic`'s (each template names its configured
//! source) by that source's scheme. Run it after changing a payload or a local secret.
//!
//! Usage: `cargo run -p brokerhooks-testkit --bin sign-events [function…]`

use std::path::Path;
use std::process::ExitCode;

use brokerhooks::providers::Receiver;
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::providers;

fn main() -> ExitCode {
    let wanted: Vec<String> = std::env::args().skip(1).collect();
    let events = repo_root().join("events");
    let secrets = match LocalSecrets::load_dir(&events) {
        Ok(secrets) => secrets,
        Err(e) => {
            eprintln!("cannot read events/*/local.env: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    if let Some(unknown) = wanted.iter().find(|w| Receiver::from_name(w).is_none()) {
        eprintln!("{unknown}: not a receiver function");
        return ExitCode::FAILURE;
    }
    for provider in Receiver::ALL
        .into_iter()
        .filter(|p| wanted.is_empty() || wanted.iter().any(|w| w == p.name()))
    {
        match sign_provider(&events, provider, &secrets) {
            Ok(count) => println!("{}: {count} events written", provider.name()),
            Err(e) => {
                eprintln!("{}: {e}", provider.name());
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn sign_provider(
    events: &Path,
    provider: Receiver,
    secrets: &LocalSecrets,
) -> Result<usize, String> {
    let templates = events.join(provider.name()).join("payloads");
    let mut paths: Vec<_> = std::fs::read_dir(&templates)
        .map_err(|e| format!("{}: {e}", templates.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let payload: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let delivery = match provider {
            Receiver::BuiltIn(provider) => providers::sign(provider, &payload, secrets),
            Receiver::Generic => providers::generic::sign(&payload, secrets),
        }
        .map_err(|e| format!("{}: {e}", path.display()))?;
        // A template named `*-base64.json` becomes an event with a base64 body, the way API
        // Gateway delivers content types it does not treat as text.
        let base64 = path
            .file_stem()
            .is_some_and(|stem| stem.to_string_lossy().ends_with("-base64"));
        let event = delivery.to_event(base64);
        let name = path.file_name().ok_or("template without a file name")?;
        let out = events.join(provider.name()).join(name);
        let json = serde_json::to_string_pretty(&event).map_err(|e| e.to_string())?;
        std::fs::write(&out, json + "\n").map_err(|e| format!("{}: {e}", out.display()))?;
    }
    Ok(paths.len())
}
