//! Runs a command with the scripted local model on loopback and a Codex home that points the real
//! Codex at it: how `scripts/npm-package-check.sh` records the TypeScript example suite
//! (`examples/typescript/`) against the real pinned Codex without an account.
//!
//! ```sh
//! cargo run --release --example with_scripted_model -- SCENARIO.json -- npx vitest run
//! ```
//!
//! The command gets `CODEX_HOME` (the home naming the model); everything else is inherited. When
//! it ends, the model is finished: a reply never served or a request it could not answer is
//! printed and the exit code is 1. Otherwise the exit code is the command's. The command is
//! killed after `PROMPT_DIARY_DRIVER_TIMEOUT` seconds (default 600).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};

const USAGE: &str = "usage: with_scripted_model SCENARIO.json -- COMMAND [ARGS...]";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("with_scripted_model: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<ExitCode, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (scenario, command) = match args.as_slice() {
        [scenario, dashes, program, rest @ ..] if dashes == "--" => {
            (PathBuf::from(scenario), (program.clone(), rest.to_vec()))
        }
        _ => return Err(USAGE.to_owned()),
    };
    let budget = std::env::var("PROMPT_DIARY_DRIVER_TIMEOUT")
        .ok()
        .and_then(|secs| secs.parse().ok())
        .map_or(Duration::from_secs(600), Duration::from_secs);
    let scenario = Scenario::from_file(&scenario).map_err(|err| err.to_string())?;
    let model = ScriptedModel::start(scenario)
        .await
        .map_err(|err| format!("could not start the scripted model: {err}"))?;
    let home = CodexHome::for_model(&model)
        .map_err(|err| format!("could not write the Codex home: {err}"))?;
    eprintln!(
        "with_scripted_model: the scripted model answers at {}; CODEX_HOME={}",
        model.base_url(),
        home.path().display()
    );
    let mut child = tokio::process::Command::new(&command.0)
        .args(&command.1)
        .env("CODEX_HOME", home.path())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| format!("could not start {}: {err}", command.0))?;
    let status = match tokio::time::timeout(budget, child.wait()).await {
        Ok(status) => status.map_err(|err| format!("waiting for {}: {err}", command.0))?,
        Err(_) => {
            let _ = child.kill().await;
            return Err(format!(
                "{} ran past {} s and was killed (PROMPT_DIARY_DRIVER_TIMEOUT sets the budget)",
                command.0,
                budget.as_secs()
            ));
        }
    };
    let code = status.code().unwrap_or(1);
    if let Err(mismatch) = model.finish().await {
        eprintln!("with_scripted_model: the scenario was not played as written: {mismatch}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}
