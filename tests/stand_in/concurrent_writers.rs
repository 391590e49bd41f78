//! Eight recorders of one cassette at once, as test workers (pytest-xdist, vitest) record: the
//! stand-in in `new_episodes` as the adapter's `codex app-server`, and `codex exec` runs in
//! `new_episodes` and `all`. Every recording is kept (the writers take turns on the cassette's
//! lock and join what the others wrote), and the cassette replays them all. Five rounds each.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};

use crate::stand_in_run::{STAND_IN, run_stand_in};

const WRITERS: usize = 8;
const ROUNDS: usize = 5;
const NO_CODEX: &str = "/nonexistent/codex";
const HELLO: &str = "Say hello.";
const HELLO_REPLY: &str = "Hello there.";

fn prompt(writer: usize) -> String {
    format!("Writer {writer}, say your number.")
}

fn reply(writer: usize) -> String {
    format!("Number {writer} speaking.")
}

/// A scripted model that answers each of `writers` in a conversation of its own.
async fn model(bin: &Path, writers: &[usize]) -> ScriptedCodex {
    let conversations: Vec<String> = writers
        .iter()
        .map(|&w| {
            format!(
                r#"{{"match": {:?}, "replies": [{{"message": {:?}}}]}}"#,
                prompt(w),
                reply(w)
            )
        })
        .collect();
    let json = format!(
        r#"{{"name": "writers", "conversations": [{}]}}"#,
        conversations.join(",")
    );
    ScriptedCodex::start(Scenario::from_json(&json).unwrap(), bin.to_owned())
        .await
        .unwrap()
}

/// The stand-in as the adapter's Codex on `cassette` in `mode`, recording through `codex`.
fn through_stand_in(
    cassette: &Path,
    mode: &str,
    codex: Option<&ScriptedCodex>,
) -> CodexBackendConfig {
    let config = CodexBackendConfig::default()
        .with_codex_bin(STAND_IN)
        .with_env("PROMPT_DIARY_CASSETTE", cassette.display().to_string())
        .with_env("PROMPT_DIARY_RECORD_MODE", mode)
        .with_env("CI", "")
        // Eight real Codex processes start at once: a busy machine may take a while.
        .with_request_timeout(Duration::from_secs(120));
    match codex {
        Some(codex) => config
            .with_env(
                "PROMPT_DIARY_CODEX_BIN",
                codex.codex_bin.display().to_string(),
            )
            .with_codex_home(codex.home.path()),
        None => config.with_env("PROMPT_DIARY_CODEX_BIN", NO_CODEX),
    }
}

/// One app-server session through the adapter, each prompt on a runner of its own; the replies.
async fn app_server(config: CodexBackendConfig, prompts: Vec<String>) -> Vec<String> {
    let backend = CodexBackend::start(config)
        .await
        .expect("the stand-in starts");
    let workspace = tempfile::tempdir().unwrap();
    let mut replies = Vec::new();
    for prompt in &prompts {
        let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
        let result = runner
            .turn(prompt, TurnOptions::with_timeout(Duration::from_secs(180)))
            .await
            .unwrap_or_else(|err| panic!("{prompt}: {err}"));
        replies.push(result.assistant_text);
    }
    backend.shutdown().await.expect("a clean session");
    replies
}

/// The Codex binary and home a run records through (none: replay only).
fn codex_env(codex: Option<&ScriptedCodex>) -> (String, String) {
    match codex {
        Some(codex) => (
            codex.codex_bin.display().to_string(),
            codex.home.path().display().to_string(),
        ),
        None => (NO_CODEX.to_owned(), "/nonexistent/home".to_owned()),
    }
}

/// One `codex exec` run of `prompt` through the stand-in on `cassette` in `mode`, recording
/// through the Codex binary and home of `codex` ([`codex_env`]).
async fn exec(
    cassette: PathBuf,
    mode: &'static str,
    codex: (String, String),
    prompt: String,
) -> Output {
    let ws = tempfile::tempdir().unwrap();
    let ws_arg = ws.path().display().to_string();
    let args = [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "-C",
        &ws_arg,
        "-",
    ]
    .map(str::to_owned);
    let cassette = cassette.display().to_string();
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.as_str()),
        ("PROMPT_DIARY_RECORD_MODE", mode),
        ("PROMPT_DIARY_CODEX_BIN", codex.0.as_str()),
        ("CODEX_HOME", codex.1.as_str()),
    ];
    run_stand_in(&args, &prompt, &env).await
}

