//! `inspect`, `verify`, `review` and `accept` on exec cassettes (`codex exec` runs recorded by the
//! stand-in), offline: each works on a temp folder with a small exec cassette of two runs.

use std::path::Path;
use std::process::{Command, Output};

use prompt_diary::codex_bin::PINNED_CODEX_VERSION;

/// Two runs on one thread: the first writes notes.md, the resumed one answers to a schema and
/// writes the `-o` file. `{version}` is the Codex version.
const CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"notes","codex_version":"{version}","recorded_at":"2026-11-28","redactions":[],"record_command":"PROMPT_DIARY_RECORD_MODE=all"}
{"kind":"invocation","args":["exec","--experimental-json","--cd","{{workspace}}","--skip-git-repo-check"],"stdin":"Write notes.md with one line.","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"stdout","json":{"type":"turn.started"}}
{"kind":"stdout","json":{"item":{"aggregated_output":"","command":"/bin/bash -lc \"printf 'first\\n' > notes.md\"","exit_code":0,"id":"item_0","status":"completed","type":"command_execution"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"id":"item_1","text":"Wrote notes.md.","type":"agent_message"},"type":"item.completed"}}
{"kind":"stdout","json":{"type":"turn.completed","usage":{"cached_input_tokens":0,"input_tokens":120,"output_tokens":9}}}
{"kind":"effects","effects":[{"op":"write","path":"notes.md","text":"first\n"}]}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
{"kind":"invocation","args":["exec","--experimental-json","--cd","{{workspace}}","--skip-git-repo-check","--output-schema","{{output_schema}}","-o","{{last_message}}","resume","{{thread:1}}"],"stdin":"Say what you wrote.","output_schema":{"properties":{"written":{"type":"boolean"}},"required":["written"],"type":"object"}}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"stdout","json":{"item":{"id":"item_2","text":"{\"written\":true}","type":"agent_message"},"type":"item.completed"}}
{"kind":"stdout","json":{"type":"turn.completed","usage":{"cached_input_tokens":100,"input_tokens":150,"output_tokens":4}}}
{"kind":"last_message","text":"{\"written\":true}"}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

fn cassette_text(version: &str) -> String {
    CASSETTE.replace("{version}", version)
}

fn prompt_diary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(args)
        .env_remove("CI")
        .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex")
        .output()
        .expect("prompt-diary runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

#[test]
fn inspect_prints_each_exec_run_with_its_command_stdin_events_files_and_exit() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.jsonl");
    std::fs::write(&file, cassette_text(PINNED_CODEX_VERSION)).unwrap();
    let out = prompt_diary(&["inspect", path(&file)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    for expected in [
        "exec cassette \"notes\": Codex",
        "2 run(s)",
        "run 1 (line 2): codex exec --experimental-json --cd {{workspace}} --skip-git-repo-check",
        "stdin: \"Write notes.md with one line.\"",
        "events: item.completed x2, thread.started x1, turn.completed x1, turn.started x1",
        "message: Wrote notes.md.",
        "turn completed: 120 input (0 cached), 9 output tokens",
        "file: wrote notes.md (6 bytes)",
        "run 2 (line 10): codex exec",
        "-o {{last_message}} resume {{thread:1}}",
        "output schema: {\"properties\"",
        "-o file: \"{\\\"written\\\":true}\"",
        "exit 0, 0 stderr line(s)",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing:\n{stdout}");
    }

    let out = prompt_diary(&["inspect", "--json", path(&file)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["runs"].as_array().map(Vec::len), Some(2), "{json}");
    assert_eq!(json["runs"][1]["exit_code"], 0);
    assert_eq!(json["runs"][0]["files"][0], "wrote notes.md (6 bytes)");
}

#[test]
fn verify_checks_an_exec_cassette_loads_and_names_its_codex_version() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("notes.jsonl"),
        cassette_text(PINNED_CODEX_VERSION),
    )
    .unwrap();
    let out = prompt_diary(&["verify", path(dir.path())]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("verified 1 cassette(s)"), "{stdout}");

    std::fs::write(dir.path().join("old.jsonl"), cassette_text("0.1.0")).unwrap();
    let truncated = cassette_text(PINNED_CODEX_VERSION);
    let cut = truncated.rfind("{\"kind\":\"exit\"").unwrap();
    std::fs::write(dir.path().join("cut.jsonl"), &truncated[..cut]).unwrap();
    let out = prompt_diary(&["verify", path(dir.path())]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "old.jsonl: this exec cassette was recorded with Codex 0.1.0, but this prompt-diary \
             pins Codex {PINNED_CODEX_VERSION}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("cut.jsonl: does not load") && stderr.contains("has no `exit` line"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 problem(s) in 2 of 3 cassette(s)"),
        "{stderr}"
    );
}

