//! The record modes through the adapter (`CodexBackendConfig::with_cassette_settings`, the mode
//! from a project file built in code): `none`, `once`, `new_episodes`, `all`, and what CI
//! allows. Each session runs in a child process of this test binary ([`child`]), so its
//! environment (`CI`, `PROMPT_DIARY_RECORD_MODE`) is the test's and not the one `cargo test`
//! runs in; the scripted model runs here, in the parent, and checks that it served every reply.

use std::path::Path;
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::cassette::{CassetteSettings, RecordMode};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::project::ProjectFile;
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};

/// The child's test, by name, and the mark on the lines it reports.
const CHILD: &str = "record_modes::child";
const MARK: &str = "MODES\t";
const NO_CODEX: &str = "/nonexistent/codex";
const HELLO: &str = "Say hello.";
const GOODBYE: &str = "Say goodbye.";

/// One session in a child process.
struct Session<'a> {
    cassette: &'a Path,
    /// The configured mode (the project file's `record_mode`).
    mode: &'a str,
    codex_bin: &'a str,
    home: &'a Path,
    prompts: &'a [&'a str],
    /// Its environment, on top of one without `CI` and the record-mode variables.
    env: &'a [(&'a str, &'a str)],
}

impl Session<'_> {
    /// Runs the session; what each turn and the shutdown gave, one line each (`ok\t<reply>`,
    /// `err\t<error>`, `start\t<error>`, `shutdown\tok`).
    async fn run(&self) -> Vec<String> {
        let workspace = tempfile::tempdir().unwrap();
        let child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([CHILD, "--exact", "--ignored", "--nocapture"])
            .env_remove("CI")
            .env_remove("PROMPT_DIARY_RECORD_MODE")
            .env_remove("PROMPT_DIARY_CASSETTE_MODE")
            .env("MODES_CASSETTE", self.cassette)
            .env("MODES_MODE", self.mode)
            .env("MODES_BIN", self.codex_bin)
            .env("MODES_HOME", self.home)
            .env("MODES_WORKSPACE", workspace.path())
            .env("MODES_PROMPTS", self.prompts.join("\n"))
            .envs(self.env.iter().copied())
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(240), child)
            .await
            .expect("the child session ends in time")
            .expect("the child runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<String> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix(MARK).map(str::to_owned))
            .collect();
        assert!(
            !lines.is_empty(),
            "the child reported nothing:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines
    }
}

/// The session a parent asked for, run by this process: reported on stdout, marked.
#[tokio::test]
#[ignore = "a child session of the record-mode tests, run by them with their environment"]
async fn child() {
    let Ok(cassette) = std::env::var("MODES_CASSETTE") else {
        return;
    };
    let var = |key: &str| std::env::var(key).unwrap_or_default();
    let project = ProjectFile {
        record_mode: Some(RecordMode::parse(&var("MODES_MODE")).unwrap().0),
        ..ProjectFile::default()
    };
    let config = CodexBackendConfig::default()
        .with_codex_bin(var("MODES_BIN"))
        .with_codex_home(var("MODES_HOME"))
        .with_cassette_settings(CassetteSettings::for_project(&cassette, Some(&project)));
    let report = |what: &str, text: &str| println!("{MARK}{what}\t{}", text.replace('\n', " | "));
    let backend = match CodexBackend::start(config).await {
        Ok(backend) => backend,
        Err(err) => return report("start", &err.to_string()),
    };
    let workspace = var("MODES_WORKSPACE");
    for prompt in var("MODES_PROMPTS").split('\n') {
        let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(&workspace));
        match runner
            .turn(prompt, TurnOptions::with_timeout(Duration::from_secs(60)))
            .await
        {
            Ok(result) => report("ok", &result.assistant_text),
            Err(err) => report("err", &err.to_string()),
        }
    }
    match backend.shutdown().await {
        Ok(()) => report("shutdown", "ok"),
        Err(err) => report("shutdown", &err.to_string()),
    }
}

/// A scripted model that answers each of `replies` (prompt, reply) in a conversation of its own.
async fn model(bin: &Path, replies: &[(&str, &str)]) -> ScriptedCodex {
    let conversations: Vec<String> = replies
        .iter()
        .map(|(prompt, reply)| {
            format!(r#"{{"match": {prompt:?}, "replies": [{{"message": {reply:?}}}]}}"#)
        })
        .collect();
    let json = format!(
        r#"{{"name": "modes", "conversations": [{}]}}"#,
        conversations.join(",")
    );
    ScriptedCodex::start(Scenario::from_json(&json).unwrap(), bin.to_owned())
        .await
        .unwrap()
}

/// Records `cassette` with one conversation (`Say hello.`) in `once`.
async fn record_hello(bin: &Path, cassette: &Path) {
    let codex = model(bin, &[(HELLO, "Hello there.")]).await;
    let lines = Session {
        cassette,
        mode: "once",
        codex_bin: &bin.display().to_string(),
        home: codex.home.path(),
        prompts: &[HELLO],
        env: &[],
    }
    .run()
    .await;
    assert_eq!(lines, ["ok\tHello there.", "shutdown\tok"]);
    codex.model.finish().await.expect("the model served it");
}

#[tokio::test]
async fn none_refuses_to_record_and_names_the_missing_cassette() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("never_recorded.jsonl");
    let lines = Session {
        cassette: &cassette,
        mode: "none",
        codex_bin: NO_CODEX,
        home: dir.path(),
        prompts: &[HELLO],
        env: &[],
    }
    .run()
    .await;
    let [start] = lines.as_slice() else {
        panic!("the backend does not start: {lines:?}")
    };
    assert!(
        start.contains(&format!("no cassette at {}", cassette.display()))
            && start.contains(
                "Record it first with: PROMPT_DIARY_RECORD_MODE=once cargo test (records never_recorded.jsonl)"
            ),
        "{start}"
    );
    assert!(!cassette.exists(), "nothing was recorded");
}

