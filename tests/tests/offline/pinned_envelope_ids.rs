//! Event ids never change between versions: the envelope `id` of every event of every
//! signed sample in `events/<function>/*.json` (the built-in providers' and `generic`'s),
//! computed by the receiver pipeline (over the in-memory store and queue), must equal the
//! list pinned in `events/<function>/pinned/envelope-ids.json`.
//!
//! An id that changes makes every redelivery of an event received before the upgrade
//! look new, so it is enqueued a second time. New samples are appended to the list
//! (`BROKERHOOKS_PIN_NEW_SAMPLES=1` does it); existing entries are never edited.

use std::collections::BTreeMap;
use std::path::PathBuf;

use brokerhooks::providers::Receiver;
use brokerhooks_models::{Envelope, TypedEvent};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::memory_pipeline::enqueued;
use brokerhooks_testkit::replay::{event_files, read_event_file};

const PIN_NEW: &str = "BROKERHOOKS_PIN_NEW_SAMPLES";

/// A function's pinned ids: `events/<function>/pinned/envelope-ids.json`.
fn pinned_path(function: &str) -> PathBuf {
    repo_root()
        .join("events")
        .join(function)
        .join("pinned")
        .join("envelope-ids.json")
}

/// `"<function>/<file>"` → the ids of its events, in delivery order.
type Ids = BTreeMap<String, Vec<String>>;

/// Every function's pinned ids, keyed `<function>/<file>`.
fn read_pinned() -> Ids {
    let mut ids = Ids::new();
    for function in Receiver::names() {
        let path = pinned_path(function);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "{}".to_owned());
        let pinned: Ids = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: a JSON object of id arrays: {e}", path.display()));
        ids.extend(
            pinned
                .into_iter()
                .map(|(file, list)| (format!("{function}/{file}"), list)),
        );
    }
    ids
}

/// One sample per line, so appending an entry is a one-line diff; one file per function.
fn write_pinned(ids: &Ids) {
    let mut per_function: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (sample, ids) in ids {
        let (function, file) = sample.split_once('/').unwrap();
        per_function.entry(function).or_default().push(format!(
            "  {}: {}",
            serde_json::to_string(file).unwrap(),
            serde_json::to_string(ids).unwrap()
        ));
    }
    for (function, lines) in per_function {
        let path = pinned_path(function);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("{{\n{}\n}}\n", lines.join(",\n"))).unwrap();
    }
}

