//! [`Recorder`]: turns the traffic of one backend session into a cassette.
//!
//! Messages are kept in memory in arrival order, attributed to a conversation (an app-server
//! thread) as they pass. Workspace snapshots are taken when a turn starts and when it completes.
//! Nothing touches the disk until [`Recorder::finish`], which normalises each conversation in its
//! own scope, orders conversations by content (so concurrent recordings come out the same), redacts,
//! refuses any line that still looks secret, and writes atomically.

mod assemble;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cassette::app_server::format::Cassette;
use crate::cassette::app_server::record::order::canonical_order;
use crate::cassette::effects::{Effect, Snapshot};
use crate::cassette::redact_stream::Redactor;
use crate::cassette::{
    CassetteError, CassetteSettings, RedactRule, SeenFiles, VolatileRule, WriteOutcome,
    write_recording,
};
use crate::transport::{Message, MessageKind, RequestId};

/// What a recording is for and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOptions {
    /// The cassette file.
    pub path: PathBuf,
    /// The scenario name for the header.
    pub scenario: String,
    /// The command that re-records this cassette (shown in divergence reports).
    pub record_command: String,
    /// Replace an existing cassette that differs, instead of writing `<name>.jsonl.new`.
    pub overwrite: bool,
    /// The protocol schema fingerprint of the Codex binary, if known.
    pub schema_fingerprint: Option<String>,
    /// The `-c` overrides the backend was started with, kept in the header so the cassette can
    /// be re-recorded offline (`{fixtures}` may stand for the fixtures folder).
    pub backend_overrides: Vec<String>,
    /// The project's volatile-value rules: each value they match in client text is recorded as
    /// `{{name:N}}` (see [`CassetteSettings::volatile`](crate::cassette::CassetteSettings::volatile)).
    pub volatile: Vec<VolatileRule>,
    /// The project's own secret patterns, redacted on top of the built-in kinds.
    pub redact: Vec<RedactRule>,
}

impl RecordOptions {
    /// Options for `path`, with the scenario named after the file.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let scenario = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("cassette")
            .to_owned();
        Self {
            record_command: format!(
                "{}=all cargo test (re-records {})",
                crate::cassette::RECORD_MODE_ENV,
                crate::cassette::mode_file_name(&path)
            ),
            path,
            scenario,
            overwrite: false,
            schema_fingerprint: None,
            backend_overrides: Vec::new(),
            volatile: Vec::new(),
            redact: Vec::new(),
        }
    }

    /// These options with the volatile-value and redaction rules of `settings`.
    pub fn with_rules_of(mut self, settings: &CassetteSettings) -> Self {
        self.volatile.clone_from(&settings.volatile);
        self.redact.clone_from(&settings.redact);
        self
    }
}

#[derive(Debug)]
enum Raw {
    Msg {
        c2s: bool,
        conv: usize,
        turn: Option<u32>,
        msg: Value,
    },
    Effects {
        conv: usize,
        turn: u32,
        effects: Vec<Effect>,
    },
}

#[derive(Debug, Default)]
struct Conv {
    cwd: Option<PathBuf>,
    turn: Option<u32>,
    before: Option<Snapshot>,
}

/// Records one backend session. Conversation 0 is the backend-level one.
#[derive(Debug)]
pub struct Recorder {
    options: RecordOptions,
    raw: Vec<Raw>,
    convs: Vec<Conv>,
    threads: HashMap<String, usize>,
    client_requests: HashMap<RequestId, (usize, String)>,
    server_requests: HashMap<RequestId, usize>,
    codex_version: Option<String>,
    codex_home: Option<String>,
    /// The cassette and its `.new` as they were when the recording began.
    seen: SeenFiles,
}

impl Recorder {
    /// A recorder that will write to `options.path`.
    pub fn new(options: RecordOptions) -> Self {
        Self {
            seen: SeenFiles::now(&options.path),
            options,
            raw: Vec::new(),
            convs: vec![Conv::default()],
            threads: HashMap::new(),
            client_requests: HashMap::new(),
            server_requests: HashMap::new(),
            codex_version: None,
            codex_home: None,
        }
    }

    /// The options this recorder writes with.
    pub fn options(&self) -> &RecordOptions {
        &self.options
    }

