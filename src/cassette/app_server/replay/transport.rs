//! [`ReplayTransport`]: plays the server from a cassette. No process, no network.

use std::path::Path;

use async_trait::async_trait;

use crate::cassette::app_server::format;
use crate::cassette::{Cassette, CassetteError, CassetteSettings, Replayer};
use crate::transport::{Diagnostics, Message, Playback, Transport, TransportError};

/// A transport whose server is a cassette.
///
/// Each client message must match the next recorded one of its conversation; a mismatch fails the
/// `send` with a divergence report. Closing fails if recorded interactions were left unused.
pub struct ReplayTransport {
    replayer: Replayer,
    diagnostics: Diagnostics,
    closed: bool,
}

impl ReplayTransport {
    /// Opens the cassette at `path`. `record_command` is named in errors and reports.
    pub fn open(path: &Path, record_command: &str) -> Result<Self, CassetteError> {
        let text = format::read(path, record_command)?;
        Self::from_text(path, text, record_command)
    }

    /// Opens the cassette `settings` name, with their record command and the project's rules
    /// (its `[[redact]]` patterns apply to what the client sends; volatile values match by the
    /// rules the cassette's header recorded).
    pub fn for_settings(settings: &CassetteSettings) -> Result<Self, CassetteError> {
        let record_command = settings.record_command();
        let text = format::read(&settings.path, &record_command)?;
        let replayer = Replayer::from_text(&settings.path, text, Some(record_command))?
            .with_redact(&settings.redact);
        Ok(Self::with_replayer(replayer))
    }

    /// Plays cassette text (as read from `path`, which reports name). Every line is checked
    /// first; each server message is parsed only when it is sent.
    pub fn parse(path: &Path, text: &str, record_command: &str) -> Result<Self, CassetteError> {
        let replayer = Replayer::parse(path, text, Some(record_command.to_owned()))?;
        Ok(Self::with_replayer(replayer))
    }

    /// [`parse`](Self::parse), keeping `text` itself rather than a copy of it.
    pub(crate) fn from_text(
        path: &Path,
        text: String,
        record_command: &str,
    ) -> Result<Self, CassetteError> {
        let replayer = Replayer::from_text(path, text, Some(record_command.to_owned()))?;
        Ok(Self::with_replayer(replayer))
    }

    /// Plays an already parsed cassette.
    pub fn new(cassette: Cassette, record_command: Option<String>) -> Self {
        Self::with_replayer(Replayer::new(cassette, record_command))
    }

    fn with_replayer(replayer: Replayer) -> Self {
        let diagnostics = Diagnostics::new();
        for line in replayer.recorded_stderr() {
            diagnostics.push_stderr_line(&format!("(recorded) {line}"));
        }
        Self {
            replayer,
            diagnostics,
            closed: false,
        }
    }
}

#[async_trait]
impl Transport for ReplayTransport {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        if self.closed {
            return Err(TransportError::Closed);
        }
        self.replayer
            .client_message(&message)
            .map_err(|err| TransportError::Other(err.into_inner()))
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        if self.closed {
            return Ok(None);
        }
        match self.replayer.next_server_message() {
            Some(message) => Ok(Some(message)),
            // Nothing until the client sends more; the session polls again after each send.
            None => std::future::pending().await,
        }
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        if std::mem::replace(&mut self.closed, true) {
            return Ok(());
        }
        self.diagnostics.set_exit_status("replay finished");
        self.replayer
            .finish()
            .map_err(|err| TransportError::Other(Box::new(err)))
    }

    fn diagnostics(&self) -> Diagnostics {
        self.diagnostics.clone()
    }

    fn playback(&mut self) -> Option<&mut dyn Playback> {
        Some(self)
    }
}

impl Playback for ReplayTransport {
    fn ready(&mut self) -> Option<Message> {
        if self.closed {
            return None;
        }
        self.replayer.next_server_message()
    }

    fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]) {
        self.replayer.deliver_only(thread_id, methods);
    }

    fn awaiting_client(&self) -> bool {
        !self.closed && self.replayer.awaiting_client()
    }
}
