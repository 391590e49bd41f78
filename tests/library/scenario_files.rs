//! Scenario files and Codex homes: what each committed scenario scripts, how a bad one is refused,
//! and the `CODEX_HOME` that points Codex at the model. No Codex needed.

use std::path::Path;

use prompt_diary::testing::Reply;
use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};
use rstest::rstest;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn fixture(name: &str) -> Scenario {
    let path = Path::new(ROOT).join(format!("fixtures/scenarios/{name}.json"));
    Scenario::from_file(&path).unwrap_or_else(|err| panic!("{err}"))
}

#[rstest]
#[case::text_reply("text_reply", vec![Reply::Message { text: "Hello from the scripted model.".into() }])]
#[case::shell_tool("shell_tool", vec![
    Reply::Shell { cmd: "printf '# Artifact\\n\\nwritten by the agent\\n' > artifact.md".into() },
    Reply::Message { text: "Wrote artifact.md.".into() },
])]
#[case::structured_output("structured_output", vec![Reply::Json { value: json!({"title": "Hello", "tags": ["a", "b"]}) }])]
#[case::http_error("http_error", vec![
    Reply::HttpError { status: 500, body: r#"{"error":{"message":"scripted outage"}}"#.into() },
    Reply::Message { text: "Recovered.".into() },
])]
#[case::stall("stall", vec![Reply::Stall, Reply::Message { text: "Back after the stall.".into() }])]
fn scenario_fixtures_say_what_they_script(#[case] name: &str, #[case] replies: Vec<Reply>) {
    let scenario = fixture(name);
    assert_eq!(scenario.name, name);
    assert_eq!(scenario.conversations.len(), 1);
    assert_eq!(scenario.conversations[0].replies, replies);
}

#[test]
fn every_committed_scenario_parses_and_round_trips() {
    let dir = Path::new(ROOT).join("fixtures/scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let scenario = Scenario::from_file(&path).unwrap_or_else(|err| panic!("{err}"));
        let again = Scenario::from_json(&serde_json::to_string(&scenario).unwrap()).unwrap();
        assert_eq!(again, scenario, "{}", path.display());
        count += 1;
    }
    assert!(
        count >= 5,
        "found only {count} scenarios in {}",
        dir.display()
    );
}

#[rstest]
#[case::stall_false(json!({"stall": false}), "write `{\"stall\": true}`")]
#[case::unknown_kind(json!({"mesage": "hi"}), "unknown variant `mesage`")]
#[case::ok_status(json!({"http_error": {"status": 200}}), "use 400 to 599")]
#[case::bad_arguments(json!({"mcp_tool": {"server": "s", "tool": "t", "arguments": [1]}}), "must be a JSON object")]
fn bad_replies_are_refused_with_a_hint(#[case] reply: Value, #[case] hint: &str) {
    let text = json!({"name": "bad", "conversations": [{"replies": [reply]}]}).to_string();
    let err = Scenario::from_json(&text).expect_err("refused").to_string();
    assert!(err.contains(hint), "{err}");
    assert!(err.contains("A scenario looks like"), "{err}");
}

#[test]
fn a_missing_scenario_file_names_the_path() {
    let err = Scenario::from_file(Path::new("/nonexistent/nope.json"))
        .expect_err("missing")
        .to_string();
    assert!(err.contains("/nonexistent/nope.json"), "{err}");
}

#[tokio::test]
async fn codex_home_points_codex_at_the_model() {
    let model = ScriptedModel::start(fixture("text_reply")).await.unwrap();
    // The test only reads the config written for the model; nothing calls it.
    model.expect_all_served(false);
    let home = CodexHome::for_model(&model).unwrap();
    let config = std::fs::read_to_string(home.path().join("config.toml")).unwrap();
    for line in [
        "model = \"mock-model\"",
        "model_provider = \"mock\"",
        &format!("base_url = \"{}\"", model.base_url()),
        "wire_api = \"responses\"",
        "request_max_retries = 0",
        "stream_max_retries = 0",
        "plugins = false",
        "enable_request_compression = false",
        "unbounded_connection_retries = false",
    ] {
        assert!(
            config.lines().any(|l| l == line),
            "missing {line:?} in\n{config}"
        );
    }
    let path = home.path().to_path_buf();
    drop(home);
    assert!(!path.exists(), "the home is deleted on drop");
}
