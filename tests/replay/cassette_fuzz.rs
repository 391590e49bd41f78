//! The cassette parser and the replayer under malformed input (proptest): wrong types, huge
//! numbers, unknown or missing fields, truncation, random bytes. Errors, never panics.

use std::path::Path;

use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::cassette::Cassette;
use prompt_diary::cassette::ReplayTransport;
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use proptest::prelude::*;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn committed(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(ROOT)
            .join("cassettes")
            .join(format!("{name}.jsonl")),
    )
    .unwrap()
}

/// Replays the one turn of `tool_artifact` with 2 s budgets (requests and the turn); any outcome
/// but a hang is fine.
async fn replay_one_turn(cassette: Cassette) {
    let transport = ReplayTransport::new(cassette, None);
    let config = CodexBackendConfig::default().with_request_timeout(Duration::from_secs(2));
    let Ok(backend) = CodexBackend::start_with_transport(config, transport).await else {
        return;
    };
    let workspace = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
    let _ = runner
        .turn(
            "Write artifact.md with a title and one line.",
            TurnOptions::with_timeout(Duration::from_secs(2)),
        )
        .await;
    let _ = backend.shutdown().await;
}

/// A value of a surprising shape.
fn odd_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(serde_json::from_str::<Value>("18446744073709551616").unwrap()),
        Just(json!("")),
        Just(json!("{{thread:99}}")),
        Just(json!("../../etc/passwd")),
        Just(json!([])),
        Just(json!({})),
        Just(json!([[[[[[[[[[[]]]]]]]]]]])),
        "[a-z{}:]{0,12}".prop_map(Value::from),
    ]
}

/// Replaces the value at a pseudo-random position in `value` (walking by `path`), or adds an
/// unknown field, or removes one.
fn mutate(node: &mut Value, path: &[usize], replacement: Value, action: u8) {
    if let Some((step, rest)) = path.split_first() {
        match node {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(step % map.len()).cloned().unwrap();
                return mutate(map.get_mut(&key).unwrap(), rest, replacement, action);
            }
            Value::Array(items) if !items.is_empty() => {
                let len = items.len();
                return mutate(&mut items[step % len], rest, replacement, action);
            }
            _ => {}
        }
    }
    match (node, action % 3) {
        (Value::Object(map), 1) => {
            map.insert("surprise".into(), replacement);
        }
        (Value::Object(map), 2) if !map.is_empty() => {
            let key = map.keys().next().cloned().unwrap();
            map.remove(&key);
        }
        (node, _) => *node = replacement,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics_the_parser(text in "\\PC{0,400}") {
        let _ = Cassette::parse(Path::new("fuzz.jsonl"), &text);
    }

    #[test]
    fn truncation_anywhere_is_an_error_not_a_panic(cut in 0usize..10_000) {
        let text = committed("tool_artifact");
        let mut cut = cut % text.len();
        while !text.is_char_boundary(cut) { cut -= 1; }
        // A cut at a line boundary (just before or after a newline) leaves whole lines, which
        // is a shorter cassette, not a damaged one.
        let at_line_boundary = text[..cut].ends_with('\n') || text[cut..].starts_with('\n');
        if cut < text.len() && !at_line_boundary {
            prop_assert!(Cassette::parse(Path::new("fuzz.jsonl"), &text[..cut]).is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_cassettes_parse_or_fail_and_replay_without_panicking(
        line in 0usize..64,
        path in proptest::collection::vec(0usize..16, 0..6),
        replacement in odd_value(),
        action in 0u8..3,
    ) {
        let text = committed("tool_artifact");
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let index = line % lines.len();
        let mut value: Value = serde_json::from_str(&lines[index]).unwrap();
        mutate(&mut value, &path, replacement, action);
        lines[index] = value.to_string();
        let mutated = lines.join("\n") + "\n";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tool_artifact.jsonl");
        std::fs::write(&file, &mutated).unwrap();
        if let Ok(cassette) = Cassette::parse(&file, &mutated) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            // The replay may succeed, diverge, fail or time out (a mutated `turn/completed` never
            // completes the turn); it must return within the turn's budget plus the grace.
            let outcome = runtime.block_on(async {
                tokio::time::timeout(Duration::from_secs(20), replay_one_turn(cassette)).await
            });
            prop_assert!(outcome.is_ok(), "the replay of a mutated cassette hung");
        }
    }
}
