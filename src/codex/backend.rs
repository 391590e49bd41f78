//! [`CodexBackend`]: one `codex app-server` process (or any [`Transport`]) after the handshake.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::CodexBackendConfig;
use crate::agent::AgentError;
use crate::cassette::{RecordOptions, RecordingOutcome, WriteOutcome};
use crate::codex::rpc::protocol::methods;
use crate::codex::rpc::requests::{
    ClientInfo, Initialize, InitializeParams, InitializeResult, ThreadLoadedList,
    ThreadLoadedListParams,
};
use crate::codex::rpc::{RpcSession, STDERR_TAIL_LINES, SessionError};
use crate::connect::{self, ConnectError, Connection};
use crate::transport::Transport;

/// The name this client gives the app-server.
pub(super) const CLIENT_NAME: &str = "prompt-diary";

/// A started app-server: shared, cheap to clone. Runners hold clones.
///
/// The process stops on [`shutdown`](CodexBackend::shutdown), or when the last clone drops.
#[derive(Clone)]
pub struct CodexBackend {
    inner: Arc<Inner>,
}

struct Inner {
    session: RpcSession,
    config: CodexBackendConfig,
    server: InitializeResult,
    shut_down: AtomicBool,
    /// Why the backend was stopped as unusable, once a cleanup could not be confirmed.
    invalid: Mutex<Option<String>>,
    recording: Mutex<Option<RecordingOutcome>>,
    /// One permit per turn allowed in flight (`max_turns_in_flight`), if limited.
    turn_slots: Option<Arc<Semaphore>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.session.close_now();
    }
}

impl CodexBackend {
    /// Starts the backend: `codex app-server` live, the same while recording a cassette, or a
    /// cassette replay (no binary needed), as the config's cassette settings say. The choice is
    /// the transport opener's (`connect::open`); the backend talks to whatever it opened the same way.
    pub async fn start(config: CodexBackendConfig) -> Result<Self, AgentError> {
        config.validate()?;
        let connection =
            connect::open(&config.endpoint(), config.cassette.as_ref()).map_err(connect_error)?;
        Self::start_with_connection(config, connection).await
    }

    /// Starts `codex app-server` live and records the session into a cassette with `options`,
    /// written on [`shutdown`](Self::shutdown). Unlike a cassette in the config, this does not
    /// consult `PROMPT_DIARY_RECORD_MODE` or `CI` (tools such as the drift check use it to record
    /// into a temp folder).
    pub async fn start_recording(
        config: CodexBackendConfig,
        options: RecordOptions,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        let connection = connect::record(&config.endpoint(), options).map_err(connect_error)?;
        Self::start_with_connection(config, connection).await
    }

    async fn start_with_connection(
        config: CodexBackendConfig,
        connection: Connection,
    ) -> Result<Self, AgentError> {
        tracing::debug!(mode = connection.mode(), "app-server connection opened");
        let outcome = connection.recording_outcome();
        let backend = Self::start_with_transport(config, connection).await?;
        *backend
            .inner
            .recording
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = outcome;
        Ok(backend)
    }

