//! [`RecordingTransport`]: passes traffic through any transport and writes a cassette.
//!
//! The blocking file work, the workspace snapshots around each turn (a directory walk and a hash
//! of every file) and the cassette's write (with its fsync), runs on tokio's blocking pool, never
//! on a runtime thread: the stand-in pumps both directions on a runtime of two workers.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::task::JoinHandle;

use super::recorder::snapshot_or_empty;
use crate::cassette::{CassetteError, RecordOptions, Recorder, Snapshot, WriteOutcome};
use crate::transport::{Diagnostics, Message, Transport, TransportError};

/// How many stderr lines a cassette keeps.
const STDERR_LINES: usize = 20;

/// A decorator that records everything crossing `T` into a cassette, written when the transport
/// is closed. If the process dies or the recorder is killed first, nothing is written, so a good
/// cassette is never replaced by half a session.
pub(crate) struct RecordingTransport<T: Transport> {
    inner: T,
    recorder: Recorder,
    outcome: Arc<Mutex<Option<WriteOutcome>>>,
    finished: bool,
    /// A server message taken from `inner` and not yet returned by `recv`: kept here across a
    /// cancelled `recv` (which must lose no message) while its workspace snapshot is taken.
    held: Option<Held>,
    /// The cassette being written on the blocking pool, kept across a cancelled `close`.
    writing: Option<JoinHandle<Result<WriteOutcome, CassetteError>>>,
}

/// A server message on its way through [`RecordingTransport::recv`].
struct Held {
    message: Message,
    /// The workspace snapshot its `turn/completed` needs, being taken.
    after: Option<JoinHandle<Snapshot>>,
    /// Whether the recorder has noted it.
    noted: bool,
}

/// Takes the snapshot of `cwd` on the blocking pool.
fn snapshot_task(cwd: PathBuf) -> JoinHandle<Snapshot> {
    tokio::task::spawn_blocking(move || snapshot_or_empty(&cwd))
}

/// The snapshot `task` took; an empty one (as for an unreadable workspace) if it could not end.
async fn snapshot_of(task: &mut JoinHandle<Snapshot>) -> Snapshot {
    task.await.unwrap_or_else(|err| {
        tracing::warn!("the workspace snapshot did not finish: {err}");
        Snapshot::default()
    })
}

impl<T: Transport> RecordingTransport<T> {
    /// Records the traffic of `inner` with `options`.
    pub(crate) fn new(inner: T, options: RecordOptions) -> Self {
        Self {
            inner,
            recorder: Recorder::new(options),
            outcome: Arc::new(Mutex::new(None)),
            finished: false,
            held: None,
            writing: None,
        }
    }

    /// Notes the held server message once its snapshot is taken (in the order messages crossed:
    /// before any later client message). Cancel-safe: nothing changes until the snapshot is in.
    async fn note_held(&mut self) {
        let Some(held) = &mut self.held else { return };
        if held.noted {
            return;
        }
        let after = match &mut held.after {
            Some(task) => Some(snapshot_of(task).await),
            None => None,
        };
        held.after = None;
        held.noted = true;
        self.recorder.server_message_with(&held.message, after);
    }

    /// A handle that shows what was written once the transport has closed.
    pub(crate) fn outcome_handle(&self) -> RecordingOutcome {
        RecordingOutcome(Arc::clone(&self.outcome))
    }
}

/// What a [`RecordingTransport`] wrote, readable after it closed.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecordingOutcome(Arc<Mutex<Option<WriteOutcome>>>);

impl RecordingOutcome {
    /// Sets what was written (a transport that writes another way than this one).
    pub(crate) fn set(&self, outcome: WriteOutcome) {
        *self.lock() = Some(outcome);
    }

    fn lock(&self) -> MutexGuard<'_, Option<WriteOutcome>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The outcome, once the recording has been written.
    pub(crate) fn get(&self) -> Option<WriteOutcome> {
        self.lock().clone()
    }
}

#[async_trait]
impl<T: Transport> Transport for RecordingTransport<T> {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        self.note_held().await;
        let before = match self.recorder.snapshot_due(&message, true) {
            Some(cwd) => Some(snapshot_of(&mut snapshot_task(cwd)).await),
            None => None,
        };
        self.recorder.client_message_with(&message, before);
        self.inner.send(message).await
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        if self.held.is_none() {
            let Some(message) = self.inner.recv().await? else {
                return Ok(None);
            };
            let after = self
                .recorder
                .snapshot_due(&message, false)
                .map(snapshot_task);
            self.held = Some(Held {
                message,
                after,
                noted: false,
            });
        }
        self.note_held().await;
        Ok(self.held.take().map(|held| held.message))
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.inner.close().await?;
        if self.finished {
            return Ok(());
        }
        // A message received but never taken is still part of the session.
        self.note_held().await;
        let writing = match &mut self.writing {
            Some(writing) => writing,
            None => {
                let diagnostics = self.inner.diagnostics();
                let status = diagnostics
                    .exit_status()
                    .unwrap_or_else(|| "unknown".to_owned());
                let tail = diagnostics.stderr_lines(STDERR_LINES);
                let fresh = Recorder::new(self.recorder.options().clone());
                let recorder = std::mem::replace(&mut self.recorder, fresh);
                self.writing.insert(tokio::task::spawn_blocking(move || {
                    recorder.finish(&status, &tail)
                }))
            }
        };
        let written = writing.await;
        self.writing = None;
        self.finished = true;
        let outcome = written
            .map_err(|err| {
                let message = format!("writing the cassette did not finish: {err}");
                TransportError::Other(Box::new(std::io::Error::other(message)))
            })?
            .map_err(|err| TransportError::Other(Box::new(err)))?;
        *self.outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        Ok(())
    }

    fn diagnostics(&self) -> Diagnostics {
        self.inner.diagnostics()
    }

    fn pid(&self) -> Option<u32> {
        self.inner.pid()
    }
}
