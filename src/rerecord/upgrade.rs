//! Moving to another Codex without an account: install it project-locally, compare its protocol
//! schema with the pinned one's, re-record every cassette of a folder offline on it
//! ([`rerecord_cassette`](super::rerecord_cassette)), and say what to review and the one
//! command that accepts the re-recordings and moves the pin in the project's `prompt-diary.toml`
//! (`prompt-diary upgrade-codex --accept`). It never edits a project's sources.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{RerecordError, RerecordSummary, rerecord_cassette};
use crate::cassette::{CassetteError, WriteOutcome, files_under, list_pending};
use crate::codex::rpc::{SchemaDiff, compare_schemas};
use crate::codex_bin::{InstallError, check_version, install_codex, write_schema};
use crate::project::{PinMoved, ProjectFileError, move_pin};

/// What an upgrade found.
#[derive(Debug)]
pub(crate) struct UpgradeReport {
    /// The version moved from (the project's pin).
    pub(crate) from: String,
    /// The version moved to.
    pub(crate) version: String,
    /// The cassette folder.
    pub(crate) dir: PathBuf,
    /// How the protocol schemas differ.
    pub(crate) schema: SchemaDiff,
    /// Each cassette and what re-recording it did.
    pub(crate) cassettes: Vec<Rerecorded>,
}

impl fmt::Display for UpgradeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Codex {} -> {}", self.from, self.version)?;
        write!(f, "{}", self.schema)?;
        if self.schema.touches_the_adapter() {
            writeln!(
                f,
                "the adapter uses something that changed (*): run the conformance tier on the new \
                 Codex (`PROMPT_DIARY_CODEX_BIN=<its binary> cargo test`) before accepting"
            )?;
        }
        writeln!(f, "cassettes in {}:", self.dir.display())?;
        for (path, outcome) in &self.cassettes {
            writeln!(f, "  {}: {}", path.display(), RerecordSummary(outcome))?;
        }
        writeln!(
            f,
            "next: read the changes with `prompt-diary review {dir}` (what the agent did must be \
             unchanged for a pure upgrade), then accept them with \
             `prompt-diary upgrade-codex --to {version} --accept {dir}`",
            dir = self.dir.display(),
            version = self.version
        )
    }
}

/// Why an upgrade stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpgradeError {
    /// npm could not tell the newest version.
    #[error("could not ask npm for the newest @openai/codex ({0}); give --to VERSION")]
    Latest(String),
    /// A Codex could not be installed.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// A binary could not write its protocol schema.
    #[error("{bin} could not write its protocol schema: {reason}")]
    Schema {
        /// The binary.
        bin: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The cassette folder could not be read, or a re-recording accepted.
    #[error(transparent)]
    Cassette(#[from] CassetteError),
    /// The re-recordings were accepted but the pin could not be moved.
    #[error("accepted {accepted} re-recording(s), but the pin was not moved: {source}")]
    Pin {
        /// How many re-recordings were accepted.
        accepted: usize,
        /// Why the project file could not be written.
        source: ProjectFileError,
    },
}

/// `latest` as npm's newest published version, any other text as it is.
pub(crate) fn resolve_version(to: &str) -> Result<String, UpgradeError> {
    if to != "latest" {
        check_version(to)?;
        return Ok(to.to_owned());
    }
    let out = Command::new("npm")
        .args(["view", "@openai/codex", "version"])
        .stdin(Stdio::null())
        .output()
        .map_err(|err| UpgradeError::Latest(err.to_string()))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || version.is_empty() {
        return Err(UpgradeError::Latest(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    check_version(&version)?;
    Ok(version)
}

/// Installs `version` under `root`, compares its schema with that of the project's pin `from`
/// (installed too), and re-records every cassette in `dir` on it (changed ones are written as
/// `.new`), `jobs` at once, starting only the MCP servers in `allowed_mcp_servers` (see
/// [`rerecord_cassette`]).
pub(crate) async fn upgrade_codex(
    root: &Path,
    from: &str,
    version: &str,
    dir: &Path,
    allowed_mcp_servers: &[String],
    jobs: NonZeroUsize,
    progress: &mut dyn FnMut(&str),
) -> Result<UpgradeReport, UpgradeError> {
    let pinned = install_codex(root, from, &mut *progress)?;
    let new = install_codex(root, version, &mut *progress)?;
    progress("comparing the protocol schemas ...");
    let (old_dir, new_dir) = (schema_of(&pinned)?, schema_of(&new)?);
    let schema =
        compare_schemas(old_dir.path(), new_dir.path()).map_err(|err| UpgradeError::Schema {
            bin: new.clone(),
            reason: err.to_string(),
        })?;
    let paths = cassettes_in(dir)?;
    progress(super::SANDBOX_NOTICE);
    let mut starting = |path: &Path| {
        progress(&format!(
            "re-recording {} on Codex {version} ...",
            path.display()
        ));
    };
    let cassettes = rerecord_each(
        &paths,
        &new,
        allowed_mcp_servers,
        jobs,
        &mut starting,
        &mut |_| {},
    )
    .await;
    Ok(UpgradeReport {
        from: from.to_owned(),
        version: version.to_owned(),
        dir: dir.to_owned(),
        schema,
        cassettes,
    })
}

/// The cassettes (`*.jsonl`) in `dir` and the folders below it (per-test cassettes live in
/// one folder per module), sorted by path. Symbolic links to folders are not followed.
pub(crate) fn cassettes_in(dir: &Path) -> Result<Vec<PathBuf>, CassetteError> {
    files_under(dir, ".jsonl")
}

/// How many cassettes to re-record at once when not told: the machine's available parallelism
/// (1 where it cannot be known).
pub(crate) fn default_jobs() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// Reads `-j N`: a whole number of cassettes to re-record at once, 1 or more.
pub(crate) fn parse_jobs(text: &str) -> Result<NonZeroUsize, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "{text:?} is not a number of cassettes to re-record at once: give a whole number, \
             1 or more (1 re-records one cassette after the other; the default is this \
             machine's {} CPUs)",
            default_jobs()
        )
    })
}

