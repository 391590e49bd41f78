//! Moving to another Codex without an account: install it project-locally, compare its protocol
//! schema with the pinned one's, re-record every cassette of a folder offline on it
//! ([`rerecord_cassette`](super::rerecord_cassette)), and say what to review and the one
//! command that accepts the re-recordings and moves the pin in the project's `prompt-diary.toml`
//! (`prompt-diary upgrade-codex --accept`). It never edits a project's sources.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{RerecordError, RerecordSummary, rerecord_cassette};
use crate::cassette::{CassetteError, WriteOutcome, list_pending};
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
/// `.new`), starting only the MCP servers in `allowed_mcp_servers` (see [`rerecord_cassette`]).
pub(crate) async fn upgrade_codex(
    root: &Path,
    from: &str,
    version: &str,
    dir: &Path,
    allowed_mcp_servers: &[String],
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

/// The cassettes (`*.jsonl`) in `dir`, sorted by name.
pub(crate) fn cassettes_in(dir: &Path) -> Result<Vec<PathBuf>, CassetteError> {
    let io = |source| CassetteError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// What [`rerecord_each`] did with one cassette.
pub(crate) type Rerecorded = (PathBuf, Result<WriteOutcome, RerecordError>);

/// Re-records each of `paths` on the Codex at `codex_bin`, in order, telling `starting` before
/// each and `done` after: one outcome per cassette, a failure no obstacle to the next
/// (`upgrade-codex` and `rerecord` alike).
pub(crate) async fn rerecord_each(
    paths: &[PathBuf],
    codex_bin: &Path,
    allowed_mcp_servers: &[String],
    starting: &mut dyn FnMut(&Path),
    done: &mut dyn FnMut(&Rerecorded),
) -> Vec<Rerecorded> {
    let mut outcomes = Vec::new();
    for path in paths {
        starting(path);
        let outcome = (
            path.clone(),
            rerecord_cassette(path, codex_bin, allowed_mcp_servers).await,
        );
        done(&outcome);
        outcomes.push(outcome);
    }
    outcomes
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
}
