//! Conformance tier (must-hold 1): a new user's whole journey with the built `prompt-diary`
//! binary, in a temporary folder outside this repository. `init`; `install-codex` (the project's
//! pin, really installed into the project by npm, which may answer from this machine's cache;
//! run again, it finds it installed; skipped, saying so, when `npm ping` cannot reach npm's
//! registry, unless the tier is required);
//! a recording against that real Codex driven by the scripted model (`record --script` with a
//! scenario file of the project's own); replay with no Codex reachable; `upgrade-codex --to
//! 0.163.0`, then `--accept`: `prompt-diary.toml` names 0.163.0, and nothing outside the project
//! changed.
//!
//! The user's `HOME`, `TMPDIR` and `XDG_CACHE_HOME` are folders beside the project inside the
//! journey's temporary folder (Codex keeps scratch files under `~/.codex/tmp`; the scripted
//! model's Codex homes live under the cache folder, which must not be under `TMPDIR`), so the one
//! place outside it the commands are given is npm's cache (`npm config get cache`, handed to them
//! as `npm_config_cache`, `prefer-offline`). This repository's files are checked with
//! `git status` before and after.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prompt_diary::cassette::Cassette;
use prompt_diary::codex_bin::PINNED_CODEX_VERSION;
use prompt_diary::project::{PROJECT_FILE, ProjectFile};
use prompt_diary::testing::conformance::{
    announce_skip, codex_for_conformance, conformance_required,
};

const BIN: &str = env!("CARGO_BIN_EXE_prompt-diary");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The version the journey upgrades to (the previous pin).
const OLD: &str = "0.163.0";

/// The user's own scenario: the agent writes a file, then says so.
const SCENARIO: &str = r#"{
  "name": "notes",
  "conversations": [
    { "replies": [
        { "shell": "printf '# Notes\\n\\nfirst entry\\n' > notes.md" },
        { "message": "Wrote notes.md." }
    ] }
  ],
  "client": { "runners": [{ "turns": [{ "prompt": "Write notes.md with one entry." }] }] }
}
"#;

/// Where the journey happens, and the environment every command gets.
struct Journey {
    _top: tempfile::TempDir,
    project: PathBuf,
    home: PathBuf,
    tmp: PathBuf,
    cache: PathBuf,
    no_codex: PathBuf,
    path: String,
    npm_cache: String,
}

impl Journey {
    /// Runs `prompt-diary ARGS` in the project as its user would: their `HOME`, npm on `PATH`,
    /// no `PROMPT_DIARY_CODEX_BIN`, not in CI.
    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(&self.project)
            .env("HOME", &self.home)
            .env("TMPDIR", &self.tmp)
            .env("XDG_CACHE_HOME", &self.cache)
            .env("PATH", &self.path)
            .env("npm_config_cache", &self.npm_cache)
            .env("npm_config_prefer_offline", "true")
            .env("npm_config_update_notifier", "false")
            .env_remove("PROMPT_DIARY_CODEX_BIN")
            .env_remove("CI");
        command
    }

    /// Runs `args` with Codex unreachable: `PROMPT_DIARY_CODEX_BIN` names nothing and `PATH`
    /// holds no program at all.
    fn offline(&self, args: &[&str]) -> Output {
        self.command(args)
            .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex")
            .env("PATH", &self.no_codex)
            .output()
            .unwrap()
    }
}

fn ok(step: &str, out: &Output) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        out.status.success(),
        "{step} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The folder holding `program` on this process's `PATH`.
fn dir_of(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| dir.join(program).is_file())
}