/// What [`rerecord_each`] did with one cassette.
pub(crate) type Rerecorded = (PathBuf, Result<WriteOutcome, RerecordError>);

/// Re-records each of `paths` on the Codex at `codex_bin`, `jobs` at a time, telling `starting`
/// before each starts and `done` after each, in the order of `paths` (a cassette that ends
/// early waits for the ones before it, so the report reads the same whatever `jobs`; both are
/// called in the caller's task, so one whole line each is the caller's to print): one outcome
/// per cassette, in order, a failure no obstacle to the others (`upgrade-codex` and `rerecord`
/// alike).
pub(crate) async fn rerecord_each(
    paths: &[PathBuf],
    codex_bin: &Path,
    allowed_mcp_servers: &[String],
    jobs: NonZeroUsize,
    starting: &mut dyn FnMut(&Path),
    done: &mut dyn FnMut(&Rerecorded),
) -> Vec<Rerecorded> {
    let mut ended: Vec<Option<Rerecorded>> = paths.iter().map(|_| None).collect();
    let mut outcomes = Vec::with_capacity(paths.len());
    let mut running = tokio::task::JoinSet::new();
    let mut index_of = HashMap::new();
    let mut queued = paths.iter().enumerate();
    loop {
        while running.len() < jobs.get() {
            let Some((index, path)) = queued.next() else {
                break;
            };
            starting(path);
            let (path, bin) = (path.clone(), codex_bin.to_owned());
            let allowed = allowed_mcp_servers.to_vec();
            let task = running.spawn(async move { rerecord_cassette(&path, &bin, &allowed).await });
            index_of.insert(task.id(), index);
        }
        let Some(joined) = running.join_next_with_id().await else {
            break;
        };
        let (id, outcome) = match joined {
            Ok((id, outcome)) => (id, Ok(outcome)),
            Err(err) => (err.id(), Err(err)),
        };
        let Some(index) = index_of.remove(&id) else {
            continue; // not one of ours: nothing else is spawned on this set
        };
        let path = &paths[index];
        ended[index] = Some((
            path.clone(),
            outcome.unwrap_or_else(|err| Err(stopped(path, &err))),
        ));
        // Report every cassette whose turn has come.
        while let Some(outcome) = ended.get_mut(outcomes.len()).and_then(Option::take) {
            done(&outcome);
            outcomes.push(outcome);
        }
    }
    outcomes
}

/// A re-recording whose task ended without an outcome (it panicked).
fn stopped(path: &Path, err: &tokio::task::JoinError) -> RerecordError {
    RerecordError::Unfinished {
        path: path.to_owned(),
        reason: format!(
            "the re-recording stopped without an outcome ({err}); run it alone with \
             `prompt-diary rerecord -j 1 {}` and report the message it prints",
            path.display()
        ),
    }
}

/// Accepts every pending re-recording in `dir` (after `review`), then makes the project file at
/// `project_file` pin `version` (only its `codex` line changes; a missing file is created). It
/// never edits a project's sources. Returns how many cassettes were accepted, and what happened
/// to the pin.
pub(crate) fn accept_upgrade(
    dir: &Path,
    project_file: &Path,
    version: &str,
) -> Result<(usize, PinMoved), UpgradeError> {
    check_version(version)?;
    let pending = list_pending(dir)?;
    for item in &pending {
        item.accept()?;
    }
    let accepted = pending.len();
    let moved =
        move_pin(project_file, version).map_err(|source| UpgradeError::Pin { accepted, source })?;
    Ok((accepted, moved))
}

