//! Conformance tier: the typed protocol subset this crate speaks exists in the pinned binary's own
//! schema (`codex app-server generate-json-schema`), and every server request it can send has an
//! answer here.

use std::path::Path;

use prompt_diary::integrations::codex::requests::{
    THREAD_START_FIELDS, TURN_INTERRUPT_FIELDS, TURN_START_FIELDS,
};
use prompt_diary::integrations::codex::server_requests;
use prompt_diary::testing::conformance::codex_for_conformance;
use serde_json::Value;

fn load(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

fn methods(schema: &Value) -> Vec<String> {
    schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|variant| {
            variant
                .pointer("/properties/method/enum/0")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

#[test]
fn the_typed_subset_matches_the_pinned_schema() {
    let Some(bin) = codex_for_conformance("the_typed_subset_matches_the_pinned_schema") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(&bin)
        .args(["app-server", "generate-json-schema", "--out"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());

    let requests = methods(&load(dir.path(), "ClientRequest.json"));
    for method in ["initialize", "thread/start", "turn/start", "turn/interrupt"] {
        assert!(
            requests.iter().any(|m| m == method),
            "{method} missing from ClientRequest.json"
        );
    }
    let notifications = methods(&load(dir.path(), "ServerNotification.json"));
    for method in [
        "turn/completed",
        "turn/started",
        "item/started",
        "item/completed",
        "error",
        "serverRequest/resolved",
    ] {
        assert!(
            notifications.iter().any(|m| m == method),
            "{method} missing from ServerNotification.json"
        );
    }

    let definitions = &load(dir.path(), "codex_app_server_protocol.v2.schemas.json")["definitions"];
    let fields = |name: &str| {
        definitions[name]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    for field in THREAD_START_FIELDS {
        assert!(
            fields("ThreadStartParams").contains(&(*field).to_owned()),
            "ThreadStartParams lacks {field}"
        );
    }
    for field in TURN_START_FIELDS {
        assert!(
            fields("TurnStartParams").contains(&(*field).to_owned()),
            "TurnStartParams lacks {field}"
        );
    }
    for field in TURN_INTERRUPT_FIELDS {
        assert!(
            fields("TurnInterruptParams").contains(&(*field).to_owned()),
            "TurnInterruptParams lacks {field}"
        );
    }

    for method in methods(&load(dir.path(), "ServerRequest.json")) {
        let answer = server_requests::fail_closed(&method, &Value::Null);
        if let Err(error) = &answer {
            assert!(
                error.message.contains("cannot answer"),
                "{method} is not handled: {}",
                error.message
            );
        }
    }
}
