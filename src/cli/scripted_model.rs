//! `prompt-diary scripted-model SCENARIO [-- COMMAND...]`: the scripted local model on loopback
//! and a Codex home that points the real Codex at it, served until stdin closes or a signal
//! comes, or for the run of one command given `CODEX_HOME`. A project records its own tests'
//! cassettes through the stand-in this way, with no account, key or network; the Python and
//! TypeScript example suites' CI checks do.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use tokio::io::AsyncReadExt as _;

use crate::testing::{CodexHome, Scenario, ScriptedModel};

/// Arguments of `scripted-model`.
#[derive(Debug, Args)]
pub(crate) struct ScriptedModelServe {
    /// The scenario file (JSON: conversations, each with its replies and an optional `match`
    /// text that routes a new conversation to it).
    scenario: PathBuf,
    /// Run this command (after `--`) with `CODEX_HOME` set, instead of waiting for stdin to
    /// close; the exit code is the command's (1 when the scenario was not followed). It is
    /// killed after `--timeout-secs`.
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<String>,
    /// With a command: how long it may run, in seconds.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
}

impl ScriptedModelServe {
    /// Prints `CODEX_HOME=<folder>` on stdout, serves until stdin closes (or SIGINT/SIGTERM),
    /// then fails when a reply was left unserved or a request could not be answered.
    pub(crate) async fn run(self) -> anyhow::Result<()> {
        let scenario = Scenario::from_file(&self.scenario)
            .with_context(|| format!("reading the scenario {}", self.scenario.display()))?;
        let model = ScriptedModel::start(scenario).await?;
        let home = CodexHome::for_model(&model)?;
        let code = if self.command.is_empty() {
            super::print_line(&format!("CODEX_HOME={}", home.path().display()))?;
            super::print_err(&format!(
                "scripted model {} at {}; Codex home {} (close stdin to stop)",
                model.name(),
                model.base_url(),
                home.path().display()
            ));
            wait_for_stop().await;
            0
        } else {
            super::print_err(&format!(
                "scripted model {} at {}; running {} with CODEX_HOME={}",
                model.name(),
                model.base_url(),
                self.command[0],
                home.path().display()
            ));
            run_command(&self.command, home.path(), self.timeout_secs).await?
        };
        let served = model.requests().len();
        match model.finish().await {
            Ok(()) => {
                super::print_err(&format!(
                    "scripted model: {served} request(s), all replies served"
                ));
            }
            Err(mismatch) => bail!("the scripted model's scenario was not followed: {mismatch}"),
        }
        if code != 0 {
            drop(home);
            std::process::exit(code);
        }
        Ok(())
    }
}

/// Runs `command` with `CODEX_HOME` set to `home`, killed after `timeout_secs`; returns its exit
/// code.
async fn run_command(
    command: &[String],
    home: &std::path::Path,
    timeout_secs: u64,
) -> anyhow::Result<i32> {
    let mut child = tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .env("CODEX_HOME", home)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("could not start {}", command[0]))?;
    match tokio::time::timeout(Duration::from_secs(timeout_secs), child.wait()).await {
        Ok(status) => Ok(status
            .with_context(|| format!("waiting for {}", command[0]))?
            .code()
            .unwrap_or(1)),
        Err(_) => {
            let _ = child.kill().await;
            bail!(
                "{} ran past {timeout_secs} s and was killed (raise --timeout-secs)",
                command[0]
            )
        }
    }
}

/// Resolves when stdin reaches its end, or at SIGINT or SIGTERM.
async fn wait_for_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    let stdin = async {
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    };
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = stdin => {}
        () = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
