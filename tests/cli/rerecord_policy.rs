//! `prompt-diary rerecord` keeps what a cassette ran under and reads its commands as Codex wrote
//! them (conformance tier: the real pinned Codex and the scripted model; skipped saying how to
//! enable it, required under `CI` / `PROMPT_DIARY_REQUIRE_CODEX=1`):
//!
//! - a `record --prompt` cassette made with Codex's defaults (read-only, no approval policy of
//!   ours) re-records `unchanged`, its commands shown single-quoted, unquoted and as a login shell
//!   (the model leaving out `login`);
//! - exec cassettes recorded with a relative `-C ws` and with an absolute `-C`, with the same
//!   three command forms, re-record `unchanged`;
//! - a cassette whose header and thread ask for `danger-full-access` re-records in the
//!   workspace-write sandbox, and `rerecord` and `review` say so.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use tokio::process::Command;

use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_prompt-diary");
const STAND_IN: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");
/// No process of these tests may take longer than this.
const BUDGET: Duration = Duration::from_secs(300);

/// Three commands, in the three forms Codex 0.171.0 shows: `'printf 42'` (single quotes), `pwd`
/// (no quotes), and a login shell (`bash -lc`, the call without `login`) double-quoted because
/// the script holds a single quote.
const COMMANDS: &str = r#"
    { "shell": "printf 42" },
    { "shell": "pwd" },
    { "login_shell": "printf 'a b'" },
    { "message": "Done." }
"#;

fn scenario(name: &str, writes: bool) -> Scenario {
    let first = if writes {
        r#"{ "shell": "printf 42 > a.md" },"#
    } else {
        ""
    };
    Scenario::from_json(&format!(
        r#"{{"name": "{name}", "conversations": [{{ "replies": [{first}{COMMANDS}] }}]}}"#
    ))
    .expect("scenario")
}

