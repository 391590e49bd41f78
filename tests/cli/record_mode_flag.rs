//! `prompt-diary record --record-mode`: `once` keeps a cassette that exists, CI refuses the flag
//! with the reason, and the modes `record` cannot honour say what to use instead. None of these
//! reach a Codex binary.

use std::process::{Command, Output};

fn record(dir: &std::path::Path, mode: &str, ci: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prompt-diary"));
    command
        .current_dir(dir)
        .args([
            "record",
            "--prompt",
            "say hi",
            "--workspace",
            "ws",
            "--out",
            "kept.jsonl",
        ])
        .args(["--record-mode", mode])
        .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex")
        .env_remove("CI")
        .env_remove("PROMPT_DIARY_RECORD_MODE");
    if let Some(ci) = ci {
        command.env("CI", ci);
    }
    command.output().unwrap()
}

#[test]
fn once_keeps_an_existing_cassette_and_ci_refuses_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kept.jsonl"), "recorded before\n").unwrap();

    let out = record(dir.path(), "once", None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("kept kept.jsonl"));
    let text = std::fs::read_to_string(dir.path().join("kept.jsonl")).unwrap();
    assert_eq!(text, "recorded before\n");

    let refused = record(dir.path(), "all", Some("true"));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("CI never records") && stderr.contains("--record-mode all"),
        "{stderr}"
    );
}

#[test]
fn modes_record_cannot_honour_say_what_to_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = record(dir.path(), "new_episodes", None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("PROMPT_DIARY_RECORD_MODE=new_episodes"),
        "{stderr}"
    );
    let out = record(dir.path(), "sometimes", None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("none, once, new_episodes, all"), "{stderr}");
}
