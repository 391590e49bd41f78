//! Conformance tier: the same cassette on every machine. A cassette recorded where bubblewrap is
//! on `PATH` re-records `unchanged` where it is hidden (Codex then warns and uses its bundled
//! one), with `HOME` and `TMPDIR` elsewhere, and the other way round; `review` of a re-recording
//! that differs only by its host says so and exits 0; an exec cassette (recorded through the
//! stand-in) re-records unchanged across the two machines too. The host's messages are
//! environment (`cassette::host`): kept in the cassette, never compared.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fixtures::{FixtureStatus, Rerecord, rerecord};
use prompt_diary::cassette::WriteOutcome;
use prompt_diary::rerecord::rerecord_cassette;
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, announce_skip, codex_for_conformance};

use crate::stand_in_run::record_run;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// A scenario that runs a command in Codex's sandbox (where bubblewrap counts).
const SCENARIO: &str = "tool_artifact";

/// One host: a Codex launcher (a script that sets its environment, then runs the real Codex).
struct Host {
    codex: PathBuf,
}

impl Host {
    /// A launcher for `codex` with `PATH` set to `path`, and `HOME` and `TMPDIR` to folders of
    /// their own under `dir` when `elsewhere`.
    fn new(dir: &Path, name: &str, codex: &Path, path: &str, elsewhere: bool) -> Self {
        use std::os::unix::fs::PermissionsExt as _;
        let mut script = format!("#!/bin/sh\nPATH='{path}'\nexport PATH\n");
        if elsewhere {
            for var in ["HOME", "TMPDIR"] {
                let folder = dir.join(format!("{name}-{}", var.to_lowercase()));
                std::fs::create_dir_all(&folder).unwrap();
                script.push_str(&format!("{var}='{}'\nexport {var}\n", folder.display()));
            }
        }
        script.push_str(&format!("exec '{}' \"$@\"\n", codex.display()));
        let launcher = dir.join(format!("codex-{name}"));
        std::fs::write(&launcher, script).unwrap();
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { codex: launcher }
    }
}

/// A folder of links to every program on `PATH` but `bwrap`: the machine without bubblewrap.
fn path_without_bwrap(dir: &Path) -> String {
    let bin = dir.join("no-bwrap-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for folder in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let link = bin.join(entry.file_name());
            if entry.file_name() != "bwrap" && !link.exists() {
                let _ = std::os::unix::fs::symlink(entry.path(), link);
            }
        }
    }
    bin.display().to_string()
}

/// The two machines, with bubblewrap on `PATH` and without it (`HOME` and `TMPDIR` elsewhere),
/// under `dir`; `None` (the test said it skipped) when there is no Codex or no bubblewrap here.
fn two_hosts(test: &str, dir: &Path) -> Option<(Host, Host)> {
    let codex = codex_for_conformance(test)?;
    let path = std::env::var("PATH").unwrap_or_default();
    if !std::env::split_paths(&path).any(|folder| folder.join("bwrap").is_file()) {
        announce_skip(&format!(
            "{test}: bubblewrap is not on PATH here, so there is no machine with it to compare \
             with; install it (`apt-get install bubblewrap`) to run this test"
        ));
        return None;
    }
    let with = Host::new(dir, "with", &codex, &path, false);
    let hidden = path_without_bwrap(dir);
    let without = Host::new(dir, "without", &codex, &hidden, true);
    Some((with, without))
}

