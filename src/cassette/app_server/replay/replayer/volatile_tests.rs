//! Volatile values through the recorder and the replayer: recorded as `{{name}}`, matched by
//! pattern, the server's repetition of them rebound to the value sent at replay time.

use serde_json::{Value, json};

use crate::cassette::{
    Cassette, Divergence, DivergenceLocation, RecordOptions, Recorder, ReplayError, Replayer,
    VolatileRule,
};
use crate::transport::{Message, RequestId};

const THREAD: &str = "019a0000-aaaa-7000-8000-000000000001";

fn msg(value: Value) -> Message {
    Message::from_value(value).unwrap()
}

fn rules() -> Vec<VolatileRule> {
    vec![
        VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap(),
        VolatileRule::new("run_id", r"run-[0-9a-f]{8}").unwrap(),
    ]
}

/// The client's `thread/start` of one conversation in `ws`.
fn thread_start(ws: &str) -> Value {
    json!({"id": 1, "method": "thread/start", "params": {"cwd": ws, "developerInstructions": "Run run-0000abcd."}})
}

/// The client's `turn/start` on `thread`.
fn turn_start(thread: &str, prompt: &str) -> Value {
    json!({"id": 2, "method": "turn/start", "params": {"threadId": thread, "input": [{"type": "text", "text": prompt}]}})
}

/// A diff line of `divergence` that starts with `sign` and holds `text`.
fn diff_has(divergence: &Divergence, sign: char, text: &str) -> bool {
    divergence
        .diff
        .lines()
        .any(|line| line.starts_with(sign) && line.contains(text))
}

/// One recorded turn: the prompt names a date and a run id, the reply repeats the date whole
/// and split across two deltas.
fn recorded(volatile: Vec<VolatileRule>) -> Cassette {
    let ws = tempfile::tempdir().unwrap();
    let cwd = ws.path().display().to_string();
    let mut options = RecordOptions::new("/nonexistent/volatile.jsonl");
    options.volatile = volatile;
    let mut rec = Recorder::new(options);
    rec.client_message(&msg(thread_start(&cwd)));
    rec.server_message(&msg(json!({"id": 1, "result": {"thread": {"id": THREAD}}})));
    rec.client_message(&msg(turn_start(
        THREAD,
        "Today is 2025-03-04 (run run-1234abcd).",
    )));
    rec.server_message(&msg(json!({"id": 2, "result": {"turn": {"id": "t1"}}})));
    for delta in ["Noted: 2025-0", "3-04."] {
        rec.server_message(&msg(json!({"method": "item/agentMessage/delta", "params": {"threadId": THREAD, "turnId": "t1", "itemId": "m1", "delta": delta}})));
    }
    rec.server_message(&msg(json!({"method": "item/completed", "params": {"threadId": THREAD, "turnId": "t1", "item": {"id": "m1", "type": "agentMessage", "text": "Noted: 2025-03-04."}}})));
    rec.build("exit status: 0", &[]).unwrap()
}

