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
//! - [`Header`]: the envelope header of either kind (the shared fields once, the kind with its
//!   own fields). [`Cassette`], [`Entry`]: the app-server file (a header, then one JSON object
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
pub(crate) mod header;
pub(crate) mod host;
#[cfg(feature = "rerecord")]
pub(crate) mod kind;
mod lock;
mod mode;
pub(crate) mod normalize;
#[cfg(feature = "rerecord")]
mod pending;
pub(crate) mod redact_stream;
mod terminal;
#[cfg(feature = "cli")]
mod verify;
mod write;

pub(crate) use app_server::episodes::{EpisodesTransport, StartLive};
#[cfg(feature = "rerecord")]
pub(crate) use app_server::format::BACKEND;
pub use app_server::format::{Cassette, Entry};
#[cfg(feature = "rerecord")]
pub(crate) use app_server::read::meaning::MeaningDiff;
pub use app_server::read::timeline::{
    ConversationView, ExitView, Timeline, TimelineEvent, TurnView,
};
pub use app_server::record::recorder::{RecordOptions, Recorder};
pub(crate) use app_server::record::recording::{RecordingOutcome, RecordingTransport};
pub use app_server::replay::replayer::{ReplayError, Replayer};
pub use app_server::replay::transport::ReplayTransport;
pub use divergence::{Divergence, DivergenceLocation, Leftover, UnusedInteractions};
pub(crate) use effects::Snapshot;
pub use effects::{Effect, EffectError};
#[cfg(feature = "test-util")]
pub(crate) use envelope::date_in_days;
#[cfg(feature = "rerecord")]
pub(crate) use envelope::read;
pub use error::CassetteError;
pub(crate) use exec::call::ExecArg;
#[cfg(feature = "rerecord")]
pub(crate) use exec::call::{LAST_MESSAGE, OUTPUT_SCHEMA, TEMP_PATH};
#[cfg(any(feature = "rerecord", test))]
pub(crate) use exec::format::StdoutLine;
pub(crate) use exec::format::{ExecCassette, ExecInvocation};
pub(crate) use exec::play::{Stage as ExecStage, play as play_exec_run};
pub(crate) use exec::recorder::{
    ExecCapture, record_run as record_exec_run, recording_knows_thread,
};
pub(crate) use exec::replayer::{ExecReplay, ExecRequest, bindings as exec_bindings};
#[cfg(feature = "rerecord")]
pub(crate) use exec::story::ExecStory;
pub use header::Header;
#[cfg(feature = "rerecord")]
pub(crate) use kind::AnyCassette;
#[cfg(feature = "cli")]
pub(crate) use kind::ForPage;
pub(crate) use lock::{CassetteLock, LOCK_WAIT};
#[cfg(feature = "rerecord")]
pub(crate) use mode::refuse_recording_in_ci;
pub use mode::{CassetteSettings, RecordMode, RecordModeError};
pub(crate) use mode::{
    FlagMode, ModeFrom, RECORD_MODE_ENV, Resolved, choose_mode, file_name as mode_file_name,
};
#[cfg(any(feature = "cli", test))]
pub(crate) use mode::{ModeSource, in_ci};
pub(crate) use normalize::Bindings;
pub(crate) use normalize::placeholder::Fresh;
pub(crate) use normalize::placeholder::unescape_literals;
#[cfg(feature = "rerecord")]
pub(crate) use normalize::placeholder::{CODEX_HOME, WORKSPACE, unescape_json};
pub(crate) use normalize::rules::RuleField;
pub use normalize::rules::{RedactRule, RuleError, VolatileRule};
#[cfg(feature = "cli")]
pub(crate) use pending::PendingRecording;
#[cfg(feature = "rerecord")]
pub(crate) use pending::{files_under, list_pending};
pub(crate) use terminal::escape_controls;
#[cfg(feature = "cli")]
pub(crate) use verify::{Expectations, verify_dir};
#[cfg(feature = "rerecord")]
pub(crate) use write::pending_path;
pub(crate) use write::{SeenFiles, write_atomic, write_recording};
pub use write::{WriteOutcome, write_cassette};
