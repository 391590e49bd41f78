//! `prompt-diary scripted-model SCENARIO -- COMMAND`: the command runs with `CODEX_HOME` naming
//! the model, its exit code comes back, and a scenario left unplayed fails the run.

use std::process::{Command, Output};

fn serve(scenario: &str, script: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.json");
    std::fs::write(&file, scenario).unwrap();
    Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .arg("scripted-model")
        .arg(&file)
        .args(["--", "sh", "-c", script])
        .output()
        .unwrap()
}

#[test]
fn the_command_sees_the_codex_home_and_its_exit_code_comes_back() {
    let empty = r#"{"name": "empty", "conversations": []}"#;
    let out = serve(
        empty,
        r#"grep -q 127.0.0.1 "$CODEX_HOME/config.toml" && exit 3"#,
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = serve(empty, "exit 0");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_reply_never_served_fails_the_run() {
    let unplayed = r#"{"name": "unplayed", "conversations": [{"replies": [{"message": "hi"}]}]}"#;
    let out = serve(unplayed, "exit 0");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("scenario was not followed"), "{stderr}");
}
