//! The project a command runs in: `prompt-diary.toml` found from the working directory upwards
//! (a bad one is an error for every command), else this crate's defaults.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::codex_bin::{PINNED_CODEX_VERSION, project_root, resolve_codex_bin};
use crate::project::{DEFAULT_CASSETTES, PROJECT_FILE, ProjectFile};

/// The project of the working directory.
#[derive(Debug)]
pub(super) struct Here {
    /// The project file, if the project has one.
    pub(super) file: Option<ProjectFile>,
    cwd: PathBuf,
}

impl Here {
    /// Finds the project file from the working directory upwards.
    pub(super) fn find() -> anyhow::Result<Self> {
        let cwd = std::env::current_dir().context("reading the working directory")?;
        Self::find_from(&cwd)
    }

    /// Finds the project file from `start` upwards (the working directory for shown paths).
    pub(super) fn find_from(start: &Path) -> anyhow::Result<Self> {
        let cwd = std::env::current_dir().context("reading the working directory")?;
        let file = ProjectFile::find(start)?;
        if let Some(file) = &file {
            tracing::debug!("project file: {}", file.path.display());
        }
        Ok(Self { file, cwd })
    }

    /// The project's root: the folder holding `prompt-diary.toml`, else the nearest folder with
    /// `Cargo.toml` or `.git` above the working directory.
    pub(super) fn root(&self) -> PathBuf {
        match &self.file {
            Some(file) => file.root().to_path_buf(),
            None => project_root(&self.cwd),
        }
    }

    /// Where a project file is, or would be created: at [`root`](Self::root).
    pub(super) fn file_path(&self) -> PathBuf {
        match &self.file {
            Some(file) => file.path.clone(),
            None => self.root().join(PROJECT_FILE),
        }
    }

    /// The Codex version the project pins.
    pub(super) fn pin(&self) -> &str {
        self.file
            .as_ref()
            .map_or(PINNED_CODEX_VERSION, ProjectFile::codex_version)
    }

    /// The default cassette folder: the project file's (shown relative to the working
    /// directory when it is inside it), else `cassettes`.
    pub(super) fn cassette_dir(&self) -> PathBuf {
        match &self.file {
            Some(file) => {
                let dir = file.cassette_dir();
                match dir.strip_prefix(&self.cwd) {
                    Ok(inside) if inside.as_os_str().is_empty() => PathBuf::from("."),
                    Ok(inside) => inside.to_path_buf(),
                    Err(_) => dir,
                }
            }
            None => PathBuf::from(DEFAULT_CASSETTES),
        }
    }

    /// The project file's `record_command`, if it names one.
    pub(super) fn record_command(&self) -> Option<&str> {
        self.file.as_ref()?.record_command.as_deref()
    }

    /// The Codex binary: `explicit`, `PROMPT_DIARY_CODEX_BIN`, the project-local install of the
    /// project's pin, `codex` on `PATH`.
    pub(super) fn codex_bin(&self, explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
        let (bin, _) = resolve_codex_bin(explicit, self.file.as_ref().map(ProjectFile::pin))?;
        Ok(bin)
    }
}
