//! Threads named across conversations (`{{conv_thread:N}}`) through the recorder and the
//! replayer: a `thread/loaded/list` answer, which belongs to no conversation, says the threads
//! this replay bound, and a fresh id of its own for a conversation not started yet.

use serde_json::{Value, json};

use crate::cassette::{Cassette, RecordOptions, Recorder, Replayer};
use crate::transport::Message;

const A: &str = "019a0000-aaaa-7000-8000-00000000000a";
const B: &str = "019a0000-bbbb-7000-8000-00000000000b";

fn msg(value: Value) -> Message {
    Message::from_value(value).unwrap()
}

fn start(id: i64, cwd: &str, who: &str) -> Value {
    json!({"id": id, "method": "thread/start", "params": {"cwd": cwd, "developerInstructions": who}})
}

fn poll(id: i64) -> Value {
    json!({"id": id, "method": "thread/loaded/list", "params": {}})
}

/// A starts, one poll lists it; B starts, two polls list both.
fn recorded() -> Cassette {
    let (wa, wb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut rec = Recorder::new(RecordOptions::new("/nonexistent/threads.jsonl"));
    rec.client_message(&msg(start(1, &wa.path().display().to_string(), "a")));
    rec.server_message(&msg(json!({"id": 1, "result": {"thread": {"id": A}}})));
    rec.client_message(&msg(poll(2)));
    rec.server_message(&msg(
        json!({"id": 2, "result": {"data": [A], "nextCursor": null}}),
    ));
    rec.client_message(&msg(start(3, &wb.path().display().to_string(), "b")));
    rec.server_message(&msg(json!({"id": 3, "result": {"thread": {"id": B}}})));
    for id in [4, 5] {
        rec.client_message(&msg(poll(id)));
        rec.server_message(&msg(
            json!({"id": id, "result": {"data": [A, B], "nextCursor": null}}),
        ));
    }
    rec.build("exit status: 0", &[]).unwrap()
}

/// Sends `body`; the `data` of the answer, or the started thread's id.
fn send(replayer: &mut Replayer, body: Value) -> Value {
    replayer.client_message(&msg(body)).unwrap();
    let answer = replayer.next_server_message().unwrap();
    let result = answer.outcome().unwrap().unwrap();
    result
        .pointer("/thread/id")
        .cloned()
        .unwrap_or_else(|| result["data"].clone())
}

#[test]
fn a_loaded_list_answer_names_each_thread_by_its_conversation() {
    let text = recorded().to_text();
    assert!(!text.contains(A) && !text.contains(B), "{text}");
    let answers: Vec<&str> = text.lines().filter(|l| l.contains("\"data\"")).collect();
    assert_eq!(answers.len(), 3, "{text}");
    assert!(
        answers[0].contains(r#""data":["{{conv_thread:1}}"]"#),
        "{}",
        answers[0]
    );
    for answer in &answers[1..] {
        assert!(
            answer.contains(r#""data":["{{conv_thread:1}}","{{conv_thread:2}}"]"#),
            "{answer}"
        );
    }
}

#[test]
fn a_replayed_loaded_list_says_this_replays_threads_and_a_fresh_one_for_a_conversation_not_started()
{
    let (wa, wb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut replayer = Replayer::new(recorded(), None);
    let a = send(
        &mut replayer,
        start(7, &wa.path().display().to_string(), "a"),
    );
    assert!(a.is_string() && a != A, "a fresh thread id: {a}");
    assert_eq!(send(&mut replayer, poll(8)), json!([a]));
    // B has not started in this replay: the two answers that list it say one id of its own.
    let early = send(&mut replayer, poll(9));
    let not_started = early[1].clone();
    assert_eq!(early[0], a);
    assert!(not_started.is_string() && not_started != a && not_started != B);
    assert_eq!(send(&mut replayer, poll(10)), json!([a, not_started]));
    let b = send(
        &mut replayer,
        start(11, &wb.path().display().to_string(), "b"),
    );
    assert!(b != not_started && b != a, "B's own thread: {b}");
    replayer.finish().unwrap();
}

#[test]
fn a_cassette_recorded_with_raw_ids_replays_them_as_recorded() {
    let text = recorded()
        .to_text()
        .replace("{{conv_thread:1}}", A)
        .replace("{{conv_thread:2}}", B);
    let path = std::path::Path::new("/nonexistent/threads.jsonl");
    let mut replayer = Replayer::parse(path, &text, None).unwrap();
    let (wa, wb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    send(
        &mut replayer,
        start(1, &wa.path().display().to_string(), "a"),
    );
    assert_eq!(send(&mut replayer, poll(2)), json!([A]));
    send(
        &mut replayer,
        start(3, &wb.path().display().to_string(), "b"),
    );
    assert_eq!(send(&mut replayer, poll(4)), json!([A, B]));
}