    fn conv_of_thread(&self, params: &Value) -> Option<usize> {
        crate::cassette::app_server::replay::replayer::thread_of(params)
            .and_then(|t| self.threads.get(t))
            .copied()
    }

    /// The workspace to snapshot before `message` is noted, if any: that of the conversation
    /// whose turn a client's (`c2s`) `turn/start` starts, or a server's `turn/completed` ends.
    /// The recording transport takes the snapshot off the runtime's threads and hands it to
    /// [`client_message_with`](Self::client_message_with) or
    /// [`server_message_with`](Self::server_message_with).
    pub(crate) fn snapshot_due(&self, message: &Message, c2s: bool) -> Option<PathBuf> {
        let method = message.method()?;
        let conv = self.conv_of_thread(message.params())?;
        let state = self.convs.get(conv).filter(|_| conv != 0)?;
        match (c2s, message.kind(), method) {
            (true, MessageKind::Request, "turn/start") => state.cwd.clone(),
            (false, _, "turn/completed") if state.before.is_some() && state.turn.is_some() => {
                state.cwd.clone()
            }
            _ => None,
        }
    }

    /// Notes a message the client sends. Call before forwarding it (a `turn/start` snapshots the
    /// workspace first, on this thread).
    pub fn client_message(&mut self, message: &Message) {
        let before = self
            .snapshot_due(message, true)
            .map(|cwd| snapshot_or_empty(&cwd));
        self.client_message_with(message, before);
    }

    /// [`client_message`](Self::client_message) with the workspace snapshot
    /// [`snapshot_due`](Self::snapshot_due) asked for already taken (`before`).
    pub(crate) fn client_message_with(&mut self, message: &Message, before: Option<Snapshot>) {
        let params = message.params();
        let conv = match message.kind() {
            MessageKind::Request => {
                let method = message.method().unwrap_or_default();
                let conv = if method == "thread/start" {
                    let cwd = params.get("cwd").and_then(Value::as_str).map(PathBuf::from);
                    self.convs.push(Conv {
                        cwd,
                        ..Conv::default()
                    });
                    self.convs.len() - 1
                } else {
                    self.conv_of_thread(params).unwrap_or(0)
                };
                if method == "turn/start" && conv != 0 {
                    let state = &mut self.convs[conv];
                    state.turn = Some(state.turn.map_or(0, |t| t + 1));
                    state.before = before;
                }
                if let Some(id) = message.id() {
                    self.client_requests.insert(id, (conv, method.to_owned()));
                }
                conv
            }
            MessageKind::Response => message
                .id()
                .and_then(|id| self.server_requests.get(&id).copied())
                .unwrap_or(0),
            MessageKind::Notification => self.conv_of_thread(params).unwrap_or(0),
        };
        let turn = self.convs[conv].turn;
        self.raw.push(Raw::Msg {
            c2s: true,
            conv,
            turn,
            msg: Value::Object(message.body().clone()),
        });
    }

    /// Notes a message the server sent. A `turn/completed` captures the turn's workspace effects
    /// (snapshotting the workspace on this thread).
    pub fn server_message(&mut self, message: &Message) {
        let after = self
            .snapshot_due(message, false)
            .map(|cwd| snapshot_or_empty(&cwd));
        self.server_message_with(message, after);
    }

    /// [`server_message`](Self::server_message) with the workspace snapshot
    /// [`snapshot_due`](Self::snapshot_due) asked for already taken (`after`).
    pub(crate) fn server_message_with(&mut self, message: &Message, after: Option<Snapshot>) {
        let params = message.params();
        let conv = match message.kind() {
            MessageKind::Response => {
                let Some((conv, method)) =
                    message.id().and_then(|id| self.client_requests.remove(&id))
                else {
                    self.push_server(0, message);
                    return;
                };
                if let Some(Ok(result)) = message.outcome() {
                    if method == "thread/start" {
                        if let Some(thread) = result.pointer("/thread/id").and_then(Value::as_str) {
                            self.threads.insert(thread.to_owned(), conv);
                        }
                    }
                    if method == "initialize" {
                        let agent = result
                            .get("userAgent")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        self.codex_version = agent
                            .split_whitespace()
                            .next()
                            .and_then(|a| a.split_once('/'))
                            .map(|(_, v)| v.to_owned());
                        self.codex_home = result
                            .get("codexHome")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                    }
                }
                conv
            }
            MessageKind::Request => {
                let conv = self.conv_of_thread(params).unwrap_or(0);
                if let Some(id) = message.id() {
                    self.server_requests.insert(id, conv);
                }
                conv
            }
            MessageKind::Notification => self.conv_of_thread(params).unwrap_or(0),
        };
        if message.method() == Some("turn/completed") && conv != 0 {
            let state = &mut self.convs[conv];
            if let (Some(before), Some(after), Some(turn)) =
                (state.before.take(), after, state.turn)
            {
                let effects = before.diff(&after);
                if !effects.is_empty() {
                    self.raw.push(Raw::Effects {
                        conv,
                        turn,
                        effects,
                    });
                }
            }
        }
        self.push_server(conv, message);
    }

