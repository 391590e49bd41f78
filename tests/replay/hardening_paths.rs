//! Hardening: workspace effects never write outside the replay working directory. A cassette
//! whose effects name `..`, `.` or absolute paths is rejected when it is loaded (before anything
//! is replayed or written); a path that would pass through a symbolic link already in the
//! workspace is refused before anything is written.

use std::path::{Path, PathBuf};
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentError, AgentRunner, TurnOptions};
use prompt_diary::cassette::Cassette;
use prompt_diary::cassette::ReplayTransport;
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use rstest::rstest;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PROMPT: &str = "Write artifact.md with a title and one line.";

/// The committed `tool_artifact` cassette with its one effect's path replaced, written to `dir`.
fn cassette_writing_to(dir: &Path, path: &str) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(ROOT).join("cassettes/tool_artifact.jsonl"))
        .expect("the committed cassette");
    let escaped = serde_json::Value::from(path).to_string();
    let edited = text.replace("\"path\":\"artifact.md\"", &format!("\"path\":{escaped}"));
    assert!(
        edited.contains(&format!("\"path\":{escaped}")),
        "the effect line was edited"
    );
    let file = dir.join("tool_artifact.jsonl");
    std::fs::write(&file, edited).expect("the edited cassette is written");
    file
}

/// Replays the cassette's one turn in `workspace`; returns the turn's error.
async fn replay_turn(cassette: &Path, workspace: &Path) -> AgentError {
    let transport = ReplayTransport::open(cassette, "just record-fixtures").expect("loads");
    let backend = CodexBackend::start_with_transport(CodexBackendConfig::default(), transport)
        .await
        .expect("the replay starts");
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace));
    let err = runner
        .turn(PROMPT, TurnOptions::with_timeout(Duration::from_secs(10)))
        .await
        .expect_err("the effect is refused");
    let _ = backend.shutdown().await;
    err
}

#[rstest]
#[case::parent_dir("../escape.md", "the path contains `..`")]
#[case::parent_dir_inside("notes/../../escape.md", "the path contains `..`")]
#[case::current_dir("./artifact.md", "the path contains `.`")]
#[case::absolute("/ABSOLUTE/escape.md", "the path is absolute")]
#[case::backslash("..\\escape.md", "a NUL or a backslash")]
#[case::empty("", "the path is empty")]
fn a_cassette_with_an_unsafe_effect_path_is_rejected_when_loaded(
    #[case] path: &str,
    #[case] reason: &str,
) {
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // An absolute path inside a folder this test owns, so a wrong write would be seen.
    let path = path.replace("/ABSOLUTE", &outside.path().display().to_string());
    let file = cassette_writing_to(dir.path(), &path);

    let err = Cassette::load(&file, "just record-fixtures")
        .expect_err("the cassette is rejected")
        .to_string();
    assert!(
        err.contains("tool_artifact.jsonl:25:"),
        "names the line: {err}"
    );
    assert!(
        err.contains(&format!("refusing workspace effect on {path:?}")) && err.contains(reason),
        "{err}"
    );
    assert!(
        err.contains("may only touch files inside the replay working directory"),
        "{err}"
    );
    let replay = ReplayTransport::open(&file, "just record-fixtures");
    assert!(replay.is_err(), "replay refuses to start");
    assert!(!dir.path().join("escape.md").exists());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[rstest]
#[case::through_a_linked_folder("link/artifact.md", "link")]
#[case::onto_a_linked_file("artifact.md", "artifact.md")]
#[tokio::test]
async fn an_effect_through_a_symbolic_link_in_the_workspace_is_refused(
    #[case] path: &str,
    #[case] link: &str,
) {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("artifact.md");
    std::fs::write(&target, "untouched\n").unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let points_to = if link == "link" {
        outside.path().to_path_buf()
    } else {
        target.clone()
    };
    std::os::unix::fs::symlink(&points_to, workspace.path().join(link)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = cassette_writing_to(dir.path(), path);

    let err = replay_turn(&file, workspace.path()).await;
    let text = err.to_string();
    assert!(
        text.contains(&format!("refusing workspace effect on {path:?}"))
            && text.contains("goes through a symbolic link in the workspace"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "untouched\n",
        "nothing was written outside the workspace"
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn a_plain_relative_effect_path_still_replays_into_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let file = cassette_writing_to(dir.path(), "notes/artifact.md");
    let workspace = tempfile::tempdir().unwrap();
    let transport = ReplayTransport::open(&file, "just record-fixtures").expect("loads");
    let backend = CodexBackend::start_with_transport(CodexBackendConfig::default(), transport)
        .await
        .unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
    runner
        .turn(PROMPT, TurnOptions::with_timeout(Duration::from_secs(10)))
        .await
        .unwrap();
    backend.shutdown().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(workspace.path().join("notes/artifact.md")).unwrap(),
        "# Artifact\n\nwritten by the agent\n"
    );
}

#[tokio::test]
async fn a_seed_file_that_cannot_be_written_names_its_path_and_keeps_the_io_error() {
    use prompt_diary::replay::CassetteReplayError;
    use prompt_diary::replay::driver::{ClientScript, RunnerScript};

    let workspace = tempfile::tempdir().unwrap();
    std::fs::write(workspace.path().join("notes"), "a file, not a folder\n").unwrap();
    let script = ClientScript {
        runners: vec![RunnerScript {
            files: [("notes/seed.md".to_owned(), "seed\n".to_owned())].into(),
            ..RunnerScript::default()
        }],
        ..ClientScript::default()
    };
    let cassette = Path::new(ROOT).join("cassettes/tool_artifact.jsonl");
    let transport = ReplayTransport::open(&cassette, "just record-fixtures").expect("loads");
    let backend = CodexBackend::start_with_transport(CodexBackendConfig::default(), transport)
        .await
        .unwrap();
    let err = script
        .run(&backend, &[workspace.path().to_owned()])
        .await
        .expect_err("the seed file's folder is a file");
    let _ = backend.shutdown().await;
    let seed = workspace.path().join("notes/seed.md");
    let Some(CassetteReplayError::SeedFile { path, source }) =
        err.backend_error::<CassetteReplayError>()
    else {
        panic!("not a typed seed-file error: {err:?}");
    };
    assert_eq!(path, &seed);
    let seed_err = err.backend_error::<CassetteReplayError>().unwrap();
    assert!(
        std::error::Error::source(seed_err)
            .is_some_and(|cause| cause.to_string() == source.to_string()),
        "the io error is the source"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "could not write {}, a file the client script seeds into a runner's workspace: ",
            seed.display()
        )) && text.contains(&format!(
            "{source}; check that the workspace folder is writable"
        )),
        "{text}"
    );
}
