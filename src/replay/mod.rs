//! Replaying a cassette recorded through the Codex adapter with no scenario file, and the client
//! scripts that drive the adapter (used by `prompt-diary replay`, by re-recording and by the
//! fixtures).
//!
//! - [`driver`]: client scripts (runners and turns) played through the adapter, live or on a
//!   replay transport.
//! - `script.rs`: the client's actions (one runner per conversation, its `thread/start` settings,
//!   each turn's prompt and output schema, how approvals were answered, which turns ran out of
//!   time) read back from a cassette's recorded client→server messages ([`client_script_of`]).
//! - `session.rs`: [`replay_cassette`], that script played through
//!   [`CodexBackend`](crate::codex::CodexBackend) on a
//!   [`ReplayTransport`](crate::cassette::ReplayTransport), checked against the recording.

pub mod driver;
mod script;
mod session;

pub(crate) use script::REPLAY_TURN_TIMEOUT_SECS;
pub use script::{INTERRUPTED_TURN_TIMEOUT_SECS, client_script_of};
pub use session::{CassetteReplayError, ReplayOptions, ReplayedSession, replay_cassette};
