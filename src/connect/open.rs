//! [`open`] and [`record`]: settings in, a [`Connection`] out.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::cassette::{
    CassetteError, CassetteSettings, RecordOptions, RecordingOutcome, RecordingTransport,
    ReplayTransport, Resolved,
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
}

impl Connection {
    /// Where the recording went, readable once the connection has closed (`None` unless
    /// recording).
    pub(crate) fn recording_outcome(&self) -> Option<RecordingOutcome> {
        match self {
            Self::Recording(recording) => Some(recording.outcome_handle()),
            Self::Live(_) | Self::Replay(_) => None,
        }
    }

    /// `"live"`, `"recording"` or `"replay"`, for logs.
    pub(crate) fn mode(&self) -> &'static str {
        match self {
            Self::Live(_) => "live",
            Self::Recording(_) => "recording",
            Self::Replay(_) => "replay",
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
    #[error(transparent)]
    Spawn(TransportError),
    /// The cassette is missing, unreadable or corrupt, or recording is refused here.
    #[error(transparent)]
    Cassette(#[from] CassetteError),
}

/// Opens what `cassette` asks for (after the environment and the file system have had their say,
/// see [`CassetteSettings::resolve`]): no cassette is a live process, replay reads the file,
/// record starts `endpoint` and records around it.
pub(crate) fn open(
    endpoint: &Endpoint,
    cassette: Option<&CassetteSettings>,
) -> Result<Connection, ConnectError> {
    let Some(settings) = cassette else {
        return Ok(Connection::Live(Box::new(spawn(endpoint)?.0)));
    };
    match settings.resolve()? {
        Resolved::Replay => Ok(Connection::Replay(Box::new(ReplayTransport::open(
            &settings.path,
            &settings.record_command(),
        )?))),
        Resolved::Record(options) => record(endpoint, options),
    }
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
    let process = ProcessTransport::spawn(&command).map_err(ConnectError::Spawn)?;
    Ok((process, program))
}

#[async_trait]
impl Transport for Connection {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        match self {
            Self::Live(t) => t.send(message).await,
            Self::Recording(t) => t.send(message).await,
            Self::Replay(t) => t.send(message).await,
        }
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        match self {
            Self::Live(t) => t.recv().await,
            Self::Recording(t) => t.recv().await,
            Self::Replay(t) => t.recv().await,
        }
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        match self {
            Self::Live(t) => t.close().await,
            Self::Recording(t) => t.close().await,
            Self::Replay(t) => t.close().await,
        }
    }

    fn diagnostics(&self) -> Diagnostics {
        match self {
            Self::Live(t) => t.diagnostics(),
            Self::Recording(t) => t.diagnostics(),
            Self::Replay(t) => t.diagnostics(),
        }
    }

    fn ready(&mut self) -> Option<Message> {
        match self {
            Self::Live(t) => t.ready(),
            Self::Recording(t) => t.ready(),
            Self::Replay(t) => t.ready(),
        }
    }

    fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]) {
        match self {
            Self::Live(t) => t.deliver_only(thread_id, methods),
            Self::Recording(t) => t.deliver_only(thread_id, methods),
            Self::Replay(t) => t.deliver_only(thread_id, methods),
        }
    }

    fn awaiting_client(&self) -> bool {
        match self {
            Self::Live(t) => t.awaiting_client(),
            Self::Recording(t) => t.awaiting_client(),
            Self::Replay(t) => t.awaiting_client(),
        }
    }

    fn pid(&self) -> Option<u32> {
        match self {
            Self::Live(t) => t.pid(),
            Self::Recording(t) => t.pid(),
            Self::Replay(t) => t.pid(),
        }
    }
}
