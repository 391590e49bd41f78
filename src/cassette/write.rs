//! Writing a cassette: atomically, and beside an existing one (as `<name>.jsonl.new`) when a
//! re-recording differs.

use std::path::{Path, PathBuf};

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
pub fn write_cassette(cassette: &Cassette, overwrite: bool) -> Result<WriteOutcome, CassetteError> {
    let path = &cassette.path;
    let text = cassette.to_text();
    let mut target = path.clone();
    let mut outcome = WriteOutcome::Written(path.clone());
    if !overwrite && path.exists() {
        let same = std::fs::read_to_string(path)
            .ok()
            .and_then(|old| Cassette::parse(path, &old).ok())
            .is_some_and(|old| old.comparable_text() == cassette.comparable_text());
        if same {
            let _ = std::fs::remove_file(pending_path(path));
            return Ok(WriteOutcome::Unchanged(path.clone()));
        }
        target = pending_path(path);
        outcome = WriteOutcome::Pending {
            existing: path.clone(),
            pending: target.clone(),
        };
    }
    write_atomic(&target, &text)?;
    Ok(outcome)
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