fn local_config() -> Vec<(String, String)> {
    LocalSecrets::load_default()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Every sample's envelopes, as the receiver enqueues them.
async fn sample_envelopes() -> BTreeMap<String, Vec<(Envelope, Option<String>)>> {
    let config = local_config();
    let mut all = BTreeMap::new();
    for provider in Receiver::ALL {
        for file in event_files(&repo_root().join("events"), provider.name()) {
            let sample = format!(
                "{}/{}",
                provider.name(),
                file.file_name().unwrap().to_string_lossy()
            );
            let request = read_event_file(&file).unwrap().to_request();
            let messages = enqueued(provider, &config, &[request]).await;
            assert!(!messages.is_empty(), "{sample}: nothing was enqueued");
            let envelopes = messages
                .into_iter()
                .map(|message| {
                    // The consumers' Envelope (seven keys, no more) reads every message.
                    let envelope: Envelope = serde_json::from_str(&message.body)
                        .unwrap_or_else(|e| panic!("{sample}: not an envelope: {e}"));
                    (envelope, message.fallback)
                })
                .collect();
            all.insert(sample, envelopes);
        }
    }
    all
}

#[tokio::test]
async fn envelope_ids_of_every_sample_are_pinned() {
    let computed: Ids = sample_envelopes()
        .await
        .into_iter()
        .map(|(sample, envelopes)| {
            let ids = envelopes.into_iter().map(|(e, _)| e.id).collect();
            (sample, ids)
        })
        .collect();
    let pinned = read_pinned();

    let changed: Vec<String> = computed
        .iter()
        .filter_map(|(sample, ids)| {
            let old = pinned.get(sample)?;
            (old != ids).then(|| format!("  {sample}: pinned {old:?}, now {ids:?}"))
        })
        .collect();
    let vanished: Vec<&String> = pinned
        .keys()
        .filter(|sample| !computed.contains_key(*sample))
        .collect();
    let new: Ids = computed
        .iter()
        .filter(|(sample, _)| !pinned.contains_key(*sample))
        .map(|(sample, ids)| (sample.clone(), ids.clone()))
        .collect();

    assert!(
        changed.is_empty(),
        "envelope ids changed:\n{}\nChanging an existing event id is a breaking change: every \
         redelivery of an event received before the upgrade would look new and be enqueued \
         again. Fix the receiver (canonical JSON, id derivation, serde_json features), never \
         the pinned lists in events/<function>/pinned/envelope-ids.json.",
        changed.join("\n")
    );
    assert!(
        vanished.is_empty(),
        "pinned samples no longer exist: {vanished:?}. Keep every sample listed in \
         events/<function>/pinned/envelope-ids.json: the lists pin their ids for good."
    );
    if new.is_empty() {
        return;
    }
    if std::env::var_os(PIN_NEW).is_some() {
        let mut merged = pinned;
        merged.extend(new);
        write_pinned(&merged);
        return;
    }
    let lines: Vec<String> = new
        .iter()
        .map(|(sample, ids)| {
            format!(
                "  {}: {}",
                serde_json::to_string(sample).unwrap(),
                serde_json::to_string(ids).unwrap()
            )
        })
        .collect();
    panic!(
        "samples without pinned envelope ids:\n{}\nIf these are new samples, add these lines \
         to events/<function>/pinned/envelope-ids.json (or run `{PIN_NEW}=1 cargo test -p brokerhooks-testkit \
         --test offline pinned_envelope_ids`, which appends and never edits an existing entry), and \
         commit the file.",
        lines.join("\n")
    );
}

/// The samples that existed when the consumer models were split from the receiver, by
/// number: `<provider>/<NN>-….json`.
fn is_baseline_sample(sample: &str) -> bool {
    let Some((provider, file)) = sample.split_once('/') else {
        return false;
    };
    let Some(number) = file.get(..2).and_then(|n| n.parse::<u32>().ok()) else {
        return false;
    };
    match provider {
        "kite" => (1..=5).contains(&number),
        "smallcase" | "onemetric" => (1..=10).contains(&number),
        "snaptrade" => (1..=17).contains(&number) || (21..=34).contains(&number),
        "upvest" => (1..=3).contains(&number),
        _ => false,
    }
}

/// The receiver's envelope types route to the consumer models: every sample that existed
/// when the models were split out reads as its provider's typed event. Samples added later
/// (format drift among them) must only not panic.
#[tokio::test]
async fn the_receivers_envelopes_read_as_typed_events() {
    let mut typed = 0;
    for (sample, envelopes) in sample_envelopes().await {
        for (envelope, fallback) in envelopes {
            let outcome = envelope.typed();
            if !is_baseline_sample(&sample) {
                continue;
            }
            assert_eq!(fallback, None, "{sample}");
            let event = outcome.unwrap_or_else(|e| panic!("{sample}: {e}"));
            let provider_variant = match &event {
                TypedEvent::Kite(_) => "kite",
                TypedEvent::Smallcase(_) => "smallcase",
                TypedEvent::SnapTrade(_) => "snaptrade",
                TypedEvent::Upvest(_) => "upvest",
                TypedEvent::OneMetric(_) => "onemetric",
                other => panic!("{sample}: {other:?}"),
            };
            assert_eq!(provider_variant, envelope.provider, "{sample}");
            typed += 1;
        }
    }
    // 5 Kite, 10 smallcase, 31 SnapTrade, 14 Upvest events, 10 OneMetric.
    assert_eq!(typed, 70);
}

/// serde_json's `arbitrary_precision` would change how canonical JSON prints numbers
/// (and so content ids); it must not be enabled anywhere in the workspace.
#[test]
fn serde_json_reads_numbers_as_f64() {
    let value: serde_json::Value = serde_json::from_str("[2.50, 1e2]").unwrap();
    assert_eq!(value.to_string(), "[2.5,100.0]");
}
