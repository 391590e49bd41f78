//! Binary resolution when nothing is installed: the `prompt-diary` binary runs in an empty
//! folder with an empty `PATH` and no `PROMPT_DIARY_CODEX_BIN` (set on the child, so this
//! process's environment is never changed), and its error names the resolution order and the
//! command that installs Codex.

use std::process::Command;

use prompt_diary::codex_bin::PINNED_CODEX_VERSION;

#[test]
fn no_binary_anywhere_names_the_resolution_order_and_the_install_command() {
    let root = tempfile::tempdir().unwrap();
    let empty = root.path().join("empty");
    let cwd = root.path().join("project");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::create_dir_all(&cwd).unwrap();

    // `record` starts a Codex session factory, so the error comes through the adapter.
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args([
            "record",
            "--prompt",
            "hi",
            "--workspace",
            "ws",
            "--out",
            "c.jsonl",
        ])
        .env_clear()
        .env("PATH", &empty)
        .env("HOME", root.path())
        .current_dir(&cwd)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the agent backend could not start"), "{err}");
    let order = [
        "1. CodexBackendConfig::codex_bin",
        "2. $PROMPT_DIARY_CODEX_BIN",
        "3. the project-local install",
        "4. `codex` on PATH",
    ];
    let mut last = 0;
    for step in order {
        let at = err
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing from: {err}"));
        assert!(at >= last, "steps out of order: {err}");
        last = at;
    }
    assert!(err.contains("prompt-diary install-codex"), "{err}");
    assert!(
        err.contains(&format!(
            "npm install --prefix .prompt-diary/codex/{PINNED_CODEX_VERSION} @openai/codex@{PINNED_CODEX_VERSION}"
        )),
        "{err}"
    );
    assert!(!cwd.join("c.jsonl").exists(), "nothing is recorded");
}
