//! Cassettes: one recorded backend session, replayable offline.
//!
//! The rooms: what every cassette shares at this level (the envelope: magic, format version,
//! header, and `kind`: which kind a file holds, decided in one place; workspace
//! effects; modes; writing; pending re-recordings; `verify`), `normalize` (placeholders for
//! volatile values and their binding on replay, redaction), then one room per kind:
//! `app_server` (a `codex app-server` session: recorder, recording transport, replayer, replay
//! transport, timeline, change by meaning) and `exec` (the `codex exec` runs of one thread,
//! recorded and replayed by the stand-in).
//!
//! Everything public is here at the module's root, one path each:
//! - [`Cassette`], [`Header`], [`Entry`]: the app-server file (a header, then one JSON object
//!   per line) and its parser; volatile values are normalised into placeholders, secrets
//!   redacted.
//! - [`CassetteSettings`], [`RecordMode`]: which cassette, and the record mode (`none`, `once`,
//!   `new_episodes`, `all`).
//! - [`Recorder`]: traffic → cassette. [`Replayer`]: cassette → server behaviour.
//!   [`ReplayTransport`]: a transport whose server is a cassette. `RecordingTransport`
//!   (crate-private) decorates any transport; a recording backend is started with
//!   `CodexBackend::start_recording` or a cassette in a recording mode.
//! - [`Effect`]: a file a turn wrote, captured and re-applied on replay.
//! - [`Divergence`], [`UnusedInteractions`], [`ReplayError`], [`CassetteError`], [`EffectError`]:
//!   what can go wrong, typed, each saying what to do.
//! - [`Timeline`]: a cassette read as a story (`prompt-diary inspect`).
//! - `escape_controls` (crate-private): a cassette's text made safe for a terminal (control
//!   characters shown as `\u{1b}`), used by every report and by the command line's printers.
//! - [`write_cassette`]: atomic writes; a re-recording that differs waits beside the cassette as
//!   `<name>.jsonl.new` (`prompt-diary review` reads it by meaning, `accept` takes it;
//!   `prompt-diary verify` checks a folder).
//!
//! This module knows the transport trait and the wire message, never Codex processes: which
//! transport a session gets is decided by the crate's opener (`connect`).

pub(crate) mod app_server;
mod divergence;
mod effects;
mod envelope;
mod error;
pub(crate) mod exec;
pub(crate) mod host;
pub(crate) mod kind;
mod lock;
mod mode;
pub(crate) mod normalize;
mod pending;
pub(crate) mod redact_stream;
mod terminal;
mod verify;
mod write;

pub(crate) use app_server::episodes::{EpisodesTransport, StartLive};
pub(crate) use app_server::format::BACKEND;
pub use app_server::format::{Cassette, Entry, Header};
pub(crate) use app_server::read::meaning::MeaningDiff;
pub use app_server::read::timeline::{
    ConversationView, ExitView, Timeline, TimelineEvent, TurnView,
};
pub use app_server::record::recorder::{RecordOptions, Recorder};
pub(crate) use app_server::record::recording::{RecordingOutcome, RecordingTransport};
pub use app_server::replay::replayer::{ReplayError, Replayer};
pub use app_server::replay::transport::ReplayTransport;
pub use divergence::{Divergence, Leftover, UnusedInteractions};
pub use effects::{Effect, EffectError};
pub(crate) use effects::{Snapshot, apply as apply_effects};
pub(crate) use envelope::date_in_days;
pub(crate) use envelope::read;
pub use error::CassetteError;
pub(crate) use exec::call::ExecArg;
pub(crate) use exec::call::{LAST_MESSAGE, OUTPUT_SCHEMA, TEMP_PATH};
pub(crate) use exec::format::{ExecCassette, ExecInvocation, StdoutLine};
pub(crate) use exec::recorder::{
    ExecCapture, record_run as record_exec_run, recording_knows_thread,
};
pub(crate) use exec::replayer::{
    ExecReplay, ExecRequest, bindings as exec_bindings, fill_line as fill_exec_line,
    fresh_value as exec_fresh_value,
};
pub(crate) use exec::story::ExecStory;
pub(crate) use kind::{AnyCassette, ForPage};
pub(crate) use lock::{CassetteLock, LOCK_WAIT};
pub use mode::{CassetteSettings, RecordMode};
pub(crate) use mode::{
    FlagMode, RECORD_MODE_ENV, Resolved, choose_mode, file_name as mode_file_name,
    refuse_recording_in_ci,
};
pub(crate) use normalize::Bindings;
pub(crate) use normalize::placeholder::{CODEX_HOME, WORKSPACE, unescape_json, unescape_literals};
pub use normalize::rules::{RedactRule, RuleError, VolatileRule};
pub(crate) use pending::{PendingRecording, files_under, list_pending};
pub(crate) use terminal::escape_controls;
pub(crate) use verify::{Expectations, verify_dir};
pub(crate) use write::{SeenFiles, pending_path, write_atomic, write_recording};
pub use write::{WriteOutcome, write_cassette};
