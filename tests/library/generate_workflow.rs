//! The diary workflow wired by the composition root onto the fake session factory: entries run
//! concurrently with one runner per phase (their turns overlap in time), each entry's phases run
//! in order, and a failing entry names itself without stopping the others.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use prompt_diary::agent::{AgentSessionFactory, TurnOptions};
use prompt_diary::compose::wire_generation_workflow;
use prompt_diary::generate::{EntryRequest, PhaseSettings};
use prompt_diary::testing::{FakeAgentSessionFactory, FakeRunner, FakeTurn};
use tokio::sync::Barrier;

const OUTLINE: &str = "# Day\n\n- morning\n- evening\n";
const DRAFT: &str = "---\ntitle: Day\ndate: 2026-11-24\n---\n\nA quiet day.\n";
const REVIEW: &str = "- calm\n\nVerdict: approve\n";

fn settings() -> PhaseSettings {
    PhaseSettings {
        max_attempts: 2,
        turn_options: TurnOptions::with_timeout(Duration::from_secs(5)),
    }
}

/// The three phase runners of one entry, each turn waiting at the phase's gate (if any).
fn entry_runners(
    factory: FakeAgentSessionFactory,
    dir: &Path,
    gates: Option<&[Arc<Barrier>; 3]>,
) -> FakeAgentSessionFactory {
    let artifacts = [
        ("outline.md", OUTLINE),
        ("draft.md", DRAFT),
        ("review.md", REVIEW),
    ];
    artifacts
        .into_iter()
        .enumerate()
        .fold(factory, |factory, (i, (name, text))| {
            let mut turn = FakeTurn::reply("done").writes(name, text);
            if let Some(gates) = gates {
                turn = turn.rendezvous(gates[i].clone());
            }
            factory.with_runner(FakeRunner::in_directory(dir).turn(turn))
        })
}

#[tokio::test]
async fn entries_run_concurrently_with_one_runner_each_and_their_turns_overlap() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Every phase's turn in entry A waits for the same phase's turn in entry B and vice versa:
    // run one entry after the other and the first turn never gets past its gate.
    let gates = [(); 3].map(|()| Arc::new(Barrier::new(2)));
    let factory = FakeAgentSessionFactory::new().with_gate_timeout(Duration::from_secs(10));
    let factory = entry_runners(factory, a.path(), Some(&gates));
    let factory = Arc::new(entry_runners(factory, b.path(), Some(&gates)));
    let workflow = wire_generation_workflow(factory.clone(), settings());
    let entries = vec![
        EntryRequest::new("a", "day a", "2026-11-24", a.path()),
        EntryRequest::new("b", "day b", "2026-11-24", b.path()),
    ];
    let results = tokio::time::timeout(Duration::from_secs(30), workflow.run_entries(entries))
        .await
        .expect("the workflow finishes in bounded time");
    for result in results {
        let report = result.unwrap();
        let phases: Vec<&str> = report.phases.iter().map(|p| p.phase).collect();
        assert_eq!(phases, ["outline", "draft", "review"]);
        assert!(
            report.rendered.html.contains("<h1>Day</h1>"),
            "{}",
            report.rendered.html
        );
    }
    assert_eq!(
        factory.max_concurrent_turns(),
        2,
        "the two entries' turns overlapped"
    );
    assert_eq!(factory.configs().len(), 6, "one runner per phase and entry");
    for dir in [a.path(), b.path()] {
        let prompts = factory.prompts_in(dir);
        let firsts: Vec<&str> = prompts
            .iter()
            .map(|p| p[0].split(' ').next().unwrap())
            .collect();
        assert_eq!(
            firsts,
            ["Outline", "Draft", "Review"],
            "phases in order in {}",
            dir.display()
        );
    }
    factory.verify().unwrap();
}

#[tokio::test]
async fn the_composition_root_gives_every_agent_phase_the_workflow_factory() {
    let dir = tempfile::tempdir().unwrap();
    let factory = Arc::new(entry_runners(
        FakeAgentSessionFactory::new(),
        dir.path(),
        None,
    ));
    let workflow = wire_generation_workflow(factory.clone(), settings());
    let as_port: Arc<dyn AgentSessionFactory> = factory.clone();
    assert!(Arc::ptr_eq(workflow.agent_factory(), &as_port));
    let entry = EntryRequest::new("solo", "a day", "2026-11-24", dir.path());
    let report = workflow.run_entry(&entry).await.unwrap();
    assert_eq!(report.rendered.path, dir.path().join("entry.html"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("entry.html")).unwrap(),
        report.rendered.html
    );
    assert_eq!(
        factory.configs().len(),
        3,
        "all three agent phases used this factory"
    );
    workflow.shutdown().await.unwrap();
    factory.verify().unwrap();
}

#[tokio::test]
async fn a_failing_entry_is_named_and_the_others_still_finish() {
    let (good, bad) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let factory = entry_runners(FakeAgentSessionFactory::new(), good.path(), None).with_runner(
        FakeRunner::in_directory(bad.path())
            .turn(FakeTurn::reply("thinking"))
            .turn(FakeTurn::reply("still thinking")),
    );
    let factory = Arc::new(factory);
    let workflow = wire_generation_workflow(factory.clone(), settings());
    let results = workflow
        .run_entries(vec![
            EntryRequest::new("bad", "x", "2026-11-24", bad.path()),
            EntryRequest::new("good", "y", "2026-11-24", good.path()),
        ])
        .await;
    let err = results[0].as_ref().unwrap_err().to_string();
    assert!(
        err.starts_with(
            "entry `bad`, phase `outline`: the artifact still needs work after 2 attempt(s), the \
             limit: outline.md is missing."
        ),
        "{err}"
    );
    assert_eq!(results[1].as_ref().unwrap().slug, "good");
    // Every phase closed its runner: the good entry's three and the bad entry's failed one.
    assert_eq!(factory.closed(), [true; 4]);
    factory.verify().unwrap();
}
