//! Pending re-recordings: `<name>.jsonl.new` files waiting for review beside the committed
//! cassette, listed, shown as diffs, and accepted.

use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::cassette::CassetteError;
use crate::cassette::kind::AnyCassette;

/// One re-recording waiting for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingRecording {
    /// The committed cassette it would replace (it may not exist yet).
    pub committed: PathBuf,
    /// The `.new` file.
    pub pending: PathBuf,
}

/// Every `*.jsonl.new` file in `dir` and the folders below it ([`files_under`]), sorted by
/// path.
pub(crate) fn list_pending(dir: &Path) -> Result<Vec<PendingRecording>, CassetteError> {
    let mut found: Vec<_> = files_under(dir, ".jsonl.new")?
        .into_iter()
        .filter_map(|pending| PendingRecording::named(&pending))
        .collect();
    found.sort_by(|a, b| a.pending.cmp(&b.pending));
    Ok(found)
}

/// The files in `dir` and the folders below it (per-test cassettes live in one folder per
/// module) whose names end with `suffix`, sorted by path. Symbolic links to folders are not
/// followed.
pub(crate) fn files_under(dir: &Path, suffix: &str) -> Result<Vec<PathBuf>, CassetteError> {
    let mut paths = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        let io = |source| CassetteError::Io {
            path: folder.clone(),
            source,
        };
        for entry in std::fs::read_dir(&folder).map_err(io)? {
            let entry = entry.map_err(io)?;
            let path = entry.path();
            let kind = entry.file_type().map_err(io)?;
            if kind.is_dir() {
                folders.push(path);
            } else if (kind.is_file() || path.is_file())
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(suffix))
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    Ok(paths)
}

impl PendingRecording {
    /// The pending re-recording named by `path`: a `NAME.jsonl.new` file, or the committed
    /// `NAME.jsonl` it would replace. `None` for any other name.
    pub(crate) fn named(path: &Path) -> Option<Self> {
        let text = path.to_str()?;
        if let Some(committed) = text.strip_suffix(".new").filter(|c| c.ends_with(".jsonl")) {
            return Some(Self {
                committed: PathBuf::from(committed),
                pending: path.to_owned(),
            });
        }
        text.ends_with(".jsonl").then(|| Self {
            committed: path.to_owned(),
            pending: PathBuf::from(format!("{text}.new")),
        })
    }

    /// The cassette's name (file stem of the committed file).
    pub(crate) fn name(&self) -> String {
        self.committed
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// A unified diff from the committed cassette to the re-recording (against nothing if there
    /// is no committed cassette yet).
    pub(crate) fn diff(&self) -> Result<String, CassetteError> {
        let read = |path: &Path| match std::fs::read_to_string(path) {
            Ok(text) => Ok(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(source) => Err(CassetteError::Io {
                path: path.to_owned(),
                source,
            }),
        };
        let old = read(&self.committed)?;
        let new = read(&self.pending)?;
        let diff = TextDiff::from_lines(&old, &new);
        Ok(diff
            .unified_diff()
            .context_radius(1)
            .header(
                &self.committed.display().to_string(),
                &self.pending.display().to_string(),
            )
            .to_string())
    }

    /// The re-recording compared with the committed cassette by meaning, as text for people
    /// (either kind: [`AnyCassette::change_by_meaning`]); `None` when there is no committed
    /// cassette yet.
    pub(crate) fn meaning(&self) -> Result<Option<String>, CassetteError> {
        if !self.committed.exists() {
            return Ok(None);
        }
        let committed = AnyCassette::load(&self.committed, "")?;
        let pending = AnyCassette::load(&self.pending, "")?;
        Ok(Some(committed.change_by_meaning(&pending)))
    }

    /// Why `accept` would refuse this re-recording before reading it: the `.new` is a symbolic
    /// link (accepting it would make the committed cassette a link to a file nobody reviewed
    /// there, changed whenever its target changes). `None` when it is a plain file.
    pub(crate) fn refused(&self) -> Option<String> {
        let meta = std::fs::symlink_metadata(&self.pending).ok()?;
        if !meta.file_type().is_symlink() {
            return None;
        }
        let target = std::fs::read_link(&self.pending)
            .map_or_else(|_| "?".to_owned(), |t| t.display().to_string());
        Some(format!(
            "{} is a symbolic link (to {target}), not a re-recording: `prompt-diary accept` \
             refuses it, since the committed cassette would become a link to a file outside the \
             review. Delete it and re-record (`prompt-diary rerecord {}`)",
            self.pending.display(),
            self.committed.display()
        ))
    }

    /// Replaces the committed cassette with the re-recording, after checking the re-recording
    /// parses and is a plain file ([`refused`](Self::refused)). The `.new` file is gone
    /// afterwards.
    pub(crate) fn accept(&self) -> Result<(), CassetteError> {
        if let Some(reason) = self.refused() {
            return Err(CassetteError::Io {
                path: self.pending.clone(),
                source: std::io::Error::other(reason),
            });
        }
        AnyCassette::load(&self.pending, "")?;
        std::fs::rename(&self.pending, &self.committed).map_err(|source| CassetteError::Io {
            path: self.committed.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_recordings_and_cassettes_are_found_in_per_test_subfolders() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("notes");
        std::fs::create_dir_all(&module).unwrap();
        for name in [
            "top.jsonl",
            "top.jsonl.new",
            "notes/a.jsonl",
            "notes/a.jsonl.new",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let pending = list_pending(dir.path()).unwrap();
        let committed: Vec<_> = pending.iter().map(|p| p.committed.clone()).collect();
        assert_eq!(
            committed,
            [module.join("a.jsonl"), dir.path().join("top.jsonl")]
        );
        assert_eq!(
            files_under(dir.path(), ".jsonl").unwrap(),
            [module.join("a.jsonl"), dir.path().join("top.jsonl")]
        );
    }

    #[test]
    fn only_new_cassette_files_are_pending() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.jsonl", "a.jsonl.new", "b.jsonl.new", "notes.txt.new"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let names: Vec<String> = list_pending(dir.path())
            .unwrap()
            .iter()
            .map(PendingRecording::name)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn accepting_a_damaged_recording_is_refused_and_keeps_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let committed = dir.path().join("a.jsonl");
        std::fs::write(&committed, "old").unwrap();
        std::fs::write(dir.path().join("a.jsonl.new"), "not json\n").unwrap();
        let pending = list_pending(dir.path()).unwrap().remove(0);
        let err = pending.accept().unwrap_err().to_string();
        assert!(err.contains("a.jsonl.new:1"), "{err}");
        assert_eq!(std::fs::read_to_string(&committed).unwrap(), "old");
        assert!(pending.pending.exists());
    }
}