#[test]
fn review_reads_a_pending_exec_rerecording_and_accept_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let committed = dir.path().join("notes.jsonl");
    let original = cassette_text(PINNED_CODEX_VERSION);
    std::fs::write(&committed, &original).unwrap();
    let changed = original.replace("Wrote notes.md.", "notes.md has one line now.");
    std::fs::write(dir.path().join("notes.jsonl.new"), &changed).unwrap();

    let out = prompt_diary(&["review", path(dir.path())]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("== notes ("), "{stdout}");
    assert!(
        stdout.contains("what the runs did (- committed, + re-recorded):"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "-     message: Wrote notes.md.\n+     message: notes.md has one line now.\n"
        ),
        "{stdout}"
    );
    assert!(
        !stdout.contains("stdin:"),
        "only what changed is shown: {stdout}"
    );

    let out = prompt_diary(&["review", "--raw", path(dir.path())]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("+{\"kind\":\"stdout\",\"json\":{\"item\":{\"id\":\"item_1\",\"text\":\"notes.md has one line now.\""), "{stdout}");

    let out = prompt_diary(&["review", "--html", path(dir.path())]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let page = dir.path().join("notes.jsonl.new.html");
    assert!(
        stdout.contains(&format!("the re-recording as a page: {}", page.display())),
        "{stdout}"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("\"exec\":true"), "an exec page");
    assert!(
        html.contains("+     message: notes.md has one line now."),
        "the page names the change: {html}"
    );

    let out = prompt_diary(&["accept", path(dir.path()), "notes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(std::fs::read_to_string(&committed).unwrap(), changed);
    assert!(!dir.path().join("notes.jsonl.new").exists());

    // A re-recording the same in what the runs did, only on another day.
    std::fs::write(
        dir.path().join("notes.jsonl.new"),
        changed.replace("2026-11-28", "2026-12-01"),
    )
    .unwrap();
    let out = prompt_diary(&["review", path(dir.path())]);
    let (stdout, _) = text(&out);
    assert!(stdout.contains("what the runs did: unchanged"), "{stdout}");
}

#[test]
fn install_stand_in_writes_a_codex_link_to_the_stand_in_and_leaves_a_real_codex_alone() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    for _ in 0..2 {
        // A second run replaces its own link.
        let out = prompt_diary(&["install-stand-in", path(&bin)]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stderr}");
        assert_eq!(stdout.trim(), path(&bin.join("codex")));
        assert!(stderr.contains("Put it first on PATH"), "{stderr}");
    }
    let link = bin.join("codex");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        std::fs::canonicalize(env!("CARGO_BIN_EXE_prompt-diary-codex")).unwrap()
    );
    let version = Command::new(&link).arg("--version").output().unwrap();
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("(prompt-diary stand-in)"),
        "{version:?}"
    );
    assert_eq!(
        std::fs::read_dir(&bin).unwrap().count(),
        1,
        "no temp link left"
    );

    let real = dir.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::write(real.join("codex"), "#!/bin/sh\necho real\n").unwrap();
    let out = prompt_diary(&["install-stand-in", path(&real)]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("codex exists and is not a link (a real Codex?); it is left alone"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(real.join("codex")).unwrap(),
        "#!/bin/sh\necho real\n"
    );

    let out = prompt_diary(&[
        "install-stand-in",
        path(&dir.path().join("other")),
        "--stand-in",
        path(&dir.path().join("missing")),
    ]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("missing is not there"), "{stderr}");
}
