//! [`open`] and [`record`]: settings in, a [`Connection`] out.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::cassette::{
    CassetteError, CassetteSettings, EpisodesTransport, FlagMode, RecordOptions, RecordingOutcome,
    RecordingTransport, ReplayTransport, Resolved, StartLive,
};
use crate::codex_bin::{BinaryNotFound, schema_fingerprint};
use crate::transport::{
    Diagnostics, Message, Playback, ProcessCommand, ProcessTransport, Transport, TransportError,
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

/// An open transport: live, recording, replaying or `new_episodes`. It is a [`Transport`]
/// whichever it is: every method goes to the one transport it holds.
pub(crate) struct Connection {
    /// The live process, the recording around one, the replay, or the `new_episodes` playback.
    /// Boxed: a replay holds the whole cassette.
    transport: Box<dyn Transport>,
    /// `"live"`, `"recording"`, `"replay"` or `"new_episodes"`.
    mode: &'static str,
    /// Where a recording goes, readable once the connection has closed.
    outcome: Option<RecordingOutcome>,
}

impl Connection {
    fn new(
        mode: &'static str,
        transport: impl Transport,
        outcome: Option<RecordingOutcome>,
    ) -> Self {
        Self {
            transport: Box::new(transport),
            mode,
            outcome,
        }
    }

    /// Where the recording went, readable once the connection has closed (`None` unless
    /// recording).
    pub(crate) fn recording_outcome(&self) -> Option<RecordingOutcome> {
        self.outcome.clone()
    }

    /// `"live"`, `"recording"`, `"replay"` or `"new_episodes"`, for logs.
    pub(crate) fn mode(&self) -> &'static str {
        self.mode
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
        None => Ok(Connection::new("live", spawn(endpoint)?.0, None)),
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
            let replay = ReplayTransport::for_settings(settings)?;
            Ok(Connection::new("replay", replay, None))
        }
        Resolved::Record(options) => record(endpoint, options),
        Resolved::Episodes(options) => {
            let endpoint = endpoint.clone();
            let start: StartLive<ProcessTransport> = Box::new(move || {
                let (process, program) =
                    spawn(&endpoint).map_err(|err| TransportError::Other(Box::new(err)))?;
                Ok((process, schema_fingerprint(&program)))
            });
            let episodes = EpisodesTransport::open(options, start)?;
            let outcome = episodes.outcome_handle();
            Ok(Connection::new("new_episodes", episodes, Some(outcome)))
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
    let recording = RecordingTransport::new(process, options);
    let outcome = recording.outcome_handle();
    Ok(Connection::new("recording", recording, Some(outcome)))
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
        self.transport.send(message).await
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        self.transport.recv().await
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.transport.close().await
    }

    fn diagnostics(&self) -> Diagnostics {
        self.transport.diagnostics()
    }

    fn pid(&self) -> Option<u32> {
        self.transport.pid()
    }

    fn playback(&mut self) -> Option<&mut dyn Playback> {
        self.transport.playback()
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
