//! [`open`] and [`record`]: settings in, a [`Connection`] out.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::cassette::{
    CassetteError, CassetteSettings, EpisodesTransport, FlagMode, RecordOptions, RecordingOutcome,
    RecordingTransport, ReplayTransport, Resolved, StartLive,
};
use crate::codex_bin::{BinaryNotFound, schema_fingerprint};
use crate::transport::{
    Diagnostics, Message, ProcessCommand, ProcessTransport, Transport, TransportError,
};

/// The Codex process a live or recording connection starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// An explicit Codex binary; `None` resolves it as
    /// [`find_codex_bin`](crate::project::find_codex_bin) documents (the project file's pin).
    pub codex_bin: Option<PathBuf>,
    /// The arguments after the binary (`app-server`, `-c key=value`, ...).
    pub args: Vec<String>,
    /// Environment variables set for the child, on top of the inherited environment.
    pub env: Vec<(String, String)>,
    /// Inherit nothing: the child's environment is [`env`](Self::env) alone (a re-recording's
    /// Codex, which runs a cassette's commands, gets nothing of the user's).
    pub env_clear: bool,
}

/// An open transport: live, recording or replaying. It is a [`Transport`] whichever it is.
pub(crate) enum Connection {
    /// A live Codex process.
    Live(Box<ProcessTransport>),
    /// A live Codex process whose traffic is recorded into a cassette on close. Boxed: it holds
    /// the recording.
    Recording(Box<RecordingTransport<ProcessTransport>>),
    /// A cassette playing the server; no process. Boxed: it holds the whole cassette.
    Replay(Box<ReplayTransport>),
    /// `new_episodes`: a cassette playing what it holds, and a real Codex, started when a
    /// conversation is new, recording the rest; appended to the cassette on close.
    Episodes(Box<EpisodesTransport<ProcessTransport>>),
}

impl Connection {
    /// Where the recording went, readable once the connection has closed (`None` unless
    /// recording).
    pub(crate) fn recording_outcome(&self) -> Option<RecordingOutcome> {
        match self {
            Self::Recording(recording) => Some(recording.outcome_handle()),
            Self::Episodes(episodes) => Some(episodes.outcome_handle()),
            Self::Live(_) | Self::Replay(_) => None,
        }
    }

    /// `"live"`, `"recording"`, `"replay"` or `"new_episodes"`, for logs.
    pub(crate) fn mode(&self) -> &'static str {
        match self {
            Self::Live(_) => "live",
            Self::Recording(_) => "recording",
            Self::Replay(_) => "replay",
            Self::Episodes(_) => "new_episodes",
        }
    }
}

/// The connection could not be opened. Each variant says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// No Codex binary was found (live or recording).
    #[error(transparent)]
    BinaryNotFound(#[from] BinaryNotFound),
    /// The Codex process could not be started.
    #[error(
        "could not start `{}`: {source}. Check that the path is an executable Codex CLI (`prompt-diary install-codex` installs the pinned one)",
        program.display()
    )]
    Spawn {
        /// The Codex binary.
        program: PathBuf,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },
    /// The cassette is missing, unreadable or corrupt, or recording is refused here.
    #[error(transparent)]
    Cassette(#[from] CassetteError),
}

/// Opens what `cassette` asks for (after the environment and the file system have had their say,
/// see [`CassetteSettings`]'s record mode): no cassette is a live process, replay reads the file,
/// record starts `endpoint` and records around it, `new_episodes` replays and starts `endpoint`
/// only when a conversation is new.
pub(crate) fn open(
    endpoint: &Endpoint,
    cassette: Option<&CassetteSettings>,
) -> Result<Connection, ConnectError> {
    match cassette {
        None => Ok(Connection::Live(Box::new(spawn(endpoint)?.0))),
        Some(settings) => open_resolved(endpoint, settings, settings.resolve()?),
    }
}

/// [`open`] with the mode already resolved (the stand-in resolves it itself: it says notes on
/// its stderr, and keeps the client's `-c` values in a recording's header).
pub(crate) fn open_resolved(
    endpoint: &Endpoint,
    settings: &CassetteSettings,
    resolved: Resolved,
) -> Result<Connection, ConnectError> {
    match resolved {
        Resolved::Replay => {
            if !settings.path.exists() {
                return Err(CassetteError::Missing {
                    path: settings.path.clone(),
                    record_command: settings.missing_command(),
                }
                .into());
            }
            Ok(Connection::Replay(Box::new(ReplayTransport::for_settings(
                settings,
            )?)))
        }
        Resolved::Record(options) => record(endpoint, options),
        Resolved::Episodes(options) => {
            let endpoint = endpoint.clone();
            let start: StartLive<ProcessTransport> = Box::new(move || {
                let (process, program) =
                    spawn(&endpoint).map_err(|err| TransportError::Other(Box::new(err)))?;
                Ok((process, schema_fingerprint(&program)))
            });
            Ok(Connection::Episodes(Box::new(EpisodesTransport::open(
                options, start,
            )?)))
        }
    }
}

