//! Running the `prompt-diary-codex` stand-in as a `codex exec` client would, shared by the test
//! binaries that drive it directly: one run with its arguments, stdin and cassette settings,
//! bounded and killed if it outlives the budget.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use prompt_diary::testing::conformance::ScriptedCodex;
use tokio::io::AsyncWriteExt as _;

/// The stand-in binary.
pub(crate) const STAND_IN: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");
/// No run may take longer than this.
pub(crate) const RUN_BUDGET: Duration = Duration::from_secs(120);

/// Runs the stand-in with `args`, `stdin` written to it, and `env` (the cassette settings) on a
/// process that never sees `CI`; its output, whatever the exit (asynchronously: a scripted
/// model answers on the caller's runtime).
pub(crate) async fn run_stand_in(args: &[String], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = tokio::process::Command::new(STAND_IN)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("CI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the stand-in starts");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.as_bytes())
        .await
        .expect("stdin written");
    drop(pipe);
    tokio::time::timeout(RUN_BUDGET, child.wait_with_output())
        .await
        .expect("the run ends in time")
        .expect("the stand-in's output")
}

/// Records one run into `cassette` through the real Codex of `codex`, and checks it succeeded.
#[allow(
    dead_code,
    reason = "the stand_in binary records through its own helper"
)]
pub(crate) async fn record_run(
    codex: &ScriptedCodex,
    cassette: &Path,
    args: &[String],
    stdin: &str,
) -> Output {
    let cassette = cassette.display().to_string();
    let codex_bin = codex.codex_bin.display().to_string();
    let home = codex.home.path().display().to_string();
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.as_str()),
        ("PROMPT_DIARY_RECORD_MODE", "all"),
        ("PROMPT_DIARY_CODEX_BIN", codex_bin.as_str()),
        ("CODEX_HOME", home.as_str()),
    ];
    let out = run_stand_in(args, stdin, &env).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
