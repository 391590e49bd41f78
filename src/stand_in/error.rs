//! [`StandInError`]: why the stand-in could not serve a client at all, and the environment
//! variable that names its cassette. Both modes (app-server and exec) report through it.

use std::io;
use std::path::PathBuf;

use crate::cassette::RECORD_MODE_ENV;
use crate::codex_bin::{BinaryNotFound, CODEX_BIN_ENV};
use crate::connect::ConnectError;
use crate::stand_in::UnsupportedArgs;

/// The environment variable naming the cassette.
pub const CASSETTE_ENV: &str = "PROMPT_DIARY_CASSETTE";

/// Why the stand-in could not serve a client at all (before any traffic).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StandInError {
    /// The client's command line is not one the stand-in serves.
    #[error(transparent)]
    Args(#[from] UnsupportedArgs),
    /// `PROMPT_DIARY_CASSETTE` is not set.
    #[error(
        "set {CASSETTE_ENV} to the cassette to replay or record (and {RECORD_MODE_ENV}=none|once|new_episodes|all; {CODEX_BIN_ENV} names the real Codex used to record)"
    )]
    NoCassette,
    /// The project file (`prompt-diary.toml`, found from the working directory upwards) cannot
    /// be used.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectFileError),
    /// The cassette could not be replayed, or the real Codex could not be started to record.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// An exec cassette could not be read, or recording was refused.
    #[error(transparent)]
    Cassette(#[from] crate::cassette::CassetteError),
    /// The working directory could not be read (it was removed, or is not readable).
    #[error(
        "could not read the current directory: {source}; run the client from a folder that exists"
    )]
    CurrentDir {
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A `codex exec` run's stdin could not be read.
    #[error("could not read the `codex exec` run's stdin: {source}; nothing was run")]
    Stdin {
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A `codex exec` run's `--output-schema` file could not be read.
    #[error(
        "could not read the --output-schema file {}: {source}; the run's command line names it, \
         so it must exist when the run starts",
        path.display()
    )]
    Schema {
        /// The file, as the run's working directory resolves it.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// No real Codex was found to record a `codex exec` run with.
    #[error(transparent)]
    CodexNotFound(#[from] BinaryNotFound),
    /// The binary found to record with does not say it is a Codex CLI.
    #[error(
        "{} is not a Codex CLI: `{} --version` printed {printed}, not `codex-cli X.Y.Z`; nothing \
         was recorded. Set {CODEX_BIN_ENV} to the real Codex (`prompt-diary install-codex` \
         installs the pinned one)",
        bin.display(),
        bin.display()
    )]
    NotCodex {
        /// The binary.
        bin: PathBuf,
        /// What it printed (quoted, control characters escaped), or why nothing.
        printed: String,
    },
    /// The real Codex could not be started to record a `codex exec` run.
    #[error(
        "could not start {}: {source}; nothing was recorded. Check that it is an executable \
         Codex CLI, or set {CODEX_BIN_ENV} to one",
        bin.display()
    )]
    Spawn {
        /// The binary.
        bin: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Waiting for the real Codex recording a `codex exec` run failed.
    #[error(
        "waiting for the real Codex {} failed: {source}; the run was not recorded, run it again",
        bin.display()
    )]
    Wait {
        /// The binary.
        bin: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// `install-stand-in`: the stand-in binary is not there.
    #[error(
        "the stand-in {} is not there ({source}); build it with `cargo build` (it is the \
         `prompt-diary-codex` binary) or name it with --stand-in",
        path.display()
    )]
    StandInMissing {
        /// The stand-in's path, as given.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// `install-stand-in`: the stand-in's path is not a file.
    #[error(
        "the stand-in {} is not a file; name the `prompt-diary-codex` binary with --stand-in",
        path.display()
    )]
    StandInNotFile {
        /// The stand-in's path, links resolved.
        path: PathBuf,
    },
    /// `install-stand-in`: the folder for the link could not be created.
    #[error(
        "could not create {}: {source}; choose a folder you can write for the stand-in",
        dir.display()
    )]
    InstallDir {
        /// The folder.
        dir: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// `install-stand-in`: something that is not a link is already named `codex` in the folder.
    #[error(
        "{} exists and is not a link (a real Codex?); it is left alone: remove it, or choose \
         another folder for the stand-in",
        link.display()
    )]
    NotALink {
        /// The `codex` already there.
        link: PathBuf,
    },
    /// `install-stand-in`: the link could not be written.
    #[error(
        "could not link {} to {}: {source}; check that the folder is writable",
        link.display(),
        target.display()
    )]
    Link {
        /// The link.
        link: PathBuf,
        /// The stand-in it would point to.
        target: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

impl StandInError {
    /// The real Codex `bin` could not be started: [`Spawn`](Self::Spawn).
    pub(crate) fn spawn(bin: &std::path::Path, source: io::Error) -> Self {
        Self::Spawn {
            bin: bin.to_owned(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    fn io(text: &str) -> io::Error {
        io::Error::other(text.to_owned())
    }

    /// Each typed failure says what happened, where, and what to do; the io error stays its
    /// source.
    #[test]
    fn each_failure_names_its_path_and_keeps_its_source() {
        let bin = PathBuf::from("/opt/codex/bin/codex");
        let cases: Vec<(StandInError, &str, bool)> = vec![
            (
                StandInError::CurrentDir { source: io("gone") },
                "could not read the current directory: gone; run the client from a folder that \
                 exists",
                true,
            ),
            (
                StandInError::Stdin {
                    source: io("closed"),
                },
                "could not read the `codex exec` run's stdin: closed; nothing was run",
                true,
            ),
            (
                StandInError::Schema {
                    path: "/w/schema.json".into(),
                    source: io("No such file"),
                },
                "could not read the --output-schema file /w/schema.json: No such file; the run's \
                 command line names it, so it must exist when the run starts",
                true,
            ),
            (
                StandInError::NotCodex {
                    bin: bin.clone(),
                    printed: "\"hello\"".into(),
                },
                "/opt/codex/bin/codex is not a Codex CLI: `/opt/codex/bin/codex --version` \
                 printed \"hello\", not `codex-cli X.Y.Z`; nothing was recorded. Set \
                 PROMPT_DIARY_CODEX_BIN to the real Codex (`prompt-diary install-codex` installs \
                 the pinned one)",
                false,
            ),
            (
                StandInError::Spawn {
                    bin: bin.clone(),
                    source: io("Permission denied"),
                },
                "could not start /opt/codex/bin/codex: Permission denied; nothing was recorded. \
                 Check that it is an executable Codex CLI, or set PROMPT_DIARY_CODEX_BIN to one",
                true,
            ),
            (
                StandInError::Wait {
                    bin,
                    source: io("interrupted"),
                },
                "waiting for the real Codex /opt/codex/bin/codex failed: interrupted; the run was \
                 not recorded, run it again",
                true,
            ),
            (
                StandInError::Link {
                    link: "/b/codex".into(),
                    target: "/t/prompt-diary-codex".into(),
                    source: io("Read-only file system"),
                },
                "could not link /b/codex to /t/prompt-diary-codex: Read-only file system; check \
                 that the folder is writable",
                true,
            ),
        ];
        for (err, says, sourced) in cases {
            assert_eq!(err.to_string(), says);
            assert_eq!(err.source().is_some(), sourced, "{says}");
        }
    }

    #[test]
    fn no_codex_to_record_with_is_the_resolution_error_itself() {
        let err = StandInError::from(BinaryNotFound::Nowhere {
            version: "0.171.0".into(),
            roots: vec![PathBuf::from("/srv/project")],
            stand_ins: vec![],
        });
        assert!(matches!(err, StandInError::CodexNotFound(_)));
        assert!(err.to_string().contains("/srv/project"), "{err}");
    }
}