/// The scenario's cassette recorded fresh on `host`, in a project folder of its own.
async fn record_on(host: &Host, project: &Path) -> PathBuf {
    let scenarios = project.join("fixtures/scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::create_dir_all(project.join("cassettes")).unwrap();
    std::fs::copy(
        Path::new(ROOT).join(format!("fixtures/scenarios/{SCENARIO}.json")),
        scenarios.join(format!("{SCENARIO}.json")),
    )
    .unwrap();
    let request = Rerecord {
        only: vec![SCENARIO.to_owned()],
        overwrite: true,
        ..Rerecord::default()
    };
    let report = rerecord(project, &host.codex, &request, &mut |_| {})
        .await
        .unwrap();
    let cassette = project.join(format!("cassettes/{SCENARIO}.jsonl"));
    assert_eq!(
        report.fixtures,
        [(
            SCENARIO.to_owned(),
            FixtureStatus::Written(cassette.clone())
        )]
    );
    cassette
}

#[tokio::test]
async fn a_cassette_re_records_unchanged_with_bubblewrap_hidden_and_the_other_way_round() {
    let dir = tempfile::tempdir().unwrap();
    let Some((with, without)) = two_hosts("host environment (app-server)", dir.path()) else {
        return;
    };
    let recorded_with = record_on(&with, &dir.path().join("with")).await;
    let recorded_without = record_on(&without, &dir.path().join("without")).await;
    // The two machines really differ, by the host's own messages.
    let text_with = std::fs::read_to_string(&recorded_with).unwrap();
    let text_without = std::fs::read_to_string(&recorded_without).unwrap();
    assert!(!text_with.contains("\"method\":\"configWarning\""));
    assert!(
        text_without.contains("\"method\":\"configWarning\""),
        "{text_without}"
    );
    // Each re-records unchanged on the other machine.
    for (cassette, other) in [(&recorded_with, &without), (&recorded_without, &with)] {
        let outcome = rerecord_cassette(cassette, &other.codex, &[])
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", cassette.display()));
        assert_eq!(outcome, WriteOutcome::Unchanged(cassette.clone()));
        assert!(!cassette.with_extension("jsonl.new").exists());
    }
    // A re-recording that differs only by its host (here put in place by hand) reviews as such.
    std::fs::copy(&recorded_without, recorded_with.with_extension("jsonl.new")).unwrap();
    let review = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .arg("review")
        .arg(&recorded_with)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&review.stdout);
    assert!(
        review.status.success(),
        "{shown}{}",
        String::from_utf8_lossy(&review.stderr)
    );
    for expected in [
        "what the agent did: unchanged",
        "protocol shape: unchanged",
        "  here, not when recorded: configWarning: Codex could not find bubblewrap",
        "only the environment differs",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing from:\n{shown}"
        );
    }
    assert!(!shown.contains("appeared"), "{shown}");
}

/// An exec run that writes a file through the sandbox, then answers.
const EXEC_SCENARIO: &str = r#"{
  "name": "exec_host",
  "conversations": [{ "replies": [
    { "shell": "printf 'first\\n' > notes.md" },
    { "message": "Wrote notes.md." }
  ] }]
}"#;

#[tokio::test]
async fn an_exec_cassette_re_records_unchanged_across_the_two_machines() {
    let dir = tempfile::tempdir().unwrap();
    let Some((with, without)) = two_hosts("host environment (exec)", dir.path()) else {
        return;
    };
    for (name, recorder, other) in [("with", &with, &without), ("without", &without, &with)] {
        let scenario = Scenario::from_json(EXEC_SCENARIO).expect("scenario");
        let codex = ScriptedCodex::start(scenario, recorder.codex.clone())
            .await
            .expect("model");
        let cassette = dir.path().join(format!("exec-{name}.jsonl"));
        let ws = codex.workspace.path().display().to_string();
        let args = [
            "exec",
            "--experimental-json",
            "--cd",
            &ws,
            "--skip-git-repo-check",
        ]
        .map(str::to_owned);
        record_run(&codex, &cassette, &args, "Write notes.md with one line.").await;
        codex
            .model
            .finish()
            .await
            .expect("the model served every reply");
        let recorded = std::fs::read_to_string(&cassette).unwrap();
        assert!(recorded.contains("command_execution"), "{recorded}");
        let outcome = rerecord_cassette(&cassette, &other.codex, &[])
            .await
            .unwrap_or_else(|err| panic!("recorded {name} bubblewrap: {err}"));
        assert_eq!(
            outcome,
            WriteOutcome::Unchanged(cassette.clone()),
            "recorded {name} bubblewrap"
        );
    }
}
