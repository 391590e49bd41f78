//! Conformance tier: the folder loop `upgrade-codex` runs, reached without npm through
//! `prompt-diary rerecord FOLDER` (the same `rerecord_each` over the same `cassettes_in`), over
//! several cassettes with a Codex that dies mid-turn on some of them. A wrapper script stands in
//! for the Codex binary: it runs the real pinned one, but kills it and exits 3 once a turn whose
//! prompt carries [`MARK`] has started (on `turn/start` for the app-server, on `turn.started`
//! for `codex exec`). Each failure is reported with its cassette and what happened, the loop
//! goes on to the next cassette, nothing panics, the good cassettes come out unchanged, and a
//! failed re-recording leaves `<name>.jsonl.new` as it found it.

use std::path::{Path, PathBuf};
use std::process::Command;

use prompt_diary::rerecord::{RerecordError, rerecord_cassette};
use prompt_diary::testing::conformance::codex_for_conformance;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_prompt-diary");
/// Makes sure the stand-in the exec re-recording runs is built beside the test binaries.
const _STAND_IN: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");

/// The prompt of the turns the wrapper dies in: `structured_output_turn`'s, and the exec
/// cassette's below.
const MARK: &str = "Describe the page as JSON.";

/// The committed cassettes copied into the folder, in the order the loop takes them: the
/// second one dies.
const COMMITTED: [&str; 3] = ["single_turn", "structured_output_turn", "tool_artifact"];

/// An exec cassette (one `codex exec` run) whose turn the wrapper kills; named to come last.
const EXEC_CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"exec_dies","codex_version":"0.171.0","recorded_at":"2026-11-28","redactions":[],"record_command":"prompt-diary rerecord"}
{"kind":"invocation","args":["exec","--json","--skip-git-repo-check","-C","{{workspace}}","-"],"stdin":"Describe the page as JSON.","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"stdout","json":{"type":"turn.started"}}
{"kind":"stdout","json":{"item":{"id":"item_0","text":"A page.","type":"agent_message"},"type":"item.completed"}}
{"kind":"stdout","json":{"type":"turn.completed","usage":{"cached_input_tokens":0,"input_tokens":10,"output_tokens":5}}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

/// What a stale review file holds before the run; a failed re-recording must put it back.
const STALE_REVIEW: &str = "an earlier re-recording waiting for review\n";

/// The wrapper script standing in for `real`: `--version` and anything else pass through; an
/// app-server has its stdin forwarded line by line until a `turn/start` carrying [`MARK`] (which
/// is forwarded, then the server is killed); an exec run whose stdin carries [`MARK`] has its
/// stdout forwarded until `turn.started`, then is killed. No sleeps: each step waits on a pipe.
fn wrapper(real: &Path) -> String {
    format!(
        r#"#!/bin/bash
# Job control: each background job is a process group of its own, killed whole (the real
# Codex may be a launcher with the binary as its child).
set -m
real='{real}'
mark='{MARK}'
case " $* " in
*" app-server "*)
    dir=$(mktemp -d)
    mkfifo "$dir/in"
    "$real" "$@" < "$dir/in" &
    pid=$!
    exec 3> "$dir/in"
    while IFS= read -r line; do
        printf '%s\n' "$line" >&3
        case "$line" in
        *'"turn/start"'*"$mark"*) kill -9 -- -"$pid"; rm -rf "$dir"; exit 3 ;;
        esac
    done
    exec 3>&-
    rm -rf "$dir"
    wait "$pid"
    ;;
*" exec "*)
    dir=$(mktemp -d)
    cat > "$dir/stdin"
    if grep -qF -- "$mark" "$dir/stdin"; then
        mkfifo "$dir/out"
        "$real" "$@" < "$dir/stdin" > "$dir/out" &
        pid=$!
        while IFS= read -r line; do
            printf '%s\n' "$line"
            case "$line" in
            *'"turn.started"'*) kill -9 -- -"$pid"; rm -rf "$dir"; exit 3 ;;
            esac
        done < "$dir/out"
        wait "$pid"
        status=$?
    else
        "$real" "$@" < "$dir/stdin"
        status=$?
    fi
    rm -rf "$dir"
    exit "$status"
    ;;
*)
    exec "$real" "$@"
    ;;
