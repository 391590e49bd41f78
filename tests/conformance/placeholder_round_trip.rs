//! Literal `{{name}}` text survives the round trip (conformance tier, the pinned Codex driven by
//! the scripted model). A prompt and a model's reply that hold a Jinja-style `{{name}}` (and a
//! command that writes it into a file) are recorded, once through the adapter (an app-server
//! cassette) and once through the stand-in's `codex exec` (an exec cassette). The cassette keeps
//! the literal escaped (`{{lbrace}}name}}`), yet re-recording it offline gives the same cassette
//! (the new Codex saw exactly what the client and the model said), and `inspect` and `review`
//! show `{{name}}` as written, never the escape.

use crate::stand_in_run::record_run;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Command;

use prompt_diary::cassette::{RecordOptions, WriteOutcome};
use prompt_diary::codex_bin::installed_binary;
use prompt_diary::replay::driver::{ClientScript, RunnerScript, TurnScript};
use prompt_diary::rerecord::recording::record_script;
use prompt_diary::rerecord::rerecord_cassette;
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{
    ScriptedCodex, announce_skip, codex_for_conformance, conformance_required,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The previous pin, installed by CI (`.ci/run`): a re-recording on it waits for review.
const OTHER_CODEX: &str = "0.163.0";
/// No process of these tests may take longer than this.
const BUDGET: Duration = Duration::from_secs(300);

/// What the client says: a template placeholder the agent is to fill, not one of ours.
const PROMPT: &str = "Fill the {{name}} template.";
/// What the model does: a command that writes the literal into a file, then a reply holding it.
const SCENARIO: &str = r#"{
  "name": "literal_braces",
  "conversations": [{ "replies": [
    { "shell": "printf 'Hello {{name}}\\n' > template.txt" },
    { "message": "Filled the {{name}} template: {{name}} is Ada." }
  ] }]
}"#;

/// Runs `prompt-diary` with `args`.
async fn prompt_diary(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(args)
        .env_remove("CI")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(BUDGET, out)
        .await
        .expect("prompt-diary ends in time")
        .expect("prompt-diary runs")
}

/// The stdout of a `prompt-diary` run that must succeed.
async fn stdout_of(args: &[&str]) -> String {
    let out = prompt_diary(args).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "prompt-diary {args:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Asserts that `shown` (what a person reads) holds the literal as written and no escape.
fn shows_the_literal(what: &str, shown: &str) {
    assert!(
        shown.contains("{{name}}"),
        "{what} shows {{{{name}}}}:\n{shown}"
    );
    assert!(
        !shown.contains("lbrace"),
        "{what} never shows the escape:\n{shown}"
    );
}

/// Asserts that the recorded `text` keeps the literal escaped, so the round trip is tested.
fn keeps_the_literal_escaped(text: &str) {
    assert!(
        text.contains("Fill the {{lbrace}}name}} template."),
        "the prompt is recorded escaped: {text}"
    );
    assert!(
        text.contains("{{lbrace}}name}} is Ada."),
        "the reply is recorded escaped: {text}"
    );
    assert!(
        !text.contains("{{lbrace}}lbrace}}"),
        "nothing is escaped twice: {text}"
    );
}

/// The previous pin, if it is installed (skipping that part, or failing when the tier is
/// required, when it is not).
fn other_codex(test: &str) -> Option<PathBuf> {
    let other = installed_binary(Path::new(ROOT), OTHER_CODEX);
    if other.is_none() {
        let how = format!("install it with `cargo run -- install-codex --version {OTHER_CODEX}`");
        assert!(
            !conformance_required(),
            "{test} on Codex {OTHER_CODEX} is required here but it is not installed; {how}"
        );
        announce_skip(&format!("{test} on Codex {OTHER_CODEX}: {how}"));
    }
    other
}

/// Writes `cassette` changed by `edit` as its pending re-recording, reviews it and returns what
/// `review` printed.
async fn review_of_an_edit(cassette: &Path, edit: impl Fn(&str) -> String) -> String {
    let pending = PathBuf::from(format!("{}.new", cassette.display()));
    let text = std::fs::read_to_string(cassette).unwrap();
    std::fs::write(&pending, edit(&text)).unwrap();
    let review = stdout_of(&["review", &pending.display().to_string()]).await;
    std::fs::remove_file(&pending).unwrap();
    review
}

#[tokio::test]
async fn a_literal_template_in_an_app_server_prompt_and_reply_re_records_unchanged() {
    let test = "literal {{name}} through an app-server cassette";
    let Some(bin) = codex_for_conformance(test) else {
        return;
    };
    let other = other_codex(test);
    let scenario = Scenario::from_json(SCENARIO).expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin.clone())
        .await
        .expect("model");
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("literal_braces.jsonl");
    // As `prompt-diary record --prompt` records: one runner, one turn, Codex's defaults.
    let script = ClientScript {
        runners: vec![RunnerScript {
            turns: vec![TurnScript {
                prompt: PROMPT.to_owned(),
                timeout_secs: 120,
                output_schema: None,
            }],
            ..RunnerScript::default()
        }],
        ..ClientScript::default()
    };
    let workspace = codex.workspace.path().to_path_buf();
    let (written, _) = record_script(
        codex.backend_config(),
        RecordOptions::new(&cassette),
        &script,
        std::slice::from_ref(&workspace),
        Arc::new(|_: &str| {}),
    )
    .await
    .expect("the turn is recorded");
    assert_eq!(written, WriteOutcome::Written(cassette.clone()));
    codex
        .model
        .finish()
        .await
        .expect("the model served every reply");
    assert_eq!(
        std::fs::read_to_string(workspace.join("template.txt")).unwrap(),
        "Hello {{name}}\n"
    );
    let recorded = std::fs::read_to_string(&cassette).unwrap();
    keeps_the_literal_escaped(&recorded);

    let outcome = rerecord_cassette(&cassette, &bin, &[])
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(outcome, WriteOutcome::Unchanged(cassette.clone()));
    assert_eq!(std::fs::read_to_string(&cassette).unwrap(), recorded);

    let path = cassette.display().to_string();
    let inspect = stdout_of(&["inspect", &path]).await;
    shows_the_literal("inspect", &inspect);
    assert!(inspect.contains(&format!("prompt: {PROMPT}")), "{inspect}");
    assert!(inspect.contains("printf 'Hello {{name}}"), "{inspect}");
    shows_the_literal(
        "inspect --json",
        &stdout_of(&["inspect", "--json", &path]).await,
    );

    let review = review_of_an_edit(&cassette, |text| text.replace("is Ada", "is Grace")).await;
    shows_the_literal("review", &review);
    assert!(
        review.contains("+ c1 turn 0: message Filled the {{name}} template: {{name}} is Grace."),
        "{review}"
    );

    let Some(other) = other else { return };
    let outcome = rerecord_cassette(&cassette, &other, &[])
        .await
        .unwrap_or_else(|err| panic!("on Codex {OTHER_CODEX}: {err}"));
    assert!(
        matches!(outcome, WriteOutcome::Pending { .. }),
        "a re-recording on Codex {OTHER_CODEX} waits for review: {outcome:?}"
    );
    let review = stdout_of(&["review", dir.path().to_str().unwrap()]).await;
    assert!(review.contains("what the agent did: unchanged"), "{review}");
    assert!(!review.contains("lbrace"), "{review}");
}

