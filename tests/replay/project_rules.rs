//! A project's rules through the public API (no Codex needed): `[[redact]]` patterns keep a
//! custom key out of a cassette however a stream splits it, and the volatile-value and redaction
//! rules of `CassetteSettings` reach the recording (`RecordOptions::with_rules_of`) and the
//! replay (`ReplayTransport::for_settings`).

use std::path::Path;

use prompt_diary::cassette::{
    CassetteSettings, Divergence, RecordMode, RecordOptions, Recorder, ReplayTransport,
};
use prompt_diary::transport::{Message, Playback, Transport, TransportError};
use serde_json::{Value, json};

const THREAD: &str = "019a0000-bbbb-7000-8000-000000000002";

/// A key of the project's own kind, which no built-in rule knows.
fn acme_key() -> String {
    format!("acme_{}", "k3Yq".repeat(8))
}

fn msg(value: Value) -> Message {
    Message::from_value(value).unwrap()
}

fn settings(path: &Path) -> CassetteSettings {
    CassetteSettings::new(path, RecordMode::None)
        .with_volatile("date", r"\d{4}-\d{2}-\d{2}")
        .unwrap()
        .with_redact("acme-key", r"acme_[A-Za-z0-9]{32}")
        .unwrap()
}

fn turn_start(thread: &str, prompt: &str) -> Value {
    json!({"id": 2, "method": "turn/start", "params": {"threadId": thread, "input": [{"type": "text", "text": prompt}]}})
}

/// Records one turn into `path` with `options`: a prompt with a date and the key, a reply that
/// streams the key split across three deltas and repeats the date.
fn record(path: &Path, options: RecordOptions, ws: &Path) {
    let key = acme_key();
    let mut rec = Recorder::new(options);
    let cwd = ws.display().to_string();
    rec.client_message(&msg(
        json!({"id": 1, "method": "thread/start", "params": {"cwd": cwd}}),
    ));
    rec.server_message(&msg(json!({"id": 1, "result": {"thread": {"id": THREAD}}})));
    rec.client_message(&msg(turn_start(
        THREAD,
        &format!("On 2025-03-04 use {key}."),
    )));
    rec.server_message(&msg(json!({"id": 2, "result": {"turn": {"id": "t1"}}})));
    let reply = format!("Used {key} on 2025-03-04.");
    for delta in [&reply[..9], &reply[9..20], &reply[20..]] {
        rec.server_message(&msg(
            json!({"method": "item/agentMessage/delta", "params": {
            "threadId": THREAD, "turnId": "t1", "itemId": "m1", "delta": delta}}),
        ));
    }
    rec.server_message(&msg(
        json!({"method": "item/completed", "params": {"threadId": THREAD, "turnId": "t1",
        "item": {"id": "m1", "type": "agentMessage", "text": reply}}}),
    ));
    rec.finish("exit status: 0", &[]).unwrap();
    assert!(path.exists());
}

/// Every run of 8 characters of `secret` that `text` still holds.
fn fragments_of(secret: &str, text: &str) -> Vec<String> {
    secret
        .as_bytes()
        .windows(8)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .filter(|w| text.contains(w.as_str()))
        .collect()
}

#[test]
fn a_project_key_in_a_prompt_and_in_a_split_stream_never_reaches_the_cassette() {
    let dir = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let path = dir.path().join("acme.jsonl");
    record(
        &path,
        RecordOptions::new(&path).with_rules_of(&settings(&path)),
        ws.path(),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        fragments_of(&acme_key(), &text),
        Vec::<String>::new(),
        "{text}"
    );
    assert!(text.contains("use {{redacted}}."), "{text}");
    assert!(text.contains(r#""delta":"Used {{redacted}}""#), "{text}");
    let header: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let redactions = header["redactions"].as_array().unwrap();
    assert_eq!(redactions.last(), Some(&json!("acme-key")), "{header}");
    assert_eq!(
        header["volatile"],
        json!([{"name": "date", "pattern": r"\d{4}-\d{2}-\d{2}"}])
    );

    // Without the project's pattern nothing knows the key: the rule is what keeps it out.
    let bare = dir.path().join("bare.jsonl");
    record(&bare, RecordOptions::new(&bare), ws.path());
    let text = std::fs::read_to_string(&bare).unwrap();
    assert!(text.contains(&acme_key()), "{text}");
    assert!(!text.contains("\"volatile\""), "no rules, no field: {text}");
}

/// Replays `path` as `settings` say with a turn whose prompt is `prompt`; what the server said.
async fn replay(
    settings: &CassetteSettings,
    ws: &Path,
    prompt: &str,
) -> Result<String, TransportError> {
    let mut transport = ReplayTransport::for_settings(settings).unwrap();
    let cwd = ws.display().to_string();
    transport
        .send(msg(
            json!({"id": 1, "method": "thread/start", "params": {"cwd": cwd}}),
        ))
        .await?;
    let started = transport.ready().unwrap();
    let thread = started.outcome().unwrap().unwrap()["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    transport.send(msg(turn_start(&thread, prompt))).await?;
    let mut said = String::new();
    while let Some(message) = transport.ready() {
        said.push_str(&message.to_line());
    }
    transport.close().await?;
    Ok(said)
}

#[tokio::test]
async fn the_settings_rules_reach_the_replay_which_says_the_date_sent_now() {
    let dir = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let path = dir.path().join("dated.jsonl");
    let rules = settings(&path);
    record(
        &path,
        RecordOptions::new(&path).with_rules_of(&rules),
        ws.path(),
    );
    let key = acme_key();
    let said = replay(&rules, ws.path(), &format!("On 2031-12-30 use {key}."))
        .await
        .unwrap();
    assert!(said.contains("Used {{redacted}} on 2031-12-30."), "{said}");
    assert!(!said.contains("2025-03-04"), "{said}");

    // A divergence elsewhere shows the date as its placeholder, and the differing text as sent.
    let err = replay(
        &rules,
        ws.path(),
        &format!("On 2031-12-30 use {key} twice."),
    )
    .await
    .unwrap_err();
    let TransportError::Other(inner) = err else {
        panic!("not a divergence: {err:?}")
    };
    let divergence = inner.downcast::<Divergence>().unwrap();
    let has = |sign: char, text: &str| {
        divergence
            .diff
            .lines()
            .any(|l| l.starts_with(sign) && l.contains(text))
    };
    assert!(has('-', "On {{date:1}} use {{redacted}}."), "{divergence}");
    assert!(
        has('+', "On {{date:1}} use {{redacted}} twice."),
        "{divergence}"
    );
}