    /// Completes the handshake over an already open transport (live, recording or replay).
    pub async fn start_with_transport<T: Transport>(
        config: CodexBackendConfig,
        transport: T,
    ) -> Result<Self, AgentError> {
        config.validate()?;
        let session = RpcSession::start(transport);
        let params = InitializeParams {
            client_info: ClientInfo {
                name: CLIENT_NAME.to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
        };
        let answer = session
            .call::<Initialize>(&params, config.request_timeout)
            .await;
        let server = match answer {
            Ok(server) => server,
            Err(err @ SessionError::BadAnswer { .. }) => {
                let _ = session.close().await;
                return Err(session_error(err, "completing the handshake"));
            }
            Err(err) => {
                let _ = session.close().await;
                let tail = session.diagnostics().stderr_tail(STDERR_TAIL_LINES);
                return Err(AgentError::BackendUnavailable {
                    message: format!(
                        "the app-server did not complete `initialize`: {err}. Check that the binary is a \
                         Codex CLI that supports `app-server` (pinned: {}); stderr tail:\n{tail}",
                        crate::project::pinned_version_here()
                    ),
                });
            }
        };
        if let Err(err) = session.notify(methods::INITIALIZED, None).await {
            return Err(session_error(err, "sending `initialized`"));
        }
        let pinned = crate::project::pinned_version_here();
        match server.codex_version() {
            Some(version) if version == pinned => {}
            Some(other) => tracing::warn!(
                "Codex {other} is not the project's pinned {pinned}; run `prompt-diary install-codex` for the pinned version"
            ),
            None => {
                tracing::debug!(user_agent = %server.user_agent, "no Codex version in the user agent")
            }
        }
        let turn_slots = config
            .max_turns_in_flight
            .map(|turns| Arc::new(Semaphore::new(turns)));
        let inner = Inner {
            session,
            config,
            server,
            shut_down: AtomicBool::new(false),
            invalid: Mutex::new(None),
            recording: Mutex::new(None),
            turn_slots,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Waits until `deadline` for a turn slot when turns in flight are limited. `Ok(None)` means
    /// no limit; `Err(())` that no slot freed up in time. The slot is held until the permit drops.
    pub(crate) async fn turn_slot(
        &self,
        deadline: tokio::time::Instant,
    ) -> Result<Option<OwnedSemaphorePermit>, ()> {
        let Some(slots) = &self.inner.turn_slots else {
            return Ok(None);
        };
        match tokio::time::timeout_at(deadline, Arc::clone(slots).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            // The semaphore is never closed; a closed one would mean no slot ever frees up.
            Ok(Err(_)) | Err(_) => Err(()),
        }
    }

    /// The JSON-RPC session.
    pub(crate) fn session(&self) -> &RpcSession {
        &self.inner.session
    }

    /// The config this backend was started with.
    pub fn config(&self) -> &CodexBackendConfig {
        &self.inner.config
    }

    /// The Codex version the server reported, if it did.
    pub fn codex_version(&self) -> Option<&str> {
        self.inner.server.codex_version()
    }

    /// The server's user agent string.
    pub fn user_agent(&self) -> &str {
        &self.inner.server.user_agent
    }

    /// The app-server's process id (`None` for transports without a process).
    pub fn pid(&self) -> Option<u32> {
        self.inner.session.pid()
    }

    /// Where the recording went, once the backend has shut down (`None` when not recording).
    pub fn recording_outcome(&self) -> Option<WriteOutcome> {
        self.inner
            .recording
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .and_then(RecordingOutcome::get)
    }

    /// Whether [`shutdown`](Self::shutdown) has been called.
    pub fn is_shut_down(&self) -> bool {
        self.inner.shut_down.load(Ordering::SeqCst)
    }

    /// Why the backend was invalidated, if it was: a cleanup (an interrupt, a release) that was
    /// not confirmed within its bound. Such a backend is stopped and never reused.
    pub(crate) fn invalid_reason(&self) -> Option<String> {
        self.inner
            .invalid
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The error every later call on an invalidated backend gets, if it was invalidated.
    pub(crate) fn invalid_error(&self) -> Option<AgentError> {
        self.invalid_reason()
            .map(|reason| AgentError::BackendInvalid { reason })
    }

    /// Marks the backend invalid because of `reason` (the first reason stays), stops its
    /// process (stdin close, bounded wait, kill: no orphan) and returns the error to report.
    pub(crate) async fn invalidate(&self, reason: String) -> AgentError {
        {
            let mut invalid = self.inner.invalid.lock().unwrap_or_else(|p| p.into_inner());
            if invalid.is_none() {
                tracing::warn!("stopping the app-server: {reason}");
                *invalid = Some(reason);
            }
        }
        self.inner.shut_down.store(true, Ordering::SeqCst);
        // What closing reports (unused replay interactions, say) does not matter any more.
        let _ = self.inner.session.close().await;
        self.invalid_error().unwrap_or(AgentError::ShutDown)
    }

    /// How many conversations the app-server holds loaded in memory (`thread/loaded/list`,
    /// every page). A conversation released with
    /// [`AgentRunner::close`](crate::agent::AgentRunner::close) is no longer counted.
    pub async fn loaded_conversations(&self) -> Result<usize, AgentError> {
        if let Some(err) = self.invalid_error() {
            return Err(err);
        }
        let mut count = 0;
        let mut params = ThreadLoadedListParams::default();
        loop {
            let page = self
                .session()
                .call::<ThreadLoadedList>(&params, self.config().request_timeout)
                .await
                .map_err(|err| session_error(err, "listing loaded threads (thread/loaded/list)"))?;
            count += page.data.len();
            match page.next_cursor {
                Some(cursor) => params.cursor = Some(cursor),
                None => return Ok(count),
            }
        }
    }

    /// The last lines of the server's stderr.
    pub fn stderr_tail(&self) -> String {
        self.inner
            .session
            .diagnostics()
            .stderr_tail(STDERR_TAIL_LINES)
    }

    /// Starts closing the server without waiting (for `Drop`).
    pub(crate) fn close_now(&self) {
        self.inner.shut_down.store(true, Ordering::SeqCst);
        self.inner.session.close_now();
    }

    /// Stops the server: closes its stdin, waits a bounded time, kills it if needed, and reaps it.
    /// Runners on this backend fail with [`AgentError::ShutDown`] afterwards.
    pub async fn shutdown(&self) -> Result<(), AgentError> {
        self.inner.shut_down.store(true, Ordering::SeqCst);
        self.inner
            .session
            .close()
            .await
            .map_err(|err| session_error(err, "shutting down"))
    }
}

/// Maps a session failure to the port's error, saying what was going on.
pub(crate) fn session_error(err: SessionError, context: &str) -> AgentError {
    match err {
        SessionError::Closed {
            reason,
            status,
            stderr_tail,
        } => AgentError::BackendExited {
            status,
            context: format!("while {context}: {reason}"),
            stderr_tail,
        },
        SessionError::ShutDown => AgentError::ShutDown,
        SessionError::Failed(inner) => AgentError::Backend(inner),
        SessionError::Rejected {
            method,
            code,
            message,
        } => AgentError::Protocol {
            message: format!(
                "the app-server refused `{method}` while {context} (code {code}): {message}"
            ),
        },
        SessionError::NoAnswer { method, after } => AgentError::Protocol {
            message: format!(
                "the app-server did not answer `{method}` within {after:?} while {context}; it may be stuck. \
                 Raise CodexBackendConfig::request_timeout or look at its stderr"
            ),
        },
        other => AgentError::Protocol {
            message: format!("{other} (while {context})"),
        },
    }
}

/// Maps a failure to open the connection to the port's error: a cassette problem stays typed
/// (`AgentError::Backend` holding the `CassetteError`), the rest says the backend is unavailable.
fn connect_error(err: ConnectError) -> AgentError {
    match err {
        ConnectError::Cassette(err) => AgentError::Backend(Arc::new(err)),
        other => AgentError::BackendUnavailable {
            message: other.to_string(),
        },
    }
}