/// The record mode a command-line `flag` asks for, resolved for `settings` (the flag wins over
/// the environment; under CI a recording mode is refused), notes said to `note`.
pub(crate) fn resolve_flag(
    settings: &CassetteSettings,
    flag: Option<FlagMode>,
    note: &mut dyn FnMut(String),
) -> Result<Resolved, CassetteError> {
    settings.resolve_with(flag, &|key| std::env::var(key).ok(), note)
}

/// Starts `endpoint` and records its session with `options`, whatever the environment says
/// (tools such as the drift check record into a temp folder this way). The protocol schema
/// fingerprint of the binary goes into the cassette header.
pub(crate) fn record(
    endpoint: &Endpoint,
    mut options: RecordOptions,
) -> Result<Connection, ConnectError> {
    let (process, program) = spawn(endpoint)?;
    options.schema_fingerprint = schema_fingerprint(&program);
    Ok(Connection::Recording(Box::new(RecordingTransport::new(
        process, options,
    ))))
}

fn spawn(endpoint: &Endpoint) -> Result<(ProcessTransport, PathBuf), ConnectError> {
    let (program, _source) = crate::project::find_codex_bin(endpoint.codex_bin.as_deref())?;
    let mut command = ProcessCommand::new(&program).args(endpoint.args.iter().cloned());
    command.env.extend(endpoint.env.iter().cloned());
    command.env_clear = endpoint.env_clear;
    let process = ProcessTransport::spawn(&command).map_err(|err| ConnectError::Spawn {
        program: program.clone(),
        source: match err {
            TransportError::Spawn { source, .. } => source,
            other => std::io::Error::other(other),
        },
    })?;
    Ok((process, program))
}

#[async_trait]
impl Transport for Connection {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        match self {
            Self::Live(t) => t.send(message).await,
            Self::Recording(t) => t.send(message).await,
            Self::Replay(t) => t.send(message).await,
            Self::Episodes(t) => t.send(message).await,
        }
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        match self {
            Self::Live(t) => t.recv().await,
            Self::Recording(t) => t.recv().await,
            Self::Replay(t) => t.recv().await,
            Self::Episodes(t) => t.recv().await,
        }
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        match self {
            Self::Live(t) => t.close().await,
            Self::Recording(t) => t.close().await,
            Self::Replay(t) => t.close().await,
            Self::Episodes(t) => t.close().await,
        }
    }

    fn diagnostics(&self) -> Diagnostics {
        match self {
            Self::Live(t) => t.diagnostics(),
            Self::Recording(t) => t.diagnostics(),
            Self::Replay(t) => t.diagnostics(),
            Self::Episodes(t) => t.diagnostics(),
        }
    }

    fn ready(&mut self) -> Option<Message> {
        match self {
            Self::Live(t) => t.ready(),
            Self::Recording(t) => t.ready(),
            Self::Replay(t) => t.ready(),
            Self::Episodes(t) => t.ready(),
        }
    }

    fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]) {
        match self {
            Self::Live(t) => t.deliver_only(thread_id, methods),
            Self::Recording(t) => t.deliver_only(thread_id, methods),
            Self::Replay(t) => t.deliver_only(thread_id, methods),
            Self::Episodes(t) => t.deliver_only(thread_id, methods),
        }
    }

    fn awaiting_client(&self) -> bool {
        match self {
            Self::Live(t) => t.awaiting_client(),
            Self::Recording(t) => t.awaiting_client(),
            Self::Replay(t) => t.awaiting_client(),
            Self::Episodes(t) => t.awaiting_client(),
        }
    }

    fn pid(&self) -> Option<u32> {
        match self {
            Self::Live(t) => t.pid(),
            Self::Recording(t) => t.pid(),
            Self::Replay(t) => t.pid(),
            Self::Episodes(t) => t.pid(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[tokio::test]
    async fn a_codex_that_cannot_start_names_its_path_and_keeps_the_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("codex");
        std::fs::write(&bin, "not an executable\n").unwrap();
        let endpoint = Endpoint {
            codex_bin: Some(bin.clone()),
            args: vec!["app-server".into()],
            ..Endpoint::default()
        };
        let Err(err) = open(&endpoint, None) else {
            panic!("a file without an execute bit started");
        };
        let ConnectError::Spawn { program, source } = &err else {
            panic!("{err}");
        };
        assert_eq!(program, &bin);
        assert_eq!(
            source.kind(),
            std::io::ErrorKind::PermissionDenied,
            "{source}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "could not start `{}`: {source}. Check that the path is an executable Codex CLI \
                 (`prompt-diary install-codex` installs the pinned one)",
                bin.display()
            )
        );
        assert!(err.source().is_some(), "the io error is the source");
    }
}
