//! [`Recorder`]: turns the traffic of one backend session into a cassette.
//!
//! Messages are kept in memory in arrival order, attributed to a conversation (an app-server
//! thread) as they pass. Workspace snapshots are taken when a turn starts and when it completes.
//! Nothing touches the disk until [`Recorder::finish`], which normalises each conversation in its
//! own scope, orders conversations by content (so concurrent recordings come out the same), redacts,
//! refuses any line that still looks secret, and writes atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::effects::{Effect, Snapshot};
use super::format::{BACKEND, Cassette, Entry, FORMAT_VERSION, Header, MAGIC};
use super::normalize::{CODEX_HOME, HOME, Scope, WORKSPACE};
use super::order::canonical_order;
use super::redact::{self, RULES};
use super::request_ids::RequestIds;
use super::{CassetteError, WriteOutcome, write_cassette};
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
                "PROMPT_DIARY_CASSETTE_MODE=record cargo test (re-records {})",
                path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
            path,
            scenario,
            overwrite: false,
            schema_fingerprint: None,
        }
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
}

impl Recorder {
    /// A recorder that will write to `options.path`.
    pub fn new(options: RecordOptions) -> Self {
        Self {
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
        super::replayer::thread_of(params)
            .and_then(|t| self.threads.get(t))
            .copied()
    }

    /// Notes a message the client sends. Call before forwarding it (a `turn/start` snapshots the
    /// workspace first).
    pub fn client_message(&mut self, message: &Message) {
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
                    state.before = state.cwd.as_deref().map(snapshot_or_empty);
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

    /// Notes a message the server sent. A `turn/completed` captures the turn's workspace effects.
    pub fn server_message(&mut self, message: &Message) {
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
            if let (Some(before), Some(cwd), Some(turn)) =
                (state.before.take(), state.cwd.clone(), state.turn)
            {
                let effects = before.diff(&snapshot_or_empty(&cwd));
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
    pub fn build(
        &self,
        exit_status: &str,
        stderr_tail: &[String],
    ) -> Result<Cassette, CassetteError> {
        let home = std::env::var("HOME").ok().filter(|h| h.len() > 1);
        let mut sections: Vec<(String, Vec<Entry>)> = Vec::new();
        for conv in 0..self.convs.len() {
            let mut scope = Scope::new();
            if let Some(cwd) = &self.convs[conv].cwd {
                scope.bind_path(&cwd.display().to_string(), WORKSPACE);
            }
            if let Some(codex_home) = &self.codex_home {
                scope.bind_path(codex_home, CODEX_HOME);
            }
            if let Some(home) = &home {
                scope.bind_path(home, HOME);
            }
            let raws: Vec<&Raw> = self
                .raw
                .iter()
                .filter(|r| self.final_conv(r) == conv)
                .collect();
            for raw in &raws {
                if let Raw::Msg { msg, .. } = raw {
                    scope.learn(msg);
                }
            }
            let mut ids = RequestIds::default();
            let label = if conv == 0 {
                BACKEND.to_owned()
            } else {
                format!("#{conv}")
            };
            let mut entries = Vec::new();
            for raw in raws {
                entries.push(match raw {
                    Raw::Msg { c2s, turn, msg, .. } => {
                        let mut msg = msg.clone();
                        // Normalised first: the id placeholders are ours, not text to escape.
                        scope.normalize(&mut msg);
                        ids.rewrite(*c2s, &mut msg);
                        redact::redact_json(&mut msg, home.as_deref());
                        if *c2s {
                            Entry::C2s {
                                conv: label.clone(),
                                turn: *turn,
                                msg,
                            }
                        } else {
                            Entry::S2c {
                                conv: label.clone(),
                                turn: *turn,
                                msg,
                            }
                        }
                    }
                    Raw::Effects { turn, effects, .. } => {
                        let effects = effects
                            .iter()
                            .map(|effect| match effect {
                                Effect::Write { path, text } => Effect::Write {
                                    path: path.clone(),
                                    text: redact::redact(&scope.substitute(text), home.as_deref())
                                        .into_owned(),
                                },
                                other => other.clone(),
                            })
                            .collect();
                        Entry::Effects {
                            conv: label.clone(),
                            turn: *turn,
                            effects,
                        }
                    }
                });
            }
            canonical_order(&mut entries, conv == 0);
            if conv == 0 || !entries.is_empty() {
                sections.push((label, entries));
            }
        }
        // Conversations in content order, so scheduling does not change the file.
        let backend = sections.remove(0);
        sections.sort_by_cached_key(|(_, entries)| {
            entries
                .iter()
                .filter_map(|e| match e {
                    Entry::C2s { msg, .. } => Some(msg.to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        });
        let mut entries = Vec::new();
        for (index, (_, section)) in std::iter::once(backend).chain(sections).enumerate() {
            let label = if index == 0 {
                BACKEND.to_owned()
            } else {
                format!("c{index}")
            };
            for mut entry in section {
                set_conv(&mut entry, &label);
                entries.push(entry);
            }
        }
        let mut backend_scope = Scope::new();
        if let Some(codex_home) = &self.codex_home {
            backend_scope.bind_path(codex_home, CODEX_HOME);
        }
        if let Some(home) = &home {
            backend_scope.bind_path(home, HOME);
        }
        let tail = stderr_tail
            .iter()
            .map(|line| {
                let line = strip_timestamp(line);
                redact::redact(&backend_scope.substitute(line), home.as_deref()).into_owned()
            })
            .collect();
        entries.push(Entry::Exit {
            status: exit_status.to_owned(),
            stderr_tail: tail,
        });
        let header = Header {
            cassette: MAGIC.to_owned(),
            format: FORMAT_VERSION,
            scenario: self.options.scenario.clone(),
            codex_version: self
                .codex_version
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
            schema_fingerprint: self
                .options
                .schema_fingerprint
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
            recorded_at: today(),
            redactions: RULES.iter().map(|r| (*r).to_owned()).collect(),
            record_command: self.options.record_command.clone(),
        };
        let cassette = Cassette {
            path: self.options.path.clone(),
            header,
            entries: entries
                .into_iter()
                .enumerate()
                .map(|(i, e)| (i + 2, e))
                .collect(),
        };
        for (line, text) in cassette.to_text().lines().enumerate() {
            if let Some(what) = redact::looks_secret(text) {
                return Err(CassetteError::SecretDetected {
                    path: self.options.path.clone(),
                    line: line + 1,
                    what,
                });
            }
        }
        Ok(cassette)
    }

    /// Builds the cassette and writes it (atomically; a differing re-recording goes to `.new`
    /// unless `overwrite` is set).
    pub fn finish(
        &self,
        exit_status: &str,
        stderr_tail: &[String],
    ) -> Result<WriteOutcome, CassetteError> {
        let cassette = self.build(exit_status, stderr_tail)?;
        write_cassette(&cassette, self.options.overwrite)
    }
}

impl Recorder {
    /// The conversation of a raw entry, looking again at thread-scoped messages that arrived
    /// before their thread's `thread/start` response named the thread.
    fn final_conv(&self, raw: &Raw) -> usize {
        match raw {
            Raw::Msg { conv: 0, msg, .. } => msg
                .get("params")
                .and_then(super::replayer::thread_of)
                .and_then(|t| self.threads.get(t))
                .copied()
                .unwrap_or(0),
            Raw::Msg { conv, .. } | Raw::Effects { conv, .. } => *conv,
        }
    }
}

fn set_conv(entry: &mut Entry, label: &str) {
    match entry {
        Entry::C2s { conv, .. } | Entry::S2c { conv, .. } | Entry::Effects { conv, .. } => {
            *conv = label.to_owned()
        }
        Entry::Exit { .. } => {}
    }
}

fn snapshot_or_empty(cwd: &Path) -> Snapshot {
    Snapshot::take(cwd).unwrap_or_else(|err| {
        tracing::warn!("could not snapshot {}: {err}", cwd.display());
        Snapshot::default()
    })
}

/// Today's date, `YYYY-MM-DD` (UTC).
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Removes a leading RFC 3339 timestamp (as Codex's log lines have) from a stderr line.
fn strip_timestamp(line: &str) -> &str {
    let bytes = line.as_bytes();
    let looks_dated = bytes.len() > 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T';
    if !looks_dated {
        return line;
    }
    match line.find(' ') {
        Some(end) => line[end..].trim_start(),
        None => line,
    }
}
