//! Writing a cassette: atomically, and beside an existing one (as `<name>.jsonl.new`) when a
//! re-recording differs.

use std::path::{Path, PathBuf};

use super::app_server::episodes::append::appended;
use super::lock::{CassetteLock, LOCK_WAIT};
use super::{Cassette, CassetteError};

/// What writing a recording did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteOutcome {
    /// The cassette was written (it was new, or overwriting was asked for).
    Written(PathBuf),
    /// An equal cassette (after normalisation) was already there; it was left untouched.
    Unchanged(PathBuf),
    /// A different cassette was there; the new recording waits for review beside it.
    Pending {
        /// The existing cassette.
        existing: PathBuf,
        /// The new recording (`<name>.jsonl.new`).
        pending: PathBuf,
    },
}

/// `<path>.new`: where a re-recording waits for review.
pub(crate) fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Writes `cassette` atomically (temp file + rename). If a cassette is already at its path and
/// differs after normalisation, the new one goes to `<path>.new` unless `overwrite` is set.
/// Writers of one cassette take turns (a lock file beside it, `<path>.lock`).
pub fn write_cassette(cassette: &Cassette, overwrite: bool) -> Result<WriteOutcome, CassetteError> {
    write_recording(cassette, overwrite, &SeenFiles::now(&cassette.path))
}

/// [`write_cassette`] for a recording that began when its files were as `seen` says: under the
/// cassette's lock, a cassette or `.new` that another writer wrote since then is another
/// recording of the same period, and this one joins it (its conversations appended, relabelled)
/// instead of replacing it.
pub(crate) fn write_recording(
    cassette: &Cassette,
    overwrite: bool,
    seen: &SeenFiles,
) -> Result<WriteOutcome, CassetteError> {
    let path = &cassette.path;
    let _lock = CassetteLock::acquire(path, LOCK_WAIT)?;
    if let Some(target) = seen.written_since(path) {
        let existing = Cassette::load(&target, &cassette.header.record_command)?;
        let Some(merged) = appended(existing, cassette.clone()) else {
            return Ok(WriteOutcome::Unchanged(path.clone()));
        };
        write_atomic(&target, &merged.to_text())?;
        return Ok(joined_outcome(path, target));
    }
    write_or_pend(path, &cassette.to_text(), overwrite, |old| {
        Cassette::parse(path, old)
            .is_ok_and(|old| old.comparable_text() == cassette.comparable_text())
    })
}

/// Writes `text`, a recording of the cassette at `path` (of either kind), the one way every
/// recording is written: at `path` when `overwrite` is set or no cassette is there yet; not at
/// all when the cassette there is the `same` (`same` is given its text and compares it as its
/// kind compares recordings); else beside it as `<path>.new`, for review. Written or unchanged,
/// a `.new` left from an earlier re-recording is stale and removed.
pub(crate) fn write_or_pend(
    path: &Path,
    text: &str,
    overwrite: bool,
    same: impl FnOnce(&str) -> bool,
) -> Result<WriteOutcome, CassetteError> {
    let pending = pending_path(path);
    if overwrite || !path.exists() {
        write_atomic(path, text)?;
        let _ = std::fs::remove_file(&pending);
        return Ok(WriteOutcome::Written(path.to_owned()));
    }
    if std::fs::read_to_string(path).is_ok_and(|old| same(&old)) {
        let _ = std::fs::remove_file(&pending);
        return Ok(WriteOutcome::Unchanged(path.to_owned()));
    }
    write_atomic(&pending, text)?;
    Ok(WriteOutcome::Pending {
        existing: path.to_owned(),
        pending,
    })
}

/// What writing into `target` (the cassette at `path` or its `.new`) did.
pub(crate) fn joined_outcome(path: &Path, target: PathBuf) -> WriteOutcome {
    if target == path {
        WriteOutcome::Written(target)
    } else {
        WriteOutcome::Pending {
            existing: path.to_owned(),
            pending: target,
        }
    }
}

/// Which file is at a path: enough to tell that a writer replaced it (every write is a rename
/// of a new file) or changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileId {
    fn of(path: &Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).ok()?;
        Some(Self {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// A cassette and its `.new` as a recording found them when it began, so that, when it writes,
/// it can tell another writer's recording of the same period from an older file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SeenFiles {
    cassette: Option<FileId>,
    pending: Option<FileId>,
}

impl SeenFiles {
    /// The cassette at `path` and its `.new`, as they are now.
    pub(crate) fn now(path: &Path) -> Self {
        Self {
            cassette: FileId::of(path),
            pending: FileId::of(&pending_path(path)),
        }
    }

    /// The file (the `.new` first, then the cassette) that another writer wrote since these
    /// were seen; `None` when both are as they were.
    pub(crate) fn written_since(&self, path: &Path) -> Option<PathBuf> {
        let pending = pending_path(path);
        let changed = |file: &Path, before: Option<FileId>| {
            let now = FileId::of(file);
            now.is_some() && now != before
        };
        if changed(&pending, self.pending) {
            Some(pending)
        } else if changed(path, self.cassette) {
            Some(path.to_owned())
        } else {
            None
        }
    }
}

/// Writes `text` to `path` through a temp file in the same folder and a rename, so a crash never
/// leaves a half-written file at `path`.
pub(crate) fn write_atomic(path: &Path, text: &str) -> Result<(), CassetteError> {
    use std::io::Write as _;
    let io = |source| CassetteError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut file = tempfile::Builder::new()
        .prefix(".cassette-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|err| io(err.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.171.0","schema_fingerprint":"unknown","recorded_at":"2026-01-01","redactions":[],"record_command":"r"}"#;

    fn cassette(path: &Path, scenario: &str) -> Cassette {
        let text = format!("{}\n", HEADER.replace("\"s\"", &format!("{scenario:?}")));
        Cassette::parse(path, &text).unwrap()
    }

    #[test]
    fn each_outcome_of_a_pending_write_and_the_stale_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        let pending = pending_path(&path);
        // Recordings compared as their text.
        let write =
            |text: &str, overwrite| write_or_pend(&path, text, overwrite, |old| old == text);
        assert_eq!(
            write("one\n", false).unwrap(),
            WriteOutcome::Written(path.clone())
        );
        assert_eq!(
            write("two\n", false).unwrap(),
            WriteOutcome::Pending {
                existing: path.clone(),
                pending: pending.clone()
            }
        );
        assert_eq!(std::fs::read_to_string(&pending).unwrap(), "two\n");
        assert_eq!(
            write("one\n", false).unwrap(),
            WriteOutcome::Unchanged(path.clone())
        );
        assert!(
            !pending.exists(),
            "an unchanged recording removes the stale .new"
        );
        std::fs::write(&pending, "stale\n").unwrap();
        assert_eq!(
            write("three\n", true).unwrap(),
            WriteOutcome::Written(path.clone())
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three\n");
        assert!(!pending.exists(), "an overwrite removes the stale .new");
    }

    #[test]
    fn an_app_server_cassette_written_over_removes_a_stale_new_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        write_cassette(&cassette(&path, "old"), false).unwrap();
        let outcome = write_cassette(&cassette(&path, "new"), false).unwrap();
        assert!(
            matches!(outcome, WriteOutcome::Pending { .. }),
            "{outcome:?}"
        );
        write_cassette(&cassette(&path, "newest"), true).unwrap();
        assert!(!pending_path(&path).exists(), "the stale .new is gone");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"scenario\":\"newest\""), "{text}");
    }
}
