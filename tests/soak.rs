//! Conformance tier soak: 64 concurrent runners on one backend run 2,048 turns against the real
//! Codex and the scripted model. Every turn is accounted for, no reply crosses to another runner,
//! and memory stays flat between the first and second half.

use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend};
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use serde_json::json;

const RUNNERS: usize = 64;
const TURNS: usize = 32;

/// Resident memory of `pid` in KiB (`VmRSS`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn run_half(
    backend: &CodexBackend,
    runners: &mut Vec<(usize, CodexAgentRunner)>,
    turns: std::ops::Range<usize>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, mut runner) in runners.drain(..) {
        let turns = turns.clone();
        tasks.spawn(async move {
            for t in turns {
                let result = runner
                    .turn(
                        &format!("SOAK-{i}: turn {t}"),
                        TurnOptions::with_timeout(Duration::from_secs(120)),
                    )
                    .await
                    .unwrap_or_else(|err| panic!("runner {i} turn {t}: {err}"));
                assert_eq!(
                    result.assistant_text,
                    format!("runner {i} reply {t}"),
                    "cross-talk or a lost turn"
                );
            }
            (i, runner)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        runners.push(joined.unwrap());
    }
    let _ = backend;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_runners_two_thousand_turns_no_cross_talk_flat_memory() {
    let Some(bin) = codex_for_conformance("soak") else {
        return;
    };
    let conversations: Vec<_> = (0..RUNNERS)
        .map(|i| {
            let replies: Vec<_> = (0..TURNS)
                .map(|t| json!({"message": format!("runner {i} reply {t}")}))
                .collect();
            json!({"match": format!("SOAK-{i}:"), "replies": replies})
        })
        .collect();
    let scenario =
        Scenario::from_json(&json!({"name": "soak", "conversations": conversations}).to_string())
            .unwrap();
    let codex = ScriptedCodex::start(scenario, bin).await.unwrap();
    codex.model.keep_request_bodies(false); // measure the adapter, not the fake's request log
    let backend = CodexBackend::start(codex.backend_config()).await.unwrap();
    let server = backend.pid().unwrap();
    let workspaces: Vec<_> = (0..RUNNERS)
        .map(|_| codex.extra_workspace().unwrap())
        .collect();
    let mut runners: Vec<_> = (0..RUNNERS)
        .map(|i| {
            (
                i,
                CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspaces[i].path())),
            )
        })
        .collect();

    for quarter in 0..2 {
        run_half(
            &backend,
            &mut runners,
            quarter * TURNS / 4..(quarter + 1) * TURNS / 4,
        )
        .await;
        eprintln!(
            "soak: quarter {quarter}: RSS ours {} KiB, app-server {} KiB",
            rss_kib(std::process::id()),
            rss_kib(server)
        );
    }
    let (ours_mid, server_mid) = (rss_kib(std::process::id()), rss_kib(server));
    run_half(&backend, &mut runners, TURNS / 2..3 * TURNS / 4).await;
    eprintln!(
        "soak: quarter 2: RSS ours {} KiB, app-server {} KiB",
        rss_kib(std::process::id()),
        rss_kib(server)
    );
    run_half(&backend, &mut runners, 3 * TURNS / 4..TURNS).await;
    let (ours_end, server_end) = (rss_kib(std::process::id()), rss_kib(server));

    assert_eq!(
        codex.model.requests().len(),
        RUNNERS * TURNS,
        "every turn reached the model once"
    );
    assert!(codex.model.unused_replies().is_empty() && codex.model.errors().is_empty());
    eprintln!(
        "soak: RSS ours {ours_mid} -> {ours_end} KiB, app-server {server_mid} -> {server_end} KiB"
    );
    // Flat: the second half may not grow memory by more than a quarter (plus 16 MiB of slack).
    assert!(
        ours_end <= ours_mid + ours_mid / 4 + 16 * 1024,
        "our RSS grew {ours_mid} -> {ours_end} KiB"
    );
    assert!(
        server_end <= server_mid + server_mid / 4 + 16 * 1024,
        "app-server RSS grew {server_mid} -> {server_end} KiB"
    );
    drop(runners);
    backend.shutdown().await.unwrap();
}
