//! Recording an app-server session: the [`recorder::Recorder`] that turns captured traffic into
//! cassette lines, the canonical order of a conversation's racing messages, and the
//! [`recording::RecordingTransport`] that passes traffic through and writes the cassette.

pub(crate) mod order;
pub(crate) mod recorder;
pub(crate) mod recording;
