//! Each agent phase of the diary workflow with the fake session factory: the happy path, a
//! missing artifact repaired on turn 2, an invalid artifact repaired after validation feedback,
//! a timeout then a resume, an error then a resume, and giving up after the limit.

use std::sync::Arc;
use std::time::Duration;

use prompt_diary::agent::{AgentError, AgentSessionFactory, TurnOptions};
use prompt_diary::generate::{
    AgentPhase, DraftSpec, EntryRequest, GenerateError, OutlineSpec, PhaseReport, PhaseSettings,
    ReviewSpec,
};
use prompt_diary::testing::{FakeAgentSessionFactory, FakeRunner, FakeTurn};
use rstest::rstest;

#[derive(Debug, Clone, Copy)]
enum Phase {
    Outline,
    Draft,
    Review,
}

impl Phase {
    fn artifact(self) -> &'static str {
        match self {
            Phase::Outline => "outline.md",
            Phase::Draft => "draft.md",
            Phase::Review => "review.md",
        }
    }

    fn name(self) -> &'static str {
        self.artifact().trim_end_matches(".md")
    }

    /// What the phase's resume prompt reminds the agent of.
    fn reminder(self) -> &'static str {
        match self {
            Phase::Outline => "It needs a `# ` title line and at least 2 `- ` list items.",
            Phase::Draft => "holding `title: ...` and `date: 2026-11-24`, then the body.",
            Phase::Review => "a line `Verdict: approve` or `Verdict: revise`.",
        }
    }

    fn valid(self) -> &'static str {
        match self {
            Phase::Outline => "# Dawn\n\n- mist\n- heron\n",
            Phase::Draft => "---\ntitle: Dawn\ndate: 2026-11-24\n---\n\nMist on the river.\n",
            Phase::Review => "- vivid\n\nVerdict: approve\n",
        }
    }

    /// An artifact the check rejects, and the finding it must report.
    fn invalid(self) -> (&'static str, &'static str) {
        match self {
            Phase::Outline => (
                "# Dawn\n\n- mist\n",
                "outline.md has 1 list item(s); at least 2 are needed",
            ),
            Phase::Draft => (
                "---\ntitle: Dawn\n---\n\nMist on the river.\n",
                "front matter lacks `date`",
            ),
            Phase::Review => (
                "Looks fine to me.\n",
                "review.md has no `Verdict: approve` or `Verdict: revise` line",
            ),
        }
    }

    async fn run(
        self,
        factory: Arc<dyn AgentSessionFactory>,
        entry: &EntryRequest,
    ) -> Result<PhaseReport, GenerateError> {
        let settings = PhaseSettings {
            max_attempts: 3,
            turn_options: TurnOptions::with_timeout(Duration::from_secs(5)),
        };
        match self {
            Phase::Outline => {
                AgentPhase::new(OutlineSpec, factory, settings)
                    .run(entry)
                    .await
            }
            Phase::Draft => {
                AgentPhase::new(DraftSpec, factory, settings)
                    .run(entry)
                    .await
            }
            Phase::Review => {
                AgentPhase::new(ReviewSpec, factory, settings)
                    .run(entry)
                    .await
            }
        }
    }
}

struct Setup {
    factory: Arc<FakeAgentSessionFactory>,
    entry: EntryRequest,
    _dir: tempfile::TempDir,
}

fn setup(turns: Vec<FakeTurn>) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let runner = turns.into_iter().fold(FakeRunner::new(), FakeRunner::turn);
    Setup {
        factory: Arc::new(FakeAgentSessionFactory::new().with_runner(runner)),
        entry: EntryRequest::new("dawn", "a walk at dawn", "2026-11-24", dir.path()),
        _dir: dir,
    }
}

impl Setup {
    async fn run(&self, phase: Phase) -> Result<PhaseReport, GenerateError> {
        phase.run(self.factory.clone(), &self.entry).await
    }

    fn artifact_text(&self, phase: Phase) -> String {
        std::fs::read_to_string(self.entry.workspace.join(phase.artifact())).unwrap()
    }

    /// The prompts of the phase's one runner.
    fn prompts(&self) -> Vec<String> {
        let prompts = self.factory.prompts();
        assert_eq!(prompts.len(), 1, "one runner per phase: {prompts:?}");
        prompts[0].clone()
    }
}

#[rstest]
#[tokio::test]
async fn happy_path_takes_one_turn_in_the_entry_workspace(
    #[values(Phase::Outline, Phase::Draft, Phase::Review)] phase: Phase,
) {
    let s = setup(vec![
        FakeTurn::reply("Done.").writes(phase.artifact(), phase.valid()),
    ]);
    let report = s.run(phase).await.unwrap();
    assert_eq!(report.phase, phase.name());
    assert_eq!(report.attempts.len(), 1);
    assert_eq!(report.artifact, s.entry.workspace.join(phase.artifact()));
    assert_eq!(s.artifact_text(phase), phase.valid());
    let prompts = s.prompts();
    assert!(
        prompts[0].contains("`dawn`") && prompts[0].contains(phase.artifact()),
        "{prompts:?}"
    );
    assert_eq!(s.factory.configs()[0].working_directory, s.entry.workspace);
    // The phase closed the runner it opened.
    assert_eq!(s.factory.closed(), [true]);
    s.factory.verify().unwrap();
}