    fn push_server(&mut self, conv: usize, message: &Message) {
        let turn = self.convs[conv].turn;
        self.raw.push(Raw::Msg {
            c2s: false,
            conv,
            turn,
            msg: Value::Object(message.body().clone()),
        });
    }

    /// Builds the cassette (normalised, ordered, redacted) without writing it.
    ///
    /// A pipeline of steps (each a function in `recorder/assemble.rs`): per conversation, its
    /// captured lines, its scope (paths, then ids), its entries and their canonical order; then
    /// the conversations in content order, the threads a server line names outside its own
    /// conversation (`{{conv_thread:N}}`), the exit line, the header and line numbers, and a
    /// last refusal of anything that still looks secret. Redaction sees each conversation whole
    /// (`Redactor`: a secret a stream of deltas splits is found in what the deltas add up to),
    /// and the header is redacted like any other line.
    pub fn build(
        &self,
        exit_status: &str,
        stderr_tail: &[String],
    ) -> Result<Cassette, CassetteError> {
        let home = std::env::var("HOME").ok().filter(|h| h.len() > 1);
        let home = home.as_deref();
        let mut redactor = Redactor::new(home);
        redactor.extra = &self.options.redact;
        let mut sections = Vec::new();
        for conv in 0..self.convs.len() {
            let captured = self.captured(conv);
            let mut scope = self.path_scope(self.convs[conv].cwd.as_deref(), home);
            assemble::learn_ids(&mut scope, &captured);
            let label = assemble::section_label(conv);
            let mut entries = assemble::entries(&captured, &scope, &label, home);
            redactor.entries(&mut entries);
            assemble::volatile_values(&self.options.volatile, &mut entries);
            canonical_order(&mut entries, conv == 0);
            if conv == 0 || !entries.is_empty() {
                sections.push((conv, entries));
            }
        }
        let (mut entries, numbers) = assemble::in_content_order(sections);
        assemble::name_other_threads(&mut entries, &self.threads, &numbers);
        let backend_scope = self.path_scope(None, home);
        let mut exit = [assemble::exit(
            exit_status,
            stderr_tail,
            &backend_scope,
            home,
        )];
        redactor.entries(&mut exit);
        entries.extend(exit);
        redactor.strip_entries(&mut entries);
        let header = redactor.header(&self.header());
        let cassette = assemble::numbered(self.options.path.clone(), header, entries);
        assemble::refuse_secrets(&cassette, &self.options.redact)?;
        Ok(cassette)
    }

    /// Builds the cassette and writes it (atomically; a differing re-recording goes to `.new`
    /// unless `overwrite` is set). Another writer's recording of the same cassette, written
    /// while this one ran, is joined: this recording's conversations are appended to it.
    pub fn finish(
        &self,
        exit_status: &str,
        stderr_tail: &[String],
    ) -> Result<WriteOutcome, CassetteError> {
        let cassette = self.build(exit_status, stderr_tail)?;
        write_recording(&cassette, self.options.overwrite, &self.seen)
    }
}

/// The files under `cwd` now (a directory walk and a hash of each file: blocking work), or none
/// when it cannot be read.
pub(crate) fn snapshot_or_empty(cwd: &Path) -> Snapshot {
    Snapshot::take(cwd).unwrap_or_else(|err| {
        tracing::warn!("could not snapshot {}: {err}", cwd.display());
        Snapshot::default()
    })
}
