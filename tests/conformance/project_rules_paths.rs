//! The project's `[[redact]]` and `[[volatile]]` rules on every recording path a user runs, in a
//! temp project with a `prompt-diary.toml` (issue 27, findings 2 and 6): `record --prompt` and
//! `record --script` apply them and list them in the header; `verify` checks the project's rules
//! (a pasted secret fails, naming the line and the rule, never printing the secret); a user
//! pattern never touches the envelope (`codex_version`, `recorded_at`, `schema_fingerprint`).
//! The real pinned Codex, driven by the scripted model on loopback.

use std::path::{Path, PathBuf};
use std::process::Output;

use prompt_diary::testing::conformance::codex_for_conformance;
use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SECRET: &str = "acme_Q7w2E9r4T1y6U3i8O5p0A2s7D4f9G1h6";
const RULES: &str = r#"
[[redact]]
name = "acme"
pattern = 'acme_[A-Za-z0-9]{32}'

[[volatile]]
name = "date"
pattern = '\d{4}-\d{2}-\d{2}'
"#;

/// Runs `prompt-diary ARGS` in `project` with the pinned Codex `bin`; with `model`, a Codex home
/// serving the scripted model of the fixture `single_turn` (`record --prompt`); `record --script`
/// starts its own.
async fn run(bin: &Path, project: &Path, model: bool, args: &[&str]) -> Output {
    let fixture = PathBuf::from(ROOT).join("fixtures/scenarios/single_turn.json");
    let model = match model {
        true => Some(
            ScriptedModel::start(Scenario::from_file(&fixture).unwrap())
                .await
                .unwrap(),
        ),
        false => None,
    };
    let home = model.as_ref().map(|m| CodexHome::for_model(m).unwrap());
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"));
    command
        .args(args)
        .current_dir(project)
        .env_remove("CI")
        .env_remove("PROMPT_DIARY_RECORD_MODE")
        .env("PROMPT_DIARY_CODEX_BIN", bin)
        .kill_on_drop(true);
    if let Some(home) = &home {
        command.env("CODEX_HOME", home.path());
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), command.output())
        .await
        .expect("prompt-diary finishes within 2 minutes")
        .unwrap();
    if let Some(model) = model {
        model.shutdown().await;
    }
    out
}

fn project(rules: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prompt-diary.toml"), rules).unwrap();
    dir
}

fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The header line of the cassette at `path`, parsed.
fn header(text: &str) -> serde_json::Value {
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

fn assert_rules_applied(text: &str) {
    assert!(!text.contains(SECRET), "the secret is in:\n{text}");
    let header = header(text);
    let redactions = header["redactions"].as_array().unwrap();
    assert!(redactions.iter().any(|r| r == "acme"), "{header}");
    assert_eq!(header["volatile"][0]["name"], "date", "{header}");
    let turn = text.lines().find(|l| l.contains("\"turn/start\"")).unwrap();
    assert!(
        turn.contains("{{redacted}}")
            && turn.contains("{{date:1}}")
            && !turn.contains("2026-11-30"),
        "{turn}"
    );
}

/// `record --prompt` in a project with `[[redact]]` and `[[volatile]]` rules: the secret is
/// redacted, the date templated, and the header lists both rules.
#[tokio::test]
async fn record_prompt_applies_the_project_rules_and_lists_them() {
    let Some(bin) = codex_for_conformance("record_prompt_applies_the_project_rules") else {
        return;
    };
    let dir = project(RULES);
    let prompt = format!("Key {SECRET} for the report of 2026-11-30. Say hello.");
    let out = run(
        &bin,
        dir.path(),
        true,
        &[
            "record",
            "--prompt",
            &prompt,
            "--workspace",
            "ws",
            "--out",
            "c.jsonl",
        ],
    )
    .await;
    ok(&out);
    assert_rules_applied(&std::fs::read_to_string(dir.path().join("c.jsonl")).unwrap());
}

/// `record --script` with a scenario file whose prompt holds the secret and a date: the same.
#[tokio::test]
async fn record_script_applies_the_project_rules_and_lists_them() {
    let Some(bin) = codex_for_conformance("record_script_applies_the_project_rules") else {
        return;
    };
    let dir = project(RULES);
    let scenario = dir.path().join("keyed.json");
    let text = std::fs::read_to_string(Path::new(ROOT).join("fixtures/scenarios/single_turn.json"))
        .unwrap()
        .replace(
            "\"Say hello.\"",
            &format!("\"Key {SECRET} for the report of 2026-11-30. Say hello.\""),
        );
    std::fs::write(&scenario, text).unwrap();
    let out = run(
        &bin,
        dir.path(),
        false,
        &[
            "record",
            "--script",
            "keyed.json",
            "--workspace",
            "ws",
            "--out",
            "c.jsonl",
        ],
    )
    .await;
    ok(&out);
    assert_rules_applied(&std::fs::read_to_string(dir.path().join("c.jsonl")).unwrap());
}

/// A cassette whose header lists `acme`, with the key pasted into a line: `verify` fails, naming
/// the line and the rule, and never prints the key.
#[tokio::test]
async fn verify_fails_on_a_pasted_secret_of_a_project_rule() {
    let Some(bin) = codex_for_conformance("verify_fails_on_a_pasted_secret") else {
        return;
    };
    let dir = project(&format!("cassettes = \"cassettes\"\n{RULES}"));
    std::fs::create_dir_all(dir.path().join("cassettes")).unwrap();
    let out = run(
        &bin,
        dir.path(),
        true,
        &[
            "record",
            "--prompt",
            "Say hello.",
            "--workspace",
            "ws",
            "--out",
            "cassettes/c.jsonl",
        ],
    )
    .await;
    ok(&out);
    let path = dir.path().join("cassettes/c.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let (line, _) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Say hello."))
        .unwrap();
    let pasted: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == line {
                l.replacen("Say hello.", &format!("Say hello. {SECRET}"), 1)
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&path, pasted.join("\n") + "\n").unwrap();
    let verified = run(&bin, dir.path(), false, &["verify"]).await;
    let stderr = String::from_utf8_lossy(&verified.stderr);
    assert!(!verified.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("line(s) {}", line + 1))
            && stderr.contains("a match of the pattern `acme`"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");
}

/// User patterns that match a version, a date, a hex token and the word `exec` leave the
/// header's envelope intact (`codex_version`, `recorded_at`, `schema_fingerprint`), and the
/// recording writes (no "Remove the secret from the traffic").
#[tokio::test]
async fn user_patterns_leave_the_header_intact() {
    let Some(bin) = codex_for_conformance("user_patterns_leave_the_header_intact") else {
        return;
    };
    let dir = project(
        r#"
[[redact]]
name = "word"
pattern = 'exec'

[[redact]]
name = "hex"
pattern = '[0-9a-f]{64}'

[[redact]]
name = "version"
pattern = '\d+\.\d+\.\d+'

[[redact]]
name = "day"
pattern = '\d{4}-\d{2}-\d{2}'
"#,
    );
    let out = run(
        &bin,
        dir.path(),
        true,
        &[
            "record",
            "--prompt",
            "Say hello. exec 1.2.3 on 2026-11-30",
            "--workspace",
            "ws",
            "--out",
            "c.jsonl",
        ],
    )
    .await;
    ok(&out);
    let text = std::fs::read_to_string(dir.path().join("c.jsonl")).unwrap();
    let header = header(&text);
    assert_eq!(
        header["codex_version"],
        prompt_diary::codex_bin::PINNED_CODEX_VERSION,
        "{header}"
    );
    let recorded_at = header["recorded_at"].as_str().unwrap();
    assert!(!recorded_at.contains("{{"), "{header}");
    let fingerprint = header["schema_fingerprint"].as_str().unwrap();
    assert!(
        fingerprint.starts_with("sha256:") && !fingerprint.contains("{{"),
        "{header}"
    );
    let turn = text.lines().find(|l| l.contains("\"turn/start\"")).unwrap();
    assert!(
        !turn.contains("1.2.3") && !turn.contains("2026-11-30") && !turn.contains(" exec "),
        "{turn}"
    );
}
