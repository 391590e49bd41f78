//! Conformance tier: `prompt-diary rerecord -j N` over a folder re-records at most N cassettes
//! at once on the real pinned Codex, and reports each cassette on a whole line of its own, in
//! folder order, the failures named, the same as one at a time. A wrapper standing in for the
//! Codex binary logs when each app-server starts and ends, so the bound is read from the log.

use std::path::{Path, PathBuf};
use std::process::Command;

use prompt_diary::testing::conformance::codex_for_conformance;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_prompt-diary");

/// The committed cassettes copied into the folder (one of them into a subfolder, as a per-test
/// cassette is).
const COMMITTED: [&str; 4] = [
    "single_turn",
    "structured_output_turn",
    "tool_artifact",
    "per_module/concurrent_runners",
];

/// The wrapper: runs the real Codex, logging `start` and `end` around each app-server session
/// (not around `app-server generate-json-schema`, the schema fingerprint).
fn wrapper(real: &Path, log: &Path) -> String {
    format!(
        "#!/bin/bash\n\
         case \" $* \" in\n\
         *\" generate-json-schema \"*) exec '{real}' \"$@\" ;;\n\
         *\" app-server \"*) echo start >> '{log}'; '{real}' \"$@\"; code=$?; echo end >> '{log}'; exit $code ;;\n\
         *) exec '{real}' \"$@\" ;;\n\
         esac\n",
        log = log.display(),
        real = real.display(),
    )
}

/// The most app-servers the log shows running at once, and how many ran.
fn most_at_once(log: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let (mut now, mut most, mut started) = (0usize, 0, 0);
    for line in text.lines() {
        if line == "start" {
            now += 1;
            started += 1;
            most = most.max(now);
        } else {
            now = now.saturating_sub(1);
        }
    }
    (most, started)
}

/// A folder of cassettes: the committed ones and a broken one (`broken.jsonl`).
fn lay_out(dir: &Path) -> PathBuf {
    let folder = dir.join("cassettes");
    for name in COMMITTED {
        let to = folder.join(format!("{name}.jsonl"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        let from = Path::new(ROOT)
            .join("cassettes")
            .join(format!("{}.jsonl", name.rsplit('/').next().unwrap()));
        std::fs::copy(from, to).unwrap();
    }
    std::fs::write(folder.join("broken.jsonl"), "{\"cassette\": \n").unwrap();
    folder
}

/// Runs `rerecord -j JOBS FOLDER` with the wrapper; its stdout lines and the log's count.
fn rerecord(jobs: &str, real: &Path) -> (Vec<String>, (usize, usize)) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let folder = lay_out(dir);
    let log = dir.join("log");
    let codex = dir.join("codex");
    std::fs::write(&codex, wrapper(real, &log)).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&codex, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = Command::new(BIN)
        .args(["rerecord", "-j", jobs, "--codex-bin"])
        .arg(&codex)
        .arg(&folder)
        .env_remove("CI")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "broken.jsonl fails: {stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("1 cassette(s) could not be re-recorded offline"),
        "{stdout}\n{stderr}"
    );
    let lines = stdout
        .lines()
        .map(|line| line.replace(&folder.display().to_string(), "FOLDER"))
        .collect();
    (lines, most_at_once(&log))
}

#[test]
fn two_jobs_rerecord_two_at_a_time_and_report_as_one_job_does() {
    let Some(real) = codex_for_conformance("rerecord -j 2") else {
        return;
    };
    let (one, (most_one, ran_one)) = rerecord("1", &real);
    let (two, (most_two, ran_two)) = rerecord("2", &real);
    assert_eq!(
        one,
        [
            "FOLDER/broken.jsonl: FAILED: FOLDER/broken.jsonl:1: the header is not JSON (EOF while parsing a value at line 1 column 12)",
            "FOLDER/per_module/concurrent_runners.jsonl: unchanged FOLDER/per_module/concurrent_runners.jsonl",
            "FOLDER/single_turn.jsonl: unchanged FOLDER/single_turn.jsonl",
            "FOLDER/structured_output_turn.jsonl: unchanged FOLDER/structured_output_turn.jsonl",
            "FOLDER/tool_artifact.jsonl: unchanged FOLDER/tool_artifact.jsonl",
        ],
        "one whole line per cassette, in folder order, the subfolder's included"
    );
    assert_eq!(two, one, "two at a time reports what one at a time does");
    assert_eq!(
        (most_one, ran_one),
        (1, 4),
        "-j 1: one app-server at a time"
    );
    assert_eq!(ran_two, 4, "-j 2: each good cassette once");
    assert!(
        most_two <= 2,
        "-j 2: at most two app-servers at once, {most_two} seen"
    );
}

#[test]
fn a_bad_job_count_is_refused_before_anything_runs() {
    for bad in ["0", "many"] {
        let out = Command::new(BIN)
            .args(["rerecord", "-j", bad, "/nonexistent/cassettes"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "invalid value '{bad}' for '--jobs <N>': \"{bad}\" is not a number of cassettes \
                 to re-record at once: give a whole number, 1 or more"
            )),
            "{stderr}"
        );
    }
    let out = Command::new(BIN)
        .args(["upgrade-codex", "--to", "0.171.0", "-j", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value '0' for '--jobs <N>'"),
        "{stderr}"
    );
}