#[tokio::test]
async fn a_literal_template_in_an_exec_prompt_and_reply_re_records_unchanged() {
    let test = "literal {{name}} through an exec cassette";
    let Some(bin) = codex_for_conformance(test) else {
        return;
    };
    let other = other_codex(test);
    let scenario = Scenario::from_json(SCENARIO).expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin.clone())
        .await
        .expect("model");
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("literal_braces.jsonl");
    let ws = codex.workspace.path().display().to_string();
    let args = ["exec", "--json", "--skip-git-repo-check", "-C", &ws, "-"].map(str::to_owned);
    record_run(&codex, &cassette, &args, PROMPT).await;
    codex
        .model
        .finish()
        .await
        .expect("the model served every reply");
    let recorded = std::fs::read_to_string(&cassette).unwrap();
    keeps_the_literal_escaped(&recorded);
    let path = cassette.display().to_string();

    let out = stdout_of(&["rerecord", &path, "--codex-bin", &bin.display().to_string()]).await;
    assert!(out.contains("unchanged"), "{out}");
    assert_eq!(std::fs::read_to_string(&cassette).unwrap(), recorded);
    assert!(
        !dir.path().join("literal_braces.jsonl.new").exists(),
        "nothing waits for review"
    );

    let inspect = stdout_of(&["inspect", &path]).await;
    shows_the_literal("inspect", &inspect);
    assert!(inspect.contains(&format!("stdin: {PROMPT:?}")), "{inspect}");
    assert!(
        inspect.contains("message: Filled the {{name}} template: {{name}} is Ada."),
        "{inspect}"
    );
    shows_the_literal(
        "inspect --json",
        &stdout_of(&["inspect", "--json", &path]).await,
    );

    let review = review_of_an_edit(&cassette, |text| text.replace("is Ada", "is Grace")).await;
    shows_the_literal("review", &review);
    assert!(
        review.contains("+     message: Filled the {{name}} template: {{name}} is Grace."),
        "{review}"
    );

    let Some(other) = other else { return };
    let out = stdout_of(&[
        "rerecord",
        &path,
        "--codex-bin",
        &other.display().to_string(),
    ])
    .await;
    assert!(out.contains("literal_braces.jsonl.new"), "{out}");
    let review = stdout_of(&["review", dir.path().to_str().unwrap()]).await;
    assert!(review.contains("what the runs did: unchanged"), "{review}");
    assert!(!review.contains("lbrace"), "{review}");
}
