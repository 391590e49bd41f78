//! Damaged or outdated cassettes: each kind of damage gets its own clear error.

use std::path::{Path, PathBuf};

use crate::fixtures;
use prompt_diary::cassette::RecordMode;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A copy of a committed cassette, changed by `edit`, replayed; returns the error text.
async fn replay_edited(name: &str, edit: impl FnOnce(String) -> String) -> String {
    let fixture = fixtures::find(Path::new(ROOT), name).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(&fixture.cassette_path).unwrap();
    std::fs::write(&copy, edit(text)).unwrap();
    match fixture.replay(Some(&copy)).await {
        Ok(outcome) => panic!("replay of the edited cassette succeeded: {outcome:?}"),
        Err(err) => err.to_string(),
    }
}

#[tokio::test]
async fn a_changed_prompt_is_a_divergence_with_paths_diff_and_command() {
    let err = replay_edited("tool_artifact", |t| {
        t.replace(
            "Write artifact.md with a title",
            "Write artifact.md with a heading",
        )
    })
    .await;
    assert!(err.contains("replay diverged from the cassette"), "{err}");
    assert!(err.contains("tool_artifact.jsonl:"), "{err}");
    assert!(err.contains("conversation c1, turn 0"), "{err}");
    assert!(err.contains("$.params.input[0].text"), "{err}");
    assert!(
        err.contains("-") && err.contains("with a heading") && err.contains("with a title"),
        "{err}"
    );
    assert!(
        err.contains("re-record with: cargo run -- record-fixtures"),
        "{err}"
    );
}

#[tokio::test]
async fn a_truncated_file_says_it_looks_truncated() {
    let err = replay_edited("single_turn", |t| t[..t.len() - 40].to_owned()).await;
    assert!(err.contains("single_turn.jsonl:"), "{err}");
    assert!(err.contains("looks truncated"), "{err}");
}

#[tokio::test]
async fn a_corrupted_line_names_its_line_number() {
    let err = replay_edited("single_turn", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        lines[4] = lines[4].replacen('{', "{{", 1);
        lines.join("\n") + "\n"
    })
    .await;
    assert!(
        err.contains("single_turn.jsonl:5: not a cassette entry"),
        "{err}"
    );
}

#[tokio::test]
async fn a_cassette_from_an_older_format_version_asks_for_a_re_record() {
    let err = replay_edited("single_turn", |t| {
        t.replacen("\"format\":1", "\"format\":0", 1)
    })
    .await;
    assert!(
        err.contains("has format version 0, but this prompt-diary reads version 1; re-record it"),
        "{err}"
    );
}

#[rstest::rstest]
#[case::newer_format(
    |t: String| t.replacen("\"format\":1", "\"format\":2", 1),
    "has format version 2, written by a newer prompt-diary; this one reads version 1: upgrade \
     prompt-diary to read format 2"
)]
#[case::format_as_a_string(
    |t: String| t.replacen("\"format\":1", "\"format\":\"1\"", 1),
    "single_turn.jsonl:1: the header's \"format\" is \"1\", not a number: it must be the number 1"
)]
#[case::no_format(
    |t: String| t.replacen("\"format\":1,", "", 1),
    "single_turn.jsonl:1: the header has no \"format\""
)]
#[case::byte_order_mark(
    |t: String| format!("\u{feff}{t}"),
    "single_turn.jsonl:1: the file starts with a UTF-8 byte order mark (BOM)"
)]
#[case::duplicate_header(
    |t: String| {
        let header = t.lines().next().unwrap().to_owned();
        t.replacen('\n', &format!("\n{header}\n"), 1)
    },
    "single_turn.jsonl:2: a second header: a cassette holds one session"
)]
#[tokio::test]
async fn a_damaged_header_says_what_is_wrong_and_what_to_do(
    #[case] edit: fn(String) -> String,
    #[case] expected: &str,
) {
    let err = replay_edited("single_turn", edit).await;
    assert!(err.contains(expected), "{err}");
}