/// This repository's files as git sees them (tracked changes and untracked files).
fn repository_status() -> String {
    let out = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=all"])
        .current_dir(ROOT)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Why npm's registry cannot be reached, or `None` when it answers: `npm ping` once, with no
/// retries and a 20 s limit (npm's own defaults retry a refused connection for about 70 s).
fn npm_unreachable(npm_cache: &str) -> Option<String> {
    let ping = Command::new("npm")
        .args(["ping", "--fetch-retries=0", "--fetch-timeout=20000"])
        .env("npm_config_cache", npm_cache)
        .env("npm_config_update_notifier", "false")
        .current_dir(std::env::temp_dir())
        .output()
        .ok()?;
    let said = String::from_utf8_lossy(&ping.stderr);
    let code = said
        .lines()
        .find_map(|line| line.strip_prefix("npm error code "))
        .unwrap_or("no answer");
    (!ping.status.success()).then(|| format!("`npm ping` failed: {code}"))
}

/// The journey's folders and environment, or `None` (skipped) without Codex or npm.
fn journey() -> Option<Journey> {
    codex_for_conformance("a new user's journey")?;
    let (Some(npm), Some(node)) = (dir_of("npm"), dir_of("node")) else {
        let why = "a new user's journey: npm is not installed, so install-codex cannot run";
        assert!(
            !conformance_required(),
            "the tier is required here but {why}"
        );
        announce_skip(why);
        return None;
    };
    let cache = Command::new("npm")
        .args(["config", "get", "cache"])
        .output()
        .unwrap();
    let npm_cache = String::from_utf8_lossy(&cache.stdout).trim().to_owned();
    if let Some(why) = npm_unreachable(&npm_cache) {
        let why =
            format!("a new user's journey: install-codex cannot reach npm's registry ({why})");
        assert!(
            !conformance_required(),
            "the tier is required here but {why}"
        );
        announce_skip(&why);
        return None;
    }
    let top = tempfile::Builder::new()
        .prefix("prompt-diary-journey-")
        .tempdir()
        .unwrap();
    let project = top.path().join("my-project");
    let home = top.path().join("home");
    let tmp = top.path().join("tmp");
    let cache = top.path().join("cache");
    let no_codex = top.path().join("empty-path");
    for dir in [&project, &home, &tmp, &cache, &no_codex] {
        std::fs::create_dir_all(dir).unwrap();
    }
    assert!(
        !project.starts_with(ROOT) && !Path::new(ROOT).starts_with(&project),
        "the journey runs outside this repository"
    );
    let path = std::env::join_paths([npm, node, "/usr/bin".into(), "/bin".into()]).unwrap();
    Some(Journey {
        _top: top,
        project,
        home,
        tmp,
        cache,
        no_codex,
        path: path.to_string_lossy().into_owned(),
        npm_cache,
    })
}

#[test]
fn a_new_user_inits_installs_records_replays_and_upgrades_in_a_folder_of_their_own() {
    let Some(j) = journey() else { return };
    let repository = repository_status();

    // init: a commented project file with the crate's pin.
    ok("init", &j.run(&["init"]));
    let file = j.project.join(PROJECT_FILE);
    let initial = std::fs::read_to_string(&file).unwrap();
    let project = ProjectFile::load(&file).unwrap();
    assert_eq!(project.codex_version(), PINNED_CODEX_VERSION);

    // install-codex: the project's pin, into the project.
    let installed = ok("install-codex", &j.run(&["install-codex"]));
    let prefix = j
        .project
        .join(".prompt-diary/codex")
        .join(PINNED_CODEX_VERSION);
    assert!(
        Path::new(installed.trim()).starts_with(&prefix) && Path::new(installed.trim()).is_file(),
        "installed into the project: {installed}"
    );
    let again = j.run(&["install-codex"]);
    assert_eq!(
        ok("install-codex again", &again),
        installed,
        "the same binary"
    );
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        said.contains(&format!(
            "Codex {PINNED_CODEX_VERSION} is already installed"
        )),
        "{said}"
    );

    let cassette = record_and_replay(&j, &project);
    upgrade_and_accept(&j, &cassette, &initial);

    // Nothing outside the journey's folder changed.
    assert_eq!(
        repository_status(),
        repository,
        "this repository's files changed during the journey (or were edited while it ran)"
    );
    assert!(
        std::fs::read_dir(&j.no_codex).unwrap().next().is_none(),
        "nothing was put on the offline PATH"
    );
}

/// A recording against the installed Codex, driven by the scripted model from the user's
/// scenario, then replayed with Codex unreachable. Returns the cassette.
fn record_and_replay(j: &Journey, project: &ProjectFile) -> PathBuf {
    std::fs::create_dir_all(j.project.join("scenarios")).unwrap();
    std::fs::write(j.project.join("scenarios/notes.json"), SCENARIO).unwrap();
    let recorded = ok(
        "record --script",
        &j.run(&[
            "record",
            "--script",
            "scenarios/notes.json",
            "--workspace",
            "work",
        ]),
    );
    assert_eq!(recorded.trim(), "wrote tests/cassettes/notes.jsonl");
    assert_eq!(
        std::fs::read_to_string(j.project.join("work/notes.md")).unwrap(),
        "# Notes\n\nfirst entry\n",
        "the real Codex ran the scripted command in the workspace"
    );
    let cassette = j.project.join("tests/cassettes/notes.jsonl");
    let header = Cassette::load(&cassette, "").unwrap().header;
    assert_eq!(header.codex_version, PINNED_CODEX_VERSION);
    assert_eq!(
        header.record_command,
        project.record_command.clone().unwrap()
    );
    let verified = ok("verify", &j.run(&["verify"]));
    assert!(
        verified.contains(&format!(
            "verified 1 cassette(s) in tests/cassettes: format, secrets, Codex {PINNED_CODEX_VERSION}, protocol schema"
        )),
        "{verified}"
    );

    // Replay with Codex unreachable.
    let replayed = ok(
        "replay",
        &j.offline(&["replay", "tests/cassettes/notes.jsonl"]),
    );
    assert!(
        replayed.contains("reply: \"Wrote notes.md.\"")
            && replayed.contains("replay matched tests/cassettes/notes.jsonl"),
        "{replayed}"
    );
    cassette
}

/// `upgrade-codex --to 0.163.0`, then `--accept`: the pin's line names it, and the cassette
/// (recorded on it now) replays offline. `initial` is the project file as `init` wrote it.
fn upgrade_and_accept(j: &Journey, cassette: &Path, initial: &str) {
    let file = j.project.join(PROJECT_FILE);
    let report = ok("upgrade-codex", &j.run(&["upgrade-codex", "--to", OLD]));
    assert!(
        report.contains(&format!("Codex {PINNED_CODEX_VERSION} -> {OLD}"))
            && report.contains("notes.jsonl: CHANGED: review"),
        "{report}"
    );
    assert!(j.project.join(".prompt-diary/codex").join(OLD).is_dir());
    let accepted = ok(
        "--accept",
        &j.run(&["upgrade-codex", "--to", OLD, "--accept"]),
    );
    assert!(
        accepted.contains(&format!(
            "now pins Codex {OLD} (was {PINNED_CODEX_VERSION})"
        )),
        "{accepted}"
    );
    assert_eq!(ProjectFile::load(&file).unwrap().codex_version(), OLD);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        initial.replace(
            &format!("codex = \"{PINNED_CODEX_VERSION}\""),
            &format!("codex = \"{OLD}\"")
        ),
        "only the pin's line changed"
    );
    assert_eq!(
        Cassette::load(cassette, "").unwrap().header.codex_version,
        OLD
    );
    let replayed = ok(
        "replay on the new pin",
        &j.offline(&["replay", "tests/cassettes/notes.jsonl"]),
    );
    assert!(
        replayed.contains("reply: \"Wrote notes.md.\""),
        "{replayed}"
    );
}