async fn bounded(command: &mut Command) -> Output {
    let out = command.env_remove("CI").kill_on_drop(true).output();
    tokio::time::timeout(BUDGET, out)
        .await
        .expect("the process ends in time")
        .expect("the process runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `prompt-diary rerecord CASSETTE --codex-bin BIN`; its stdout, after checking it succeeded.
async fn rerecord(cassette: &Path, bin: &Path) -> String {
    let out = bounded(
        Command::new(BIN)
            .arg("rerecord")
            .arg(cassette)
            .arg("--codex-bin")
            .arg(bin),
    )
    .await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    stdout
}

/// The `command` of every command item in `cassette` (either kind), as Codex wrote it.
fn commands_in(cassette: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in cassette.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        for item in [
            value.pointer("/msg/params/item"),
            value.pointer("/json/item"),
        ]
        .into_iter()
        .flatten()
        {
            let completed = value.pointer("/msg/method").and_then(|m| m.as_str())
                == Some("item/completed")
                || value.pointer("/json/type").and_then(|t| t.as_str()) == Some("item.completed");
            if let (true, Some(command)) = (completed, item["command"].as_str()) {
                found.push(command.to_owned());
            }
        }
    }
    found
}

/// The three forms, as [`COMMANDS`] makes Codex show them.
fn assert_three_forms(commands: &[String]) {
    for form in [
        "/bin/bash -c 'printf 42'",
        "/bin/bash -c pwd",
        "/bin/bash -lc \"printf 'a b'\"",
    ] {
        assert!(
            commands.iter().any(|c| c == form),
            "Codex showed {form}: {commands:?}"
        );
    }
}

#[tokio::test]
async fn a_record_prompt_cassette_with_codex_defaults_re_records_unchanged() {
    let Some(bin) = codex_for_conformance("rerecord keeps Codex's defaults") else {
        return;
    };
    let model = ScriptedModel::start(scenario("defaults", false))
        .await
        .unwrap();
    let home = CodexHome::for_model(&model).unwrap();
    // Codex's defaults: no sandbox or approval policy of ours.
    let config = home.path().join("config.toml");
    let settings = std::fs::read_to_string(&config).unwrap();
    let defaults: String = settings
        .lines()
        .filter(|l| !l.starts_with("sandbox_mode") && !l.starts_with("approval_policy"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(defaults, settings, "the two settings were there to remove");
    std::fs::write(&config, defaults).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("defaults.jsonl");
    // An empty `HOME`, as `record_exec` says.
    let empty_home = tempfile::tempdir().unwrap();
    let out = bounded(
        Command::new(BIN)
            .args([
                "record",
                "--prompt",
                "Run the three commands.",
                "--workspace",
            ])
            .arg(dir.path().join("ws"))
            .arg("--out")
            .arg(&cassette)
            .env("CODEX_HOME", home.path())
            .env("HOME", empty_home.path())
            .env("PROMPT_DIARY_CODEX_BIN", &bin),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    model.finish().await.expect("the model served every reply");
    let recorded = std::fs::read_to_string(&cassette).unwrap();
    let answer = recorded
        .lines()
        .find(|l| l.contains("\"approvalPolicy\"") && l.contains("\"sandbox\""))
        .expect("the thread/start answer");
    assert!(answer.contains("\"type\":\"readOnly\""), "{answer}");
    assert!(!answer.contains("\"approvalPolicy\":\"never\""), "{answer}");
    assert_three_forms(&commands_in(&recorded));

    let stdout = rerecord(&cassette, &bin).await;
    assert_unchanged(&stdout, &cassette, &recorded);
}

/// `rerecord` said `unchanged` and left `cassette` as `recorded`; else the lines that differ.
fn assert_unchanged(stdout: &str, cassette: &Path, recorded: &str) {
    let pending =
        std::fs::read_to_string(format!("{}.new", cassette.display())).unwrap_or_default();
    let new: Vec<&str> = pending
        .lines()
        .filter(|l| !recorded.lines().any(|r| r == *l))
        .collect();
    let old: Vec<&str> = recorded
        .lines()
        .filter(|l| !pending.is_empty() && !pending.lines().any(|p| p == *l))
        .collect();
    assert!(
        stdout.contains("unchanged"),
        "{stdout}\nrecorded: {old:#?}\nre-recorded: {new:#?}"
    );
    assert_eq!(std::fs::read_to_string(cassette).unwrap(), recorded);
}

/// Runs the stand-in as `codex exec` in `cwd` with `args`, recording into `cassette`.
async fn record_exec(codex: &ScriptedCodex, cassette: &Path, cwd: &Path, args: &[&str]) {
    // An empty `HOME` (as `rerecord` gives Codex): the recording then reads no rc file of the
    // user's, which a login shell (`-lc`) would, printing into the commands' output what the
    // re-recording cannot repeat.
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(STAND_IN)
        .args(args)
        .env("HOME", home.path())
        .current_dir(cwd)
        .env("PROMPT_DIARY_CASSETTE", cassette)
        .env("PROMPT_DIARY_RECORD_MODE", "all")
        .env("PROMPT_DIARY_CODEX_BIN", &codex.codex_bin)
        .env("CODEX_HOME", codex.home.path())
        .env_remove("CI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the stand-in starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"Write a.md, then run the three commands.")
        .await
        .unwrap();
    drop(stdin);
    let out = tokio::time::timeout(BUDGET, child.wait_with_output())
        .await
        .expect("the run ends in time")
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test]
async fn exec_cassettes_with_a_relative_or_absolute_cd_re_record_unchanged() {
    let Some(bin) = codex_for_conformance("rerecord exec -C") else {
        return;
    };
    for absolute in [false, true] {
        let codex = ScriptedCodex::start(scenario("exec_cd", true), bin.clone())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cassette = dir.path().join("exec_cd.jsonl");
        let ws = dir.path().join("ws");
        std::fs::create_dir(&ws).unwrap();
        let named = if absolute {
            ws.display().to_string()
        } else {
            "ws".to_owned()
        };
        let args = ["exec", "--json", "-C", &named, "--skip-git-repo-check", "-"];
        record_exec(&codex, &cassette, dir.path(), &args).await;
        codex
            .model
            .finish()
            .await
            .expect("the model served every reply");
        let recorded = std::fs::read_to_string(&cassette).unwrap();
        let cd = if absolute { "{{workspace}}" } else { "ws" };
        assert!(
            recorded.contains(&format!("\"-C\",\"{cd}\"")),
            "-C {cd} recorded: {recorded}"
        );
        assert!(recorded.contains("\"path\":\"a.md\""), "{recorded}");
        assert_three_forms(&commands_in(&recorded));

        let stdout = rerecord(&cassette, &bin).await;
        assert_unchanged(&stdout, &cassette, &recorded);
    }
}

#[tokio::test]
async fn a_cassette_asking_for_full_access_re_records_in_the_sandbox_and_says_so() {
    let Some(bin) = codex_for_conformance("rerecord tightens danger-full-access") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("single_turn.jsonl");
    let original =
        std::fs::read_to_string(Path::new(ROOT).join("cassettes/single_turn.jsonl")).unwrap();
    let recorded_sandbox = r#""sandbox":{"excludeSlashTmp":true,"excludeTmpdirEnvVar":true,"networkAccess":false,"type":"workspaceWrite","writableRoots":[]}"#;
    assert!(original.contains(recorded_sandbox), "{original}");
    let full = original
        .replacen(
            "\"record_command\":",
            r#""backend_overrides":["sandbox_mode=\"danger-full-access\""],"record_command":"#,
            1,
        )
        .replace(
            r#""method":"thread/start","params":{"cwd":"{{workspace}}"}"#,
            r#""method":"thread/start","params":{"cwd":"{{workspace}}","sandbox":"danger-full-access"}"#,
        )
        .replace(recorded_sandbox, r#""sandbox":{"type":"dangerFullAccess"}"#);
    assert_eq!(full.matches("danger-full-access").count(), 2, "{full}");
    std::fs::write(&cassette, &full).unwrap();

    let stdout = rerecord(&cassette, &bin).await;
    let said = "re-recorded in the workspace-write sandbox; the cassette asked for \
                danger-full-access";
    assert!(
        stdout.contains("CHANGED") && stdout.contains(said),
        "{stdout}"
    );
    let pending = std::fs::read_to_string(dir.path().join("single_turn.jsonl.new")).unwrap();
    assert!(
        pending.contains(recorded_sandbox),
        "ran in the sandbox: {pending}"
    );
    assert!(!pending.contains("danger-full-access"), "{pending}");
    let out = bounded(Command::new(BIN).arg("review").arg(dir.path())).await;
    let review = text(&out.stdout);
    assert!(out.status.success(), "{review}\n{}", text(&out.stderr));
    assert!(review.contains(said), "{review}");
}