/// Replays `cassette` with a conversation whose prompt says `prompt`; the server's text after the
/// turn, or the divergence.
fn replay(cassette: Cassette, prompt: &str) -> Result<Vec<String>, Box<Divergence>> {
    let ws = tempfile::tempdir().unwrap();
    let mut replayer = Replayer::new(cassette, None);
    let diverged = |err: ReplayError| err.into_inner().downcast::<Divergence>().unwrap();
    let start = thread_start(&ws.path().display().to_string());
    replayer.client_message(&msg(start)).map_err(diverged)?;
    let started = replayer.next_server_message().unwrap();
    let thread = started.outcome().unwrap().unwrap()["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    replayer
        .client_message(&msg(turn_start(&thread, prompt)))
        .map_err(diverged)?;
    let mut said = Vec::new();
    while let Some(message) = replayer.next_server_message() {
        said.push(message.params().to_string());
    }
    Ok(said)
}

#[test]
fn client_text_is_recorded_as_placeholders_and_the_server_repetition_too() {
    let text = recorded(rules()).to_text();
    assert!(
        text.contains("Today is {{date:1}} (run {{run_id:2}})."),
        "{text}"
    );
    assert!(text.contains("Run {{run_id:1}}."), "{text}");
    assert!(text.contains(r#""text":"Noted: {{date:1}}.""#), "{text}");
    assert!(
        text.contains(r#""delta":"Noted: {{date:1}}""#) && text.contains(r#""delta":".""#),
        "a value split across deltas: {text}"
    );
    assert!(
        !text.contains("2025-0") && !text.contains("1234abcd"),
        "{text}"
    );
    let header = text.lines().next().unwrap();
    assert!(
        header.contains(
            r#""volatile":[{"name":"date","pattern":"\\d{4}-\\d{2}-\\d{2}"},{"name":"run_id""#
        ),
        "{header}"
    );
}

#[test]
fn a_replay_with_other_values_matches_and_the_server_says_the_new_date() {
    let said = replay(recorded(rules()), "Today is 2031-12-30 (run run-ffff0000).").unwrap();
    let said = said.join("\n");
    assert!(said.contains("Noted: 2031-12-30."), "{said}");
    assert!(said.contains(r#""delta":"Noted: 2031-12-30""#), "{said}");
    assert!(!said.contains("2025") && !said.contains("{{date"), "{said}");
}

#[test]
fn a_value_that_does_not_fit_the_pattern_diverges_and_the_report_shows_the_placeholder() {
    let err = replay(recorded(rules()), "Today is 2031-12-30 (run run-XYZ).").unwrap_err();
    assert!(
        err.paths.iter().any(|p| p.contains("input")),
        "{:?}",
        err.paths
    );
    assert!(
        diff_has(&err, '-', "Today is {{date:1}} (run {{run_id:2}})."),
        "{err}"
    );
    assert!(
        diff_has(&err, '+', "Today is {{date:1}} (run run-XYZ)."),
        "{err}"
    );
}

#[test]
fn without_rules_another_date_diverges_and_the_report_names_the_text() {
    let err = replay(
        recorded(Vec::new()),
        "Today is 2031-12-30 (run run-1234abcd).",
    )
    .unwrap_err();
    assert!(diff_has(&err, '-', "Today is 2025-03-04 (run"), "{err}");
    assert!(diff_has(&err, '+', "Today is 2031-12-30 (run"), "{err}");
    assert_eq!(
        err.location,
        DivergenceLocation::Conversation {
            label: "c1".into(),
            turn: Some(0)
        },
        "{err}"
    );
}

/// A recording of one `x/echo` request whose text names two dates, the answer repeating both.
fn two_dates() -> Cassette {
    let mut options = RecordOptions::new("/nonexistent/two.jsonl");
    options.volatile = rules();
    let mut rec = Recorder::new(options);
    rec.client_message(&msg(
        json!({"id": 1, "method": "x/echo", "params": {"text": "from 2025-01-01 to 2025-01-02"}}),
    ));
    rec.server_message(&msg(
        json!({"id": 1, "result": {"said": "2025-01-01 until 2025-01-02"}}),
    ));
    rec.build("exit status: 0", &[]).unwrap()
}

/// What `replayer` answers to an `x/echo` of `text`.
fn echo(replayer: &mut Replayer, text: &str) -> Value {
    replayer
        .client_message(&msg(
            json!({"id": 7, "method": "x/echo", "params": {"text": text}}),
        ))
        .unwrap();
    let answer = replayer.next_server_message().unwrap();
    assert_eq!(answer.id(), Some(RequestId::Int(7)));
    answer.outcome().unwrap().unwrap()["said"].clone()
}

#[test]
fn each_value_of_one_name_binds_on_its_own() {
    let cassette = two_dates();
    let text = cassette.to_text();
    assert!(text.contains("from {{date:1}} to {{date:2}}"), "{text}");
    assert!(text.contains("{{date:1}} until {{date:2}}"), "{text}");
    let mut replayer = Replayer::new(cassette, None);
    let said = echo(&mut replayer, "from 2030-05-05 to 2030-05-06");
    assert_eq!(said, "2030-05-05 until 2030-05-06");
}

#[test]
fn a_cassette_recorded_before_the_numbering_replays_and_rebinds_the_first_value() {
    // What the recorder wrote before each value had a binding of its own: every match
    // `{{date}}`, and only the first value rebound in what the server said.
    let text = two_dates()
        .to_text()
        .replace("{{date:1}} to {{date:2}}", "{{date}} to {{date}}")
        .replace("{{date:1}} until {{date:2}}", "{{date}} until 2025-01-02");
    assert!(!text.contains("{{date:"), "{text}");
    let path = std::path::Path::new("/nonexistent/legacy.jsonl");
    let mut replayer = Replayer::parse(path, &text, None).unwrap();
    let said = echo(&mut replayer, "from 2030-05-05 to 2030-05-06");
    assert_eq!(said, "2030-05-05 until 2025-01-02");
}

/// A UUID as Codex and the Python SDK write them (the SDK's request ids are UUIDs too).
fn uuid(n: u32) -> String {
    format!("{n:08x}-1a2b-4c3d-8e9f-{n:012x}")
}

#[test]
fn a_uuid_rule_rebinds_the_run_ids_sent_not_the_thread_or_request_ids() {
    let rules = vec![
        VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap(),
        VolatileRule::new(
            "run_id",
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        )
        .unwrap(),
    ];
    let (thread, turn) = (uuid(0x100), uuid(0x200));
    let (a, b) = (uuid(0xa1), uuid(0xa2));
    let prompt = |date: &str, x: &str, y: &str| format!("Diary for {date} (runs {x}, {y}).");
    let ws = tempfile::tempdir().unwrap();
    let cwd = ws.path().display().to_string();
    let mut options = RecordOptions::new("/nonexistent/uuids.jsonl");
    options.volatile = rules;
    let mut rec = Recorder::new(options);
    rec.client_message(&msg(
        json!({"id": uuid(1), "method": "thread/start", "params": {"cwd": cwd}}),
    ));
    rec.server_message(&msg(
        json!({"id": uuid(1), "result": {"thread": {"id": thread}}}),
    ));
    rec.client_message(&msg(json!({"id": uuid(2), "method": "turn/start", "params": {"threadId": thread, "input": [{"type": "text", "text": prompt("2026-12-01", &a, &b)}]}})));
    rec.server_message(&msg(
        json!({"id": uuid(2), "result": {"turn": {"id": turn}}}),
    ));
    let reply = format!("Entry for 2026-12-01: runs {b} and {a} in thread {thread}.");
    rec.server_message(&msg(json!({"method": "item/completed", "params": {"threadId": thread, "turnId": turn, "item": {"id": uuid(0x300), "type": "agentMessage", "text": reply}}})));
    let cassette = rec.build("exit status: 0", &[]).unwrap();
    let text = cassette.to_text();
    assert!(
        text.contains("Diary for {{date:1}} (runs {{run_id:1}}, {{run_id:2}}).")
            && text.contains(
                "Entry for {{date:1}}: runs {{run_id:2}} and {{run_id:1}} in thread {{thread:1}}."
            ),
        "{text}"
    );

    let ws = tempfile::tempdir().unwrap();
    let mut replayer = Replayer::new(cassette, None);
    let start = json!({"id": uuid(11), "method": "thread/start", "params": {"cwd": ws.path().display().to_string()}});
    replayer.client_message(&msg(start)).unwrap();
    let started = replayer.next_server_message().unwrap();
    let thread = started.outcome().unwrap().unwrap()["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (c, d) = (uuid(0xc1), uuid(0xd1));
    let turn = json!({"id": uuid(12), "method": "turn/start", "params": {"threadId": thread, "input": [{"type": "text", "text": prompt("2027-03-15", &c, &d)}]}});
    replayer.client_message(&msg(turn)).unwrap();
    let mut said = Vec::new();
    while let Some(message) = replayer.next_server_message() {
        said.push(message.params().to_string());
    }
    let said = said.join("\n");
    let expected = format!("Entry for 2027-03-15: runs {d} and {c} in thread {thread}.");
    assert!(said.contains(&expected), "{said}");
}
