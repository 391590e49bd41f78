//! What `<name>.jsonl.new` held before a re-recording, put back when the re-recording fails, so
//! a half recording never waits for review.

use std::path::{Path, PathBuf};

use super::RerecordError;
use super::error::unfinished;

/// What `<name>.jsonl.new` held before a re-recording, to put back if the re-recording fails.
pub(super) struct PendingFile {
    /// `<name>.jsonl.new`.
    path: PathBuf,
    /// Its bytes then; `None` when there was none (or it could not be read).
    before: Option<Vec<u8>>,
}

impl PendingFile {
    /// Notes what the `.new` beside the cassette at `cassette` holds now.
    pub(super) fn before(cassette: &Path) -> Self {
        let path = crate::cassette::pending_path(cassette);
        let before = std::fs::read(&path).ok();
        Self { path, before }
    }

    /// Puts the `.new` back as it was (removes one the failed re-recording wrote) and returns
    /// `err`, or `err` with what could not be put back.
    pub(super) fn restore(self, cassette: &Path, err: RerecordError) -> RerecordError {
        let now = std::fs::read(&self.path).ok();
        if now == self.before {
            return err;
        }
        let put_back = match &self.before {
            Some(bytes) => std::fs::write(&self.path, bytes),
            None => std::fs::remove_file(&self.path),
        };
        match put_back {
            Ok(()) => err,
            Err(io) => unfinished(
                cassette,
                format!(
                    "{err}; and the failed re-recording left {} behind, which could not be put \
                     back ({io}): delete it before `prompt-diary accept`",
                    self.path.display()
                ),
            ),
        }
    }
}
