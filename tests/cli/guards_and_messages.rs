//! The guards a careless or hostile user meets, through the `prompt-diary` command in a temp
//! project folder: `record` never records under `CI` (`--script` and `--prompt` alike), the
//! cassette folder stays inside the project, `verify` of a folder with no cassette fails unless
//! allowed; and the messages that used to mislead: `project` names its rules and record command,
//! an error says its cause once, `review` names a re-recording beside it as `.`, `inspect` shows
//! exec stdin as text, and `review` says a `.new` that is a symbolic link will be refused.

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `prompt-diary ARGS` in `dir`, with no `CI` unless `ci` gives it, and no Codex to find.
fn run(dir: &Path, args: &[&str], ci: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prompt-diary"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("PROMPT_DIARY_RECORD_MODE")
        .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex");
    if let Some(ci) = ci {
        command.env("CI", ci);
    }
    command.output().expect("prompt-diary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A temp project: `prompt-diary.toml` holding `toml`, and a `.git` so no file above counts.
fn project(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("prompt-diary.toml"), toml).unwrap();
    dir
}

#[test]
fn record_refuses_under_ci_for_a_script_and_a_prompt_without_a_mode_flag() {
    let dir = project("");
    let scenario = format!("{ROOT}/fixtures/scenarios/apply_patch.json");
    let runs: [&[&str]; 2] = [
        &[
            "record",
            "--script",
            &scenario,
            "--workspace",
            "ws",
            "--out",
            "a.jsonl",
        ],
        &[
            "record",
            "--prompt",
            "Say hi.",
            "--workspace",
            "ws",
            "--out",
            "a.jsonl",
        ],
    ];
    for args in runs {
        let out = run(dir.path(), args, Some("true"));
        let said = stderr(&out);
        assert!(!out.status.success(), "{args:?} recorded under CI: {said}");
        assert!(
            said.contains("refusing to record a.jsonl: CI is set, and CI never records"),
            "{args:?}: {said}"
        );
        assert!(!stdout(&out).contains("wrote"), "{args:?}");
        assert!(!dir.path().join("a.jsonl").exists(), "{args:?}");
    }
}

#[test]
fn a_cassette_folder_outside_the_project_is_an_error_naming_file_line_key_and_reason() {
    let outside = tempfile::tempdir().unwrap();
    let outside_path = std::fs::canonicalize(outside.path()).unwrap();
    for (value, line) in [
        ("/etc".to_owned(), 2),
        ("../../../../../../../../etc".to_owned(), 2),
        ("link/cassettes".to_owned(), 2),
    ] {
        let dir = project(&format!("codex = \"0.171.0\"\ncassettes = {value:?}\n"));
        std::os::unix::fs::symlink(&outside_path, dir.path().join("link")).unwrap();
        let out = run(dir.path(), &["verify"], None);
        let said = stderr(&out);
        assert!(!out.status.success(), "{value}: {said}");
        assert!(
            said.contains(&format!(
                "prompt-diary.toml:{line}: `cassettes`: the cassette folder"
            )) && said.contains("outside the project")
                && !said.contains("verified"),
            "{value}: {said}"
        );
    }
    // A folder inside the project, even through a link that stays inside, is fine.
    let dir = project("cassettes = \"tapes/../cassettes\"\n");
    std::fs::create_dir(dir.path().join("cassettes")).unwrap();
    std::fs::create_dir(dir.path().join("tapes")).unwrap();
    let out = run(dir.path(), &["verify", "--allow-empty"], None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn verify_of_a_folder_with_no_cassette_fails_unless_allowed() {
    let dir = project("");
    std::fs::create_dir(dir.path().join("cassettes")).unwrap();
    let out = run(dir.path(), &["verify"], None);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("no cassette (*.jsonl) in cassettes: nothing was verified. Check the folder")
            && stderr(&out).contains("--allow-empty"),
        "{}",
        stderr(&out)
    );
    let out = run(dir.path(), &["verify", "--allow-empty"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("verified 0 cassette(s) in cassettes"));
}

#[test]
fn project_prints_its_record_command_and_rules_as_text() {
    let dir = project(
        "record_command = \"just record\"\n\
         [[volatile]]\nname = \"date\"\npattern = '\\d{4}-\\d{2}-\\d{2}'\n\
         [[redact]]\nname = \"acme\"\npattern = 'acme_[A-Za-z0-9]{32}'\n",
    );
    let out = run(dir.path(), &["project"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "record command: just record",
        r#"volatile: date = "\\d{4}-\\d{2}-\\d{2}""#,
        r#"redact: acme = "acme_[A-Za-z0-9]{32}""#,
    ] {
        assert!(text.contains(line), "{line:?} missing:\n{text}");
    }
    let bare = project("");
    let text = stdout(&run(bare.path(), &["project"], None));
    assert!(
        text.contains("record command: none") && text.contains("volatile: none"),
        "{text}"
    );
}

#[test]
fn an_error_says_its_cause_once() {
    let dir = project("");
    std::fs::write(dir.path().join("bad.jsonl"), b"\xff\xfe\n").unwrap();
    let said = stderr(&run(dir.path(), &["inspect", "bad.jsonl"], None));
    assert_eq!(
        said.matches("stream did not contain valid UTF-8").count(),
        1,
        "{said}"
    );
    let said = stderr(&run(dir.path(), &["verify", "nowhere"], None));
    assert_eq!(said.matches("os error 2").count(), 1, "{said}");
    assert!(said.contains("nowhere"), "{said}");
}

#[test]
fn review_of_a_recording_here_names_its_folder_as_dot() {
    let dir = project("");
    let committed = std::fs::read_to_string(format!("{ROOT}/cassettes/single_turn.jsonl")).unwrap();
    std::fs::write(dir.path().join("rr5.jsonl"), &committed).unwrap();
    std::fs::write(
        dir.path().join("rr5.jsonl.new"),
        committed.replace("Say hello.", "Say hi."),
    )
    .unwrap();
    let text = stdout(&run(dir.path(), &["review", "rr5.jsonl.new"], None));
    assert!(
        text.contains("accept with `prompt-diary accept . rr5`"),
        "{text}"
    );
    let out = run(dir.path(), &["accept", ".", "rr5"], None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn inspect_shows_exec_stdin_as_the_text_it_was() {
    let dir = project("");
    let cassette = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"hi","codex_version":"0.171.0","recorded_at":"2026-11-28","redactions":[],"record_command":"x"}
{"kind":"invocation","args":["exec","--json","-"],"stdin":"hi\n","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;
    std::fs::write(dir.path().join("hi.jsonl"), cassette).unwrap();
    let out = run(dir.path(), &["inspect", "hi.jsonl"], None);
    let text = stdout(&out);
    assert!(text.contains(r#"stdin: "hi\n""#), "{text}{}", stderr(&out));
    assert!(!text.contains(r#"hi\\n"#), "escaped twice: {text}");
}

#[test]
fn review_says_a_symlinked_new_will_be_refused_and_accept_refuses_it() {
    let dir = project("");
    let tapes = dir.path().join("cassettes");
    std::fs::create_dir(&tapes).unwrap();
    let committed = std::fs::read_to_string(format!("{ROOT}/cassettes/single_turn.jsonl")).unwrap();
    std::fs::write(tapes.join("single_turn.jsonl"), &committed).unwrap();
    let elsewhere = dir.path().join("elsewhere.jsonl");
    std::fs::write(&elsewhere, committed.replace("Say hello.", "Say hi.")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, tapes.join("single_turn.jsonl.new")).unwrap();
    let out = run(dir.path(), &["review"], None);
    let text = stdout(&out);
    assert!(
        text.contains("single_turn.jsonl.new is a symbolic link")
            && text.contains("`prompt-diary accept` refuses it")
            && !text.contains("accept with"),
        "{text}{}",
        stderr(&out)
    );
    let out = run(dir.path(), &["accept"], None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(tapes.join("single_turn.jsonl")).unwrap(),
        committed
    );
    assert!(
        !std::fs::symlink_metadata(tapes.join("single_turn.jsonl"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
