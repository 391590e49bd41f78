//! Cassettes: one recorded backend session, replayable offline.
//!
//! - [`format`](mod@format): the file (header + one JSON object per line) and its parser.
//! - [`normalize`]: volatile values ↔ placeholders.
//! - [`redact`]: secrets and the home directory never reach a cassette.
//! - [`effects`]: the files each turn wrote, captured and re-applied.
//! - [`Recorder`]: traffic → cassette. [`Replayer`]: cassette → server behaviour.
//! - [`Divergence`]: the report when the client does something the cassette does not contain.
//! - [`timeline`]: a cassette read as a story (`prompt-diary inspect`).
//! - [`verify`]: checks over a folder of cassettes (`prompt-diary verify`).
//! - [`write_cassette`]: atomic writes; a re-recording that differs waits beside the cassette.
//! - [`pending`]: `.new` re-recordings waiting for review (`prompt-diary review` / `accept`).
//! - [`CassetteError`]: a cassette could not be read, written or used.
//!
//! - [`RecordingTransport`]: a decorator recording any [`Transport`](crate::transport::Transport).
//! - [`ReplayTransport`]: a transport whose server is a cassette.
//!
//! This module knows the transport trait and the wire message, never Codex processes: which
//! transport a session gets is decided by [`crate::connect`].

mod bindings;
mod divergence;
pub mod effects;
mod error;
mod fnv;
pub mod format;
mod history;
pub mod mode;
pub mod normalize;
mod order;
pub mod pending;
mod placeholder;
mod recorder;
mod recording;
pub mod redact;
mod replay;
mod replay_conv;
mod replayer;
mod request_ids;
mod shape;
pub mod timeline;
mod timeline_text;
pub mod verify;
mod write;

pub use divergence::{Divergence, Leftover, UnusedInteractions};
pub use error::CassetteError;
pub use format::{Cassette, Entry, FORMAT_VERSION, Header};
pub use mode::{
    CASSETTE_MODE_ENV, CassetteMode, CassetteSettings, Resolved, refuse_recording_in_ci,
};
pub use pending::{PendingRecording, list_pending};
pub use recorder::{RecordOptions, Recorder};
pub use recording::{RecordingOutcome, RecordingTransport};
pub use replay::ReplayTransport;
pub use replayer::{ReplayError, Replayer};
pub use timeline::Timeline;
pub use verify::{Expectations, VerifyReport, verify_dir};
pub use write::{WriteOutcome, pending_path, write_atomic, write_cassette};