#[tokio::test]
async fn a_missing_cassette_in_replay_mode_names_the_command_that_records_it() {
    let path = PathBuf::from(ROOT).join("cassettes/never_recorded.jsonl");
    let config =
        prompt_diary::codex::CodexBackendConfig::default().with_cassette(&path, RecordMode::None);
    let err = prompt_diary::codex::CodexBackend::start(config)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("no cassette at") && err.contains("never_recorded.jsonl"),
        "{err}"
    );
    assert!(
        err.contains("Record it first with: PROMPT_DIARY_RECORD_MODE=once cargo test"),
        "{err}"
    );
}

#[tokio::test]
async fn a_cassette_that_writes_outside_the_workspace_is_refused() {
    let err = replay_edited("tool_artifact", |t| {
        t.replace("\"path\":\"artifact.md\"", "\"path\":\"../escape.md\"")
    })
    .await;
    assert!(
        err.contains("refusing workspace effect on \"../escape.md\""),
        "{err}"
    );
}

/// Server lines are checked at load without being parsed into trees; the check must say what
/// the full parse says, for every way a `msg` can fail to be a JSON-RPC message.
#[test]
fn the_replay_loader_rejects_every_bad_message_as_the_full_parse_does() {
    use prompt_diary::cassette::Cassette;
    use prompt_diary::cassette::ReplayTransport;

    let header = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.163.0","schema_fingerprint":"unknown","recorded_at":"2026-01-01","redactions":[],"record_command":"just record-fixtures"}"#;
    let cases = [
        (r#"[1]"#, "expected a JSON object, got an array"),
        (r#"{"params":{}}"#, "neither `method` nor `id`"),
        (r#"{"method":7}"#, "`method` must be a string"),
        (r#"{"id":3}"#, "a response needs `result` or `error`"),
        (
            r#"{"id":null,"result":{}}"#,
            "`id` must be an integer or a string",
        ),
        (
            r#"{"id":1.5,"result":{}}"#,
            "`id` must be an integer or a string",
        ),
    ];
    let path = Path::new("cassettes/s.jsonl");
    for (msg, expected) in cases {
        for kind in ["c2s", "s2c"] {
            let text = format!(
                "{header}\n{{\"kind\":\"{kind}\",\"conv\":\"backend\",\"turn\":null,\"msg\":{msg}}}\n"
            );
            let full = Cassette::parse(path, &text).unwrap_err().to_string();
            let replay = match ReplayTransport::parse(path, &text, "just record-fixtures") {
                Ok(_) => panic!("{kind} {msg} loaded for replay"),
                Err(err) => err.to_string(),
            };
            assert_eq!(full, replay, "{kind} {msg}");
            assert!(
                replay.contains("cassettes/s.jsonl:2") && replay.contains(expected),
                "{kind} {msg}: {replay}"
            );
        }
    }
    // A response whose result is null is still a response.
    let ok = format!(
        "{header}\n{{\"kind\":\"s2c\",\"conv\":\"backend\",\"turn\":null,\"msg\":{{\"id\":\"{{{{req:1}}}}\",\"result\":null}}}}\n"
    );
    Cassette::parse(path, &ok).unwrap();
    assert!(ReplayTransport::parse(path, &ok, "-").is_ok());
}

/// A hand-edited server message that repeats a key after the ones that decide its kind loads,
/// and is refused with the same line-numbered error when it is due.
#[test]
fn a_repeated_key_in_a_server_message_is_refused_when_it_is_sent() {
    use prompt_diary::cassette::Replayer;
    use prompt_diary::transport::Message;

    let header = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.163.0","schema_fingerprint":"unknown","recorded_at":"2026-01-01","redactions":[],"record_command":"just record-fixtures"}"#;
    let text = format!(
        "{header}\n{}\n{}\n",
        r#"{"kind":"c2s","conv":"backend","turn":null,"msg":{"id":"{{req:1}}","method":"initialize","params":{}}}"#,
        r#"{"kind":"s2c","conv":"backend","turn":null,"msg":{"id":"{{req:1}}","result":{},"id":1.5}}"#,
    );
    let path = Path::new("cassettes/s.jsonl");
    let mut replayer = Replayer::parse(path, &text, None).expect("loads: the kind looks settled");
    let initialize =
        Message::from_value(serde_json::json!({"id": 0, "method": "initialize", "params": {}}))
            .unwrap();
    let err = replayer
        .client_message(&initialize)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cassettes/s.jsonl:3")
            && err.contains("`msg` is not a JSON-RPC message: `id` must be an integer or a string"),
        "{err}"
    );
}
