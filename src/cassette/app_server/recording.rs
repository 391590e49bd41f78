//! [`RecordingTransport`]: passes traffic through any transport and writes a cassette.

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use crate::cassette::{RecordOptions, Recorder, WriteOutcome};
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
}

impl<T: Transport> RecordingTransport<T> {
    /// Records the traffic of `inner` with `options`.
    pub(crate) fn new(inner: T, options: RecordOptions) -> Self {
        Self {
            inner,
            recorder: Recorder::new(options),
            outcome: Arc::new(Mutex::new(None)),
            finished: false,
        }
    }

    /// A handle that shows what was written once the transport has closed.
    pub(crate) fn outcome_handle(&self) -> RecordingOutcome {
        RecordingOutcome(Arc::clone(&self.outcome))
    }
}

/// What a [`RecordingTransport`] wrote, readable after it closed.
#[derive(Debug, Clone)]
pub(crate) struct RecordingOutcome(Arc<Mutex<Option<WriteOutcome>>>);

impl RecordingOutcome {
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
        self.recorder.client_message(&message);
        self.inner.send(message).await
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        let next = self.inner.recv().await?;
        if let Some(message) = &next {
            self.recorder.server_message(message);
        }
        Ok(next)
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.inner.close().await?;
        if std::mem::replace(&mut self.finished, true) {
            return Ok(());
        }
        let diagnostics = self.inner.diagnostics();
        let status = diagnostics
            .exit_status()
            .unwrap_or_else(|| "unknown".to_owned());
        let tail = diagnostics.stderr_lines(STDERR_LINES);
        let outcome = self
            .recorder
            .finish(&status, &tail)
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