/// The protocol schema `bin` writes, in a temp folder.
fn schema_of(bin: &Path) -> Result<tempfile::TempDir, UpgradeError> {
    write_schema(bin).map_err(|err| UpgradeError::Schema {
        bin: bin.to_owned(),
        reason: err.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepting_replaces_the_cassettes_and_touches_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cassettes");
        std::fs::create_dir_all(&dir).unwrap();
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
        std::fs::copy(&committed, dir.join("single_turn.jsonl")).unwrap();
        let text = std::fs::read_to_string(&committed)
            .unwrap()
            .replace("linux", "plan9");
        std::fs::write(dir.join("single_turn.jsonl.new"), &text).unwrap();

        let file = root.path().join("prompt-diary.toml");
        std::fs::write(&file, "# mine\ncodex = \"0.171.0\" # pin\n").unwrap();

        let (accepted, moved) = accept_upgrade(&dir, &file, "0.163.0").unwrap();
        assert_eq!(accepted, 1);
        assert!(
            matches!(&moved, PinMoved::Moved { from: Some(old), .. } if old == "0.171.0"),
            "{moved:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "# mine\ncodex = \"0.163.0\" # pin\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("single_turn.jsonl")).unwrap(),
            text
        );
        assert!(!dir.join("single_turn.jsonl.new").exists());
        let left: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "the cassette folder and the file: {left:?}");
        assert_eq!(
            accept_upgrade(&dir, &file, "0.163.0").unwrap().0,
            0,
            "nothing pending the second time"
        );
    }

    #[test]
    fn jobs_are_a_whole_number_one_or_more() {
        assert_eq!(parse_jobs("3").unwrap().get(), 3);
        assert_eq!(parse_jobs(" 1 ").unwrap().get(), 1);
        for bad in ["0", "-2", "two", ""] {
            let err = parse_jobs(bad).unwrap_err();
            assert!(
                err.contains(&format!("{bad:?} is not a number of cassettes"))
                    && err.contains("a whole number, 1 or more"),
                "{err}"
            );
        }
        assert!(default_jobs().get() >= 1);
    }

    #[test]
    fn a_folder_holds_the_cassettes_of_the_folders_below_it_too() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cassettes");
        std::fs::create_dir_all(dir.join("notes/agent")).unwrap();
        for file in [
            "b.jsonl",
            "a.jsonl.new",
            "notes/agent/works.jsonl",
            "notes/x.txt",
        ] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let outside = root.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        std::fs::write(outside.join("planted.jsonl"), "").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
        assert_eq!(
            cassettes_in(&dir).unwrap(),
            [dir.join("b.jsonl"), dir.join("notes/agent/works.jsonl")],
            "sorted, `.new` and other files left out, a linked folder not followed"
        );
    }

    /// Cassettes that fail before any Codex starts: a report for each, in order, whatever `jobs`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_cassette_is_reported_once_in_order_whatever_the_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<PathBuf> = (0..5)
            .map(|i| dir.path().join(format!("c{i}.jsonl")))
            .collect();
        for (i, path) in paths.iter().enumerate() {
            // Broken in different ways; the third is missing.
            if i != 2 {
                std::fs::write(path, format!("not a header {i}\n")).unwrap();
            }
        }
        let no_codex = Path::new("/nonexistent/codex");
        let mut reports = Vec::new();
        for jobs in [1, 2, 8] {
            let jobs = NonZeroUsize::new(jobs).unwrap();
            let (mut started, mut said) = (Vec::new(), Vec::new());
            let outcomes = rerecord_each(
                &paths,
                no_codex,
                &[],
                jobs,
                &mut |path| started.push(path.to_owned()),
                &mut |(path, outcome)| {
                    said.push(format!("{}: {}", path.display(), RerecordSummary(outcome)))
                },
            )
            .await;
            assert_eq!(started, paths, "each started once, in order ({jobs} jobs)");
            let ended: Vec<&PathBuf> = outcomes.iter().map(|(path, _)| path).collect();
            assert_eq!(ended, paths.iter().collect::<Vec<_>>(), "{jobs} jobs");
            for (line, path) in said.iter().zip(&paths) {
                let name = path.display().to_string();
                assert!(line.starts_with(&format!("{name}: FAILED: ")), "{line}");
                assert!(
                    line.matches(&name).count() >= 2,
                    "the failure names its cassette: {line}"
                );
            }
            reports.push(said);
        }
        assert_eq!(reports[0], reports[1], "1 and 2 jobs report the same");
        assert_eq!(reports[0], reports[2], "1 and 8 jobs report the same");
    }
}