#[tokio::test]
async fn once_records_a_missing_cassette_and_leaves_an_existing_one_byte_identical() {
    let Some(bin) = codex_for_conformance("once_records_only_what_is_missing") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("once.jsonl");
    record_hello(&bin, &cassette).await;
    let recorded = std::fs::read(&cassette).expect("once recorded the missing cassette");
    // Again in `once`: the cassette is there, so it replays (no Codex to start) and stays as it was.
    let lines = Session {
        cassette: &cassette,
        mode: "once",
        codex_bin: NO_CODEX,
        home: dir.path(),
        prompts: &[HELLO],
        env: &[],
    }
    .run()
    .await;
    assert_eq!(lines, ["ok\tHello there.", "shutdown\tok"]);
    assert_eq!(std::fs::read(&cassette).unwrap(), recorded);
    assert!(!dir.path().join("once.jsonl.new").exists());
}

#[tokio::test]
async fn new_episodes_appends_a_new_conversation_then_replays_both() {
    let Some(bin) = codex_for_conformance("new_episodes_appends_a_new_conversation") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("episodes.jsonl");
    record_hello(&bin, &cassette).await;
    let before = std::fs::read_to_string(&cassette).unwrap();
    // The new conversation comes first: its `thread/start` takes the recorded one, its first turn
    // does not match it, so it moves to the real Codex; the recorded one then replays. The model
    // knows only the new conversation.
    let codex = model(&bin, &[(GOODBYE, "Goodbye now.")]).await;
    let lines = Session {
        cassette: &cassette,
        mode: "new_episodes",
        codex_bin: &bin.display().to_string(),
        home: codex.home.path(),
        prompts: &[GOODBYE, HELLO],
        env: &[],
    }
    .run()
    .await;
    assert_eq!(
        lines,
        ["ok\tGoodbye now.", "ok\tHello there.", "shutdown\tok"]
    );
    codex
        .model
        .finish()
        .await
        .expect("the model served the new conversation only");
    let after = std::fs::read_to_string(&cassette).unwrap();
    let body = before.trim_end().rsplit_once('\n').unwrap().0;
    assert!(
        after.starts_with(body),
        "the recorded lines stay as they were"
    );
    assert!(
        after.contains("\"conv\":\"c2\"") && after.contains(GOODBYE),
        "{after}"
    );
    assert!(
        !after.contains("\"conv\":\"c3\""),
        "one conversation appended:\n{after}"
    );
    // Both replay with the model gone and no Codex at all, in either order.
    let lines = Session {
        cassette: &cassette,
        mode: "none",
        codex_bin: NO_CODEX,
        home: dir.path(),
        prompts: &[HELLO, GOODBYE],
        env: &[],
    }
    .run()
    .await;
    assert_eq!(
        lines,
        ["ok\tHello there.", "ok\tGoodbye now.", "shutdown\tok"]
    );
}

#[tokio::test]
async fn all_writes_new_when_the_recording_differs() {
    let Some(bin) = codex_for_conformance("all_writes_new_when_the_recording_differs") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("all.jsonl");
    record_hello(&bin, &cassette).await;
    let recorded = std::fs::read(&cassette).unwrap();
    let codex = model(&bin, &[(HELLO, "Hello, changed.")]).await;
    let lines = Session {
        cassette: &cassette,
        mode: "all",
        codex_bin: &bin.display().to_string(),
        home: codex.home.path(),
        prompts: &[HELLO],
        env: &[],
    }
    .run()
    .await;
    assert_eq!(lines, ["ok\tHello, changed.", "shutdown\tok"]);
    codex.model.finish().await.expect("the model served it");
    assert_eq!(
        std::fs::read(&cassette).unwrap(),
        recorded,
        "left for review"
    );
    let pending = std::fs::read_to_string(dir.path().join("all.jsonl.new")).unwrap();
    assert!(pending.contains("Hello, changed."), "{pending}");
}

#[tokio::test]
async fn under_ci_a_recording_mode_from_the_environment_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("ci.jsonl");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl"),
        &cassette,
    )
    .unwrap();
    let lines = Session {
        cassette: &cassette,
        mode: "none",
        codex_bin: NO_CODEX,
        home: dir.path(),
        prompts: &[HELLO],
        env: &[("CI", "true"), ("PROMPT_DIARY_RECORD_MODE", "once")],
    }
    .run()
    .await;
    let [start] = lines.as_slice() else {
        panic!("refused before any turn: {lines:?}")
    };
    assert!(
        start.contains(&format!("refusing to record {}", cassette.display()))
            && start.contains("CI never records")
            && start.contains("PROMPT_DIARY_RECORD_MODE=once"),
        "{start}"
    );
}

#[tokio::test]
async fn under_ci_a_recording_mode_from_the_project_file_is_read_as_none() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("ci.jsonl");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
    std::fs::copy(&committed, &cassette).unwrap();
    let lines = Session {
        cassette: &cassette,
        mode: "all",
        codex_bin: NO_CODEX,
        home: dir.path(),
        prompts: &[HELLO],
        env: &[("CI", "true")],
    }
    .run()
    .await;
    assert_eq!(
        lines,
        ["ok\tHello from the scripted model.", "shutdown\tok"],
        "replayed: no Codex was needed"
    );
    assert_eq!(
        std::fs::read(&cassette).unwrap(),
        std::fs::read(&committed).unwrap()
    );
    assert!(!dir.path().join("ci.jsonl.new").exists());
}