esac
"#,
        real = real.display()
    )
}

/// A temp folder holding the wrapper (`bin/codex`) and the cassettes (`cassettes/`): the three
/// committed ones, the exec one, and a stale `.new` beside the one that dies.
fn lay_out(real: &Path) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let codex = bin.join("codex");
    std::fs::write(&codex, wrapper(real)).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&codex, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let folder = dir.path().join("cassettes");
    std::fs::create_dir(&folder).unwrap();
    for name in COMMITTED {
        std::fs::copy(
            Path::new(ROOT).join(format!("cassettes/{name}.jsonl")),
            folder.join(format!("{name}.jsonl")),
        )
        .unwrap();
    }
    std::fs::write(folder.join("zz_exec_dies.jsonl"), EXEC_CASSETTE).unwrap();
    std::fs::write(
        folder.join("structured_output_turn.jsonl.new"),
        STALE_REVIEW,
    )
    .unwrap();
    (dir, codex, folder)
}

/// Every file in `folder` with its bytes, by name.
fn files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn a_codex_dying_mid_turn_fails_its_cassettes_and_the_folder_goes_on() {
    let Some(real) = codex_for_conformance("upgrade_faults: a Codex dying mid-turn") else {
        return;
    };
    let (_dir, codex, folder) = lay_out(&real);
    let before = files(&folder);

    let out = Command::new(BIN)
        .args(["rerecord", "--codex-bin"])
        .arg(&codex)
        .arg(&folder)
        .env_remove("CI")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let both = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!both.contains("panicked"), "nothing panics: {both}");
    assert!(!out.status.success(), "two cassettes failed: {both}");
    assert!(
        stderr.contains("2 cassette(s) could not be re-recorded offline"),
        "{both}"
    );

    let lines: Vec<&str> = stdout.lines().collect();
    let at = |name: &str| {
        let path = folder.join(name).display().to_string();
        let found = lines
            .iter()
            .position(|l| l.starts_with(&format!("{path}: ")));
        found.unwrap_or_else(|| panic!("a line for {name}: {both}"))
    };
    let (first, second, third, exec) = (
        at("single_turn.jsonl"),
        at("structured_output_turn.jsonl"),
        at("tool_artifact.jsonl"),
        at("zz_exec_dies.jsonl"),
    );
    assert!(
        first < second && second < third && third < exec,
        "in folder order, the loop going on after each failure: {both}"
    );
    for (line, name) in [(first, "single_turn.jsonl"), (third, "tool_artifact.jsonl")] {
        let path = folder.join(name).display().to_string();
        assert_eq!(lines[line], format!("{path}: unchanged {path}"), "{both}");
    }
    let dying = lines[second];
    for part in [
        "FAILED: re-recording ",
        "structured_output_turn.jsonl: Codex exited during runner 1, turn 1 (\"Describe the page as JSON.\") (exit status: 3",
        "it made fewer model calls than the recording: 1 scripted reply was never served",
        "Nothing was left for review. Run it again to see whether it repeats",
    ] {
        assert!(dying.contains(part), "{part:?} in {dying}");
    }
    let exec_line = lines[exec];
    for part in [
        "FAILED: re-recording ",
        "zz_exec_dies.jsonl:2: the new Codex ended the run with exit status: 3 where the \
         recording shows exit code 0",
        "nothing was left for review",
    ] {
        assert!(exec_line.contains(part), "{part:?} in {exec_line}");
    }
    assert_eq!(
        files(&folder),
        before,
        "the good cassettes come out unchanged, the failed ones too, and the stale .new is put \
         back: {both}"
    );

    // In this process, as a library user calls it: a typed error, no panic.
    let dying = folder.join("structured_output_turn.jsonl");
    let err = rerecord_cassette(&dying, &codex, &[]).await.unwrap_err();
    assert!(
        matches!(&err, RerecordError::Diverged { path, .. } if *path == dying),
        "{err:?}"
    );
    let exec = folder.join("zz_exec_dies.jsonl");
    let err = rerecord_cassette(&exec, &codex, &[]).await.unwrap_err();
    assert!(
        matches!(&err, RerecordError::ClientSide { path, line: 2, .. } if *path == exec),
        "{err:?}"
    );
    assert_eq!(files(&folder), before, "still nothing left behind");
}