#[rstest]
#[tokio::test]
async fn missing_artifact_is_repaired_on_turn_2(
    #[values(Phase::Outline, Phase::Draft, Phase::Review)] phase: Phase,
) {
    let s = setup(vec![
        FakeTurn::reply("I have a plan."),
        FakeTurn::reply("Written.").writes(phase.artifact(), phase.valid()),
    ]);
    let report = s.run(phase).await.unwrap();
    assert_eq!(report.attempts.len(), 2);
    assert_eq!(
        report.attempts[0].verdict.findings(),
        [format!("{} is missing", phase.artifact())]
    );
    assert!(report.attempts[1].verdict.is_complete());
    let prompts = s.prompts();
    assert!(
        prompts[1].contains(&format!("- {} is missing", phase.artifact())),
        "the resume prompt names the missing artifact: {:?}",
        prompts[1]
    );
    assert!(
        prompts[1].ends_with(phase.reminder()),
        "the resume prompt ends with the phase's reminder: {:?}",
        prompts[1]
    );
    assert_eq!(s.artifact_text(phase), phase.valid());
    s.factory.verify().unwrap();
}

#[rstest]
#[tokio::test]
async fn invalid_artifact_is_repaired_after_validation_feedback(
    #[values(Phase::Outline, Phase::Draft, Phase::Review)] phase: Phase,
) {
    let (invalid, finding) = phase.invalid();
    let s = setup(vec![
        FakeTurn::reply("Done.").writes(phase.artifact(), invalid),
        FakeTurn::reply("Fixed.").writes(phase.artifact(), phase.valid()),
    ]);
    let report = s.run(phase).await.unwrap();
    assert_eq!(report.attempts.len(), 2);
    assert_eq!(report.attempts[0].verdict.findings(), [finding]);
    let prompts = s.prompts();
    assert!(
        prompts[1].contains(finding),
        "the second prompt carries the finding {finding:?}: {:?}",
        prompts[1]
    );
    assert_eq!(s.artifact_text(phase), phase.valid());
    s.factory.verify().unwrap();
}

#[rstest]
#[tokio::test]
async fn timeout_then_resume_on_the_same_runner(
    #[values(Phase::Outline, Phase::Draft, Phase::Review)] phase: Phase,
) {
    let s = setup(vec![
        FakeTurn::timeout(),
        FakeTurn::reply("Back.").writes(phase.artifact(), phase.valid()),
    ]);
    let report = s.run(phase).await.unwrap();
    assert!(matches!(
        report.attempts[0].outcome,
        Err(AgentError::Timeout { timeout, .. }) if timeout == Duration::from_secs(5)
    ));
    assert!(report.attempts[1].outcome.is_ok());
    let prompts = s.prompts();
    assert!(
        prompts[1].starts_with("The previous turn did not finish: the turn timed out after 5s")
            && prompts[1].contains(&format!("{} is missing", phase.artifact())),
        "{:?}",
        prompts[1]
    );
    assert_eq!(s.factory.configs().len(), 1, "the runner is never replaced");
    s.factory.verify().unwrap();
}

#[rstest]
#[tokio::test]
async fn error_then_resume_on_the_same_runner(
    #[values(Phase::Outline, Phase::Draft, Phase::Review)] phase: Phase,
) {
    let s = setup(vec![
        FakeTurn::error(AgentError::TurnFailed {
            message: "model overloaded".into(),
            details: Some("internalServerError".into()),
        }),
        FakeTurn::reply("Recovered.").writes(phase.artifact(), phase.valid()),
    ]);
    let report = s.run(phase).await.unwrap();
    assert!(matches!(
        report.attempts[0].outcome,
        Err(AgentError::TurnFailed { .. })
    ));
    let prompts = s.prompts();
    assert!(
        prompts[1].contains("the turn failed: model overloaded (internalServerError)"),
        "{:?}",
        prompts[1]
    );
    assert_eq!(s.artifact_text(phase), phase.valid());
    s.factory.verify().unwrap();
}

#[rstest]
#[tokio::test]
async fn gives_up_after_the_limit_with_what_is_still_wrong(
    #[values(Phase::Outline, Phase::Draft, Phase::Review)] phase: Phase,
) {
    let (invalid, finding) = phase.invalid();
    let s = setup(vec![
        FakeTurn::reply("Done.").writes(phase.artifact(), invalid),
        FakeTurn::reply("Done again."),
        FakeTurn::error(AgentError::TurnFailed {
            message: "model overloaded".into(),
            details: None,
        }),
    ]);
    let err = s.run(phase).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "entry `dawn`, phase `{}`: the artifact still needs work after 3 attempt(s), the \
             limit: {finding}. The last turn failed: the turn failed: model overloaded. Raise \
             the attempt limit, or make the phase's prompts state what its check expects",
            phase.name()
        )
    );
    assert_eq!(s.prompts().len(), 3);
    // A phase that fails closes its runner too.
    assert_eq!(s.factory.closed(), [true]);
    s.factory.verify().unwrap();
}
