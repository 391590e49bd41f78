//! Cassettes: one recorded backend session, replayable offline.
//!
//! Everything public is here at the module's root, one path each:
//! - [`Cassette`], [`Header`], [`Entry`]: the file (a header, then one JSON object per line) and
//!   its parser; volatile values are normalised into placeholders, secrets redacted.
//! - [`CassetteSettings`], [`CassetteMode`]: which cassette, and replay, record or auto.
//! - [`Recorder`]: traffic → cassette. [`Replayer`]: cassette → server behaviour.
//! - [`Effect`]: a file a turn wrote, captured and re-applied on replay.
//! - [`Divergence`], [`UnusedInteractions`], [`ReplayError`], [`CassetteError`], [`EffectError`]:
//!   what can go wrong, typed, each saying what to do.
//! - [`Timeline`]: a cassette read as a story (`prompt-diary inspect`).
//! - [`Meaning`]: a re-recording compared with its cassette by meaning (`prompt-diary review`):
//!   what the agent did first, then protocol fields gained or lost, each said once.
//! - [`write_cassette`]: atomic writes; a re-recording that differs waits beside the cassette as
//!   `<name>.jsonl.new` (`prompt-diary review` / `accept`; `prompt-diary verify` checks a
//!   folder).
//!
//! - `RecordingTransport` (crate-private): a decorator recording any transport; a recording
//!   backend is started with `CodexBackend::start_recording` or a cassette in `record` mode.
//!
//! - [`ReplayTransport`]: a transport whose server is a cassette.
//!
//! - Exec cassettes (crate-private): the `codex exec` runs of one thread, recorded and replayed
//!   by the stand-in (`exec_format`, `exec_call`, `exec_recorder`, `exec_replayer`), read by
//!   `inspect`, `verify` and `review` (`exec_story`).
//!
//! This module knows the transport trait and the wire message, never Codex processes: which
//! transport a session gets is decided by the crate's opener (`connect`).

mod bindings;
mod divergence;
mod effects;
mod error;
mod exec_call;
mod exec_format;
mod exec_recorder;
mod exec_replayer;
mod exec_story;
mod fnv;
mod format;
mod history;
mod meaning;
mod mode;
mod normalize;
mod order;
mod pending;
mod placeholder;
mod recorder;
mod recording;
mod redact;
mod redact_stream;
mod replay;
mod replay_conv;
mod replayer;
mod request_ids;
mod secret_kinds;
mod secret_scan;
mod shape;
mod timeline;
mod timeline_text;
mod verify;
mod write;

pub(crate) use bindings::Bindings;
pub use divergence::{Divergence, Leftover, UnusedInteractions};
pub use effects::{Effect, EffectError};
pub(crate) use effects::{Snapshot, apply as apply_effects};
pub use error::CassetteError;
pub(crate) use exec_call::ExecArg;
pub(crate) use exec_format::{ExecCassette, StdoutLine};
pub(crate) use exec_recorder::{
    ExecCapture, record_run as record_exec_run, recording_knows_thread,
};
pub(crate) use exec_replayer::{
    ExecReplay, ExecRequest, bindings as exec_bindings, fill_line as fill_exec_line,
    fresh_value as exec_fresh_value,
};
pub(crate) use exec_story::{ExecStory, is_exec_cassette};
pub(crate) use format::BACKEND;
pub use format::{Cassette, Entry, Header};
pub use meaning::{Meaning, ShapeChange};
pub(crate) use mode::CASSETTE_MODE_ENV;
pub(crate) use mode::Resolved;
pub(crate) use mode::refuse_recording_in_ci;
pub use mode::{CassetteMode, CassetteSettings};
pub(crate) use pending::{PendingRecording, list_pending};
pub(crate) use placeholder::WORKSPACE;
pub use recorder::{RecordOptions, Recorder};
pub(crate) use recording::{RecordingOutcome, RecordingTransport};
pub use replay::ReplayTransport;
pub use replayer::{ReplayError, Replayer};
pub use timeline::{ConversationView, ExitView, Timeline, TimelineEvent, TurnView};
pub(crate) use verify::{Expectations, verify_dir};
pub use write::{WriteOutcome, write_cassette};
pub(crate) use write::{pending_path, write_atomic};
