//! Hardening: a recording whose traffic carries a credential is redacted, and one that still
//! looks secret after redaction is refused: nothing is written, not even a temp or `.new` file.

use prompt_diary::cassette::{RecordOptions, Recorder};
use prompt_diary::transport::Message;
use rstest::rstest;
use serde_json::{Value, json};

fn msg(value: Value) -> Message {
    Message::from_value(value).unwrap()
}

/// A recorder that has seen the handshake and one server request (id 0) on the connection.
fn recorder(path: &std::path::Path) -> Recorder {
    let mut rec = Recorder::new(RecordOptions::new(path));
    rec.client_message(&msg(json!({"id": 0, "method": "initialize", "params": {"clientInfo": {"name": "prompt-diary", "version": "0"}}})));
    rec.server_message(&msg(json!({"id": 0, "result": {"userAgent": "prompt-diary/0.163.0 (test)", "codexHome": "/tmp/home-x"}})));
    rec.client_message(&msg(json!({"method": "initialized"})));
    rec.server_message(&msg(
        json!({"id": 0, "method": "account/chatgptAuthTokens/refresh", "params": {}}),
    ));
    rec
}

const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

#[rstest]
#[case::openai_key_in_a_warning(true, json!({"method": "warning", "params": {"message": "using sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}}), "sk-proj-ABCDEFGHIJ")]
#[case::bearer_token_in_text(true, json!({"method": "warning", "params": {"message": "Authorization: Bearer abcdefghijk12345"}}), "abcdefghijk12345")]
#[case::jwt_in_command_output(true, json!({"method": "item/completed", "params": {"item": {"type": "commandExecution", "id": "c1", "aggregatedOutput": format!("token={JWT}\n")}}}), "eyJhbGciOiJSUzI1NiJ9")]
#[case::authorization_header_field(true, json!({"method": "warning", "params": {"headers": {"Authorization": "opaque-token-1"}}}), "opaque-token-1")]
#[case::api_key_field(true, json!({"method": "warning", "params": {"config": {"api_key": "plain-key-2"}}}), "plain-key-2")]
#[case::tokens_sent_by_the_client(false, json!({"id": 0, "result": {"accessToken": "opaque-access-3", "chatgptAccountId": "acct", "idToken": "opaque-id-4"}}), "opaque-")]
fn a_credential_in_the_traffic_is_redacted_before_anything_is_written(
    #[case] from_server: bool,
    #[case] message: Value,
    #[case] secret: &str,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.jsonl");
    let mut rec = recorder(&path);
    if from_server {
        rec.server_message(&msg(message));
    } else {
        rec.client_message(&msg(message));
    }
    rec.finish("exit status: 0", &[])
        .expect("the redacted recording is written");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(secret),
        "{secret} reached the cassette:\n{text}"
    );
    assert!(text.contains("{{redacted}}"), "{text}");
}

#[test]
fn a_line_that_still_looks_secret_stops_the_write_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.jsonl");
    let mut rec = recorder(&path);
    rec.server_message(&msg(
        json!({"method": "warning", "params": {"message": "env: OPENAI_API_KEY=opaque-5"}}),
    ));
    let err = rec.finish("exit status: 0", &[]).unwrap_err().to_string();
    assert!(
        err.contains("refusing to write")
            && err.contains("secret.jsonl")
            && err.contains("an authorization or API key field")
            && err.contains("Remove the secret"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing was written: {left:?}");
}

#[test]
fn ordinary_token_counts_and_ids_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.jsonl");
    let mut rec = recorder(&path);
    rec.server_message(&msg(
        json!({"method": "warning", "params": {"message": "task-sk-1 and sk-short",
        "tokenUsage": {"total": {"inputTokens": 5}}, "eyJ": "short"}}),
    ));
    rec.finish("exit status: 0", &[]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("task-sk-1 and sk-short"), "{text}");
    assert!(!text.contains("{{redacted}}"), "{text}");
}
