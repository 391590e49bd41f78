//! `prompt-diary scripted-model SCENARIO`: the scripted local model on loopback and a Codex home
//! that points the real Codex at it, served until stdin closes or a signal comes. A project
//! records its own tests' cassettes through the stand-in this way (`CODEX_HOME` set for the
//! recording run), with no account, key or network; the Python example suite's CI does.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use tokio::io::AsyncReadExt as _;

use crate::testing::{CodexHome, Scenario, ScriptedModel};

/// Arguments of `scripted-model`.
#[derive(Debug, Args)]
pub struct ScriptedModelServe {
    /// The scenario file (JSON: conversations, each with its replies and an optional `match`
    /// text that routes a new conversation to it).
    scenario: PathBuf,
}

impl ScriptedModelServe {
    /// Prints `CODEX_HOME=<folder>` on stdout, serves until stdin closes (or SIGINT/SIGTERM),
    /// then fails when a reply was left unserved or a request could not be answered.
    pub async fn run(self) -> anyhow::Result<()> {
        let scenario = Scenario::from_file(&self.scenario)
            .with_context(|| format!("reading the scenario {}", self.scenario.display()))?;
        let model = ScriptedModel::start(scenario).await?;
        let home = CodexHome::for_model(&model)?;
        super::print_line(&format!("CODEX_HOME={}", home.path().display()))?;
        super::print_err(&format!(
            "scripted model {} at {}; Codex home {} (close stdin to stop)",
            model.name(),
            model.base_url(),
            home.path().display()
        ));
        wait_for_stop().await;
        let served = model.requests().len();
        match model.finish().await {
            Ok(()) => {
                super::print_err(&format!(
                    "scripted model: {served} request(s), all replies served"
                ));
                Ok(())
            }
            Err(mismatch) => bail!("the scripted model's scenario was not followed: {mismatch}"),
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