/// Asserts `out` succeeded and printed `reply`.
fn printed(out: &Output, reply: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(reply),
        "{reply:?} expected:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Nothing but the cassette is left beside it: no `.new`, no lock file.
fn alone(dir: &Path, name: &str) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [name], "left beside the cassette");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_app_server_sessions_in_new_episodes_each_keep_their_conversation() {
    let Some(bin) = codex_for_conformance("stand_in concurrent app-server new_episodes") else {
        return;
    };
    let base = tempfile::tempdir().unwrap();
    let recorded = base.path().join("app.jsonl");
    {
        // The base: one conversation, recorded by a model that says hello.
        let codex = hello_model(&bin).await;
        let replies = app_server(
            through_stand_in(&recorded, "once", Some(&codex)),
            vec![HELLO.to_owned()],
        )
        .await;
        assert_eq!(replies, [HELLO_REPLY]);
        codex.model.finish().await.expect("served");
    }
    let writers: Vec<usize> = (1..=WRITERS).collect();
    for round in 1..=ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let cassette = dir.path().join("app.jsonl");
        std::fs::copy(&recorded, &cassette).unwrap();
        let codex = model(&bin, &writers).await;
        let sessions: Vec<_> = writers
            .iter()
            .map(|&w| {
                let config = through_stand_in(&cassette, "new_episodes", Some(&codex));
                tokio::spawn(app_server(config, vec![prompt(w)]))
            })
            .collect();
        for (session, w) in sessions.into_iter().zip(&writers) {
            assert_eq!(session.await.unwrap(), [reply(*w)], "round {round}");
        }
        codex
            .model
            .finish()
            .await
            .expect("each writer recorded live");
        // Every conversation is there, and one session replays them all, with no Codex.
        let mut prompts: Vec<String> = writers.iter().map(|&w| prompt(w)).collect();
        prompts.push(HELLO.to_owned());
        let mut expected: Vec<String> = writers.iter().map(|&w| reply(w)).collect();
        expected.push(HELLO_REPLY.to_owned());
        let replayed = app_server(through_stand_in(&cassette, "none", None), prompts).await;
        assert_eq!(replayed, expected, "round {round}");
        alone(dir.path(), "app.jsonl");
    }
}

/// Eight `codex exec` writers at once on `cassette` in `mode`, each recording its own prompt;
/// then each run replays from the cassette alone.
async fn exec_round(bin: &Path, cassette: &Path, mode: &'static str, round: usize) {
    let writers: Vec<usize> = (1..=WRITERS).collect();
    let codex = model(bin, &writers).await;
    let runs: Vec<_> = writers
        .iter()
        .map(|&w| {
            tokio::spawn(exec(
                cassette.to_owned(),
                mode,
                codex_env(Some(&codex)),
                prompt(w),
            ))
        })
        .collect();
    for (run, w) in runs.into_iter().zip(&writers) {
        printed(&run.await.unwrap(), &reply(*w));
    }
    codex
        .model
        .finish()
        .await
        .expect("each writer recorded live");
    let text = std::fs::read_to_string(cassette).unwrap();
    for &w in &writers {
        assert!(
            text.contains(&reply(w)),
            "round {round}: writer {w}'s run is missing:\n{text}"
        );
        let out = exec(cassette.to_owned(), "none", codex_env(None), prompt(w)).await;
        printed(&out, &reply(w));
    }
}

/// A scripted model that says hello once.
async fn hello_model(bin: &Path) -> ScriptedCodex {
    let json = format!(
        r#"{{"name": "hello", "conversations": [{{"match": {HELLO:?}, "replies": [{{"message": {HELLO_REPLY:?}}}]}}]}}"#
    );
    ScriptedCodex::start(Scenario::from_json(&json).unwrap(), bin.to_owned())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_exec_writers_in_new_episodes_each_keep_their_run() {
    let Some(bin) = codex_for_conformance("stand_in concurrent exec new_episodes") else {
        return;
    };
    let base = tempfile::tempdir().unwrap();
    let recorded = base.path().join("exec.jsonl");
    let codex = hello_model(&bin).await;
    let out = exec(
        recorded.clone(),
        "once",
        codex_env(Some(&codex)),
        HELLO.to_owned(),
    )
    .await;
    printed(&out, HELLO_REPLY);
    codex.model.finish().await.expect("served");
    for round in 1..=ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let cassette = dir.path().join("exec.jsonl");
        std::fs::copy(&recorded, &cassette).unwrap();
        exec_round(&bin, &cassette, "new_episodes", round).await;
        let text = std::fs::read_to_string(&cassette).unwrap();
        assert_eq!(
            text.matches("\"kind\":\"invocation\"").count(),
            WRITERS + 1,
            "round {round}:\n{text}"
        );
        let out = exec(cassette.clone(), "none", codex_env(None), HELLO.to_owned()).await;
        printed(&out, HELLO_REPLY);
        alone(dir.path(), "exec.jsonl");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_exec_writers_in_all_each_keep_their_run() {
    let Some(bin) = codex_for_conformance("stand_in concurrent exec all") else {
        return;
    };
    for round in 1..=ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let cassette = dir.path().join("exec.jsonl");
        exec_round(&bin, &cassette, "all", round).await;
        let text = std::fs::read_to_string(&cassette).unwrap();
        assert_eq!(
            text.matches("\"kind\":\"invocation\"").count(),
            WRITERS,
            "round {round}: one cassette holds every writer's run:\n{text}"
        );
        alone(dir.path(), "exec.jsonl");
    }
}
