//! The cassette file: a header line, then one JSON object per line.
//!
//! ```text
//! {"cassette":"prompt-diary","format":1,"scenario":"tool_use","codex_version":"0.171.0",...}
//! {"kind":"c2s","conv":"backend","turn":null,"msg":{"id":"{{req:1}}","method":"initialize",...}}
//! {"kind":"s2c","conv":"c1","turn":0,"msg":{"method":"item/completed",...}}
//! {"kind":"effects","conv":"c1","turn":0,"effects":[{"op":"write","path":"artifact.md","text":"..."}]}
//! {"kind":"exit","status":"exit status: 0","stderr_tail":[]}
//! ```
//!
//! Keys keep a stable order (entry fields in declaration order, message fields sorted), so a
//! re-recording diffs line by line. See `docs/cassette-format.md`.

use std::path::{Path, PathBuf};

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::cassette::CassetteError;
use crate::cassette::effects::Effect;
pub(crate) use crate::cassette::header::Header;
use crate::cassette::host::HostSplit;
use crate::transport::Message;

pub(crate) use crate::cassette::envelope::{header_json, read, second_header};

/// The conversation label of connection-level lines (handshake, thread-less notifications).
pub(crate) const BACKEND: &str = "backend";

/// One body line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// A message from the client.
    C2s {
        /// Conversation label (`backend`, `c1`, ...).
        conv: String,
        /// Turn index within the conversation, if a turn had started.
        turn: Option<u32>,
        /// The normalised message.
        msg: Value,
    },
    /// A message from the server.
    S2c {
        /// Conversation label.
        conv: String,
        /// Turn index within the conversation.
        turn: Option<u32>,
        /// The normalised message.
        msg: Value,
    },
    /// The files a turn changed, applied before that turn's `turn/completed`.
    Effects {
        /// Conversation label.
        conv: String,
        /// Turn index.
        turn: u32,
        /// The changes, in path order.
        effects: Vec<Effect>,
    },
    /// How the server process ended.
    Exit {
        /// The exit status.
        status: String,
        /// The last stderr lines (normalised and redacted).
        stderr_tail: Vec<String>,
    },
}

impl Entry {
    /// The conversation label, if the entry has one.
    pub fn conv(&self) -> Option<&str> {
        match self {
            Self::C2s { conv, .. } | Self::S2c { conv, .. } | Self::Effects { conv, .. } => {
                Some(conv)
            }
            Self::Exit { .. } => None,
        }
    }
}

/// A parsed cassette, with the line number of every entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Cassette {
    /// Where it was read from (or will be written to).
    pub path: PathBuf,
    /// The header.
    pub header: Header,
    /// The entries with their 1-based line numbers.
    pub entries: Vec<(usize, Entry)>,
}

impl Cassette {
    /// Reads and checks a cassette file. `record_hint` is the command that records it, for the
    /// error when it is missing.
    pub fn load(path: &Path, record_hint: &str) -> Result<Self, CassetteError> {
        Self::parse(path, &read(path, record_hint)?)
    }

    /// Parses cassette text.
    pub fn parse(path: &Path, text: &str) -> Result<Self, CassetteError> {
        let raw = RawCassette::parse(path, text)?;
        let mut entries = Vec::with_capacity(raw.entries.len());
        for (number, entry) in raw.entries {
            entries.push((number, entry_of(path, number, entry)?));
        }
        Ok(Self {
            path: raw.path,
            header: raw.header,
            entries,
        })
    }

    /// Checks cassette text as [`Cassette::parse`] does (the same errors, in the same order) and
    /// hands each entry to `each` in file order instead of keeping it: a reader that goes through
    /// a cassette once holds one line's tree at a time, not the whole file's.
    #[cfg(feature = "rerecord")]
    pub(crate) fn read_each(
        path: &Path,
        text: &str,
        mut each: impl FnMut(usize, Entry),
    ) -> Result<Header, CassetteError> {
        // First every line's syntax, as `RawCassette::parse` checks it, then every message.
        let (header, lines) = raw_lines(path, text)?;
        for line in lines {
            line?;
        }
        let (_, lines) = raw_lines(path, text)?;
        for line in lines {
            let (number, entry) = line?;
            each(number, entry_of(path, number, entry)?);
        }
        Ok(header)
    }

    /// The cassette as text: the header and one line per entry, each ending in a newline.
    pub fn to_text(&self) -> String {
        let mut out = serde_json::to_string(&self.header).unwrap_or_default();
        out.push('\n');
        for (_, entry) in &self.entries {
            out.push_str(&serde_json::to_string(entry).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// The form two recordings are compared in: the recording date blanked, and the server lines
    /// between two client lines sorted. The server races notifications within such a block
    /// (replay sends each block at once anyway), so their order is not part of what a cassette
    /// means. Streamed command output (`item/commandExecution/outputDelta`) is left out too:
    /// whether a short command's output streams before the command ends, and in which chunks, is
    /// timing (in Codex's sandbox it varies from run to run); the whole output is in the item's
    /// `aggregatedOutput`, which counts. What the host contributed (environment notifications
    /// such as a missing bubblewrap's `configWarning`, the `initialize` answer's platform, the
    /// stderr tail) is left out: it is not what the session did (`cassette::host`).
    pub fn comparable_text(&self) -> String {
        let mut header = self.header.clone();
        header.recorded_at.clear();
        let mut out = serde_json::to_string(&header).unwrap_or_default();
        out.push('\n');
        let mut block: Vec<String> = Vec::new();
        let flush = |block: &mut Vec<String>, out: &mut String| {
            block.sort();
            for line in block.drain(..) {
                out.push_str(&line);
                out.push('\n');
            }
        };
        let mut host = HostSplit::default();
        for (_, entry) in &self.entries {
            if let Entry::S2c { msg, .. } = entry {
                if msg.get("method").and_then(Value::as_str)
                    == Some("item/commandExecution/outputDelta")
                {
                    continue;
                }
            }
            let Some(session) = host.entry_session_part(entry) else {
                continue;
            };
            let line = serde_json::to_string(&session).unwrap_or_default();
            if matches!(entry, Entry::C2s { .. }) {
                flush(&mut block, &mut out);
                out.push_str(&line);
                out.push('\n');
            } else {
                block.push(line);
            }
        }
        flush(&mut block, &mut out);
        out
    }
}

/// A cassette whose lines are checked but whose messages are still JSON text: the replayer
/// parses a server message only when it sends it, so a replay builds each message's tree once,
/// right before it is used.
pub(crate) struct RawCassette<'a> {
    pub(crate) path: PathBuf,
    pub(crate) header: Header,
    pub(crate) entries: Vec<(usize, RawEntry<'a>)>,
}

/// One body line of a [`RawCassette`].
pub(crate) enum RawEntry<'a> {
    /// A `c2s` or `s2c` line; `msg` is valid JSON, not yet checked to be a JSON-RPC message.
    Message {
        c2s: bool,
        conv: Cow<'a, str>,
        turn: Option<u32>,
        msg: &'a RawValue,
    },
    /// Any other line, parsed.
    Other(Entry),
}

/// The fields of a message line, borrowed from it.
#[derive(Deserialize)]
struct MessageLine<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    conv: Option<Cow<'a, str>>,
    turn: Option<u32>,
    #[serde(borrow)]
    msg: Option<&'a RawValue>,
}

impl<'a> RawCassette<'a> {
    /// Parses cassette text: the header checked, every line checked to be an entry (and every
    /// effect path to stay in its workspace).
    pub(crate) fn parse(path: &Path, text: &'a str) -> Result<Self, CassetteError> {
        let (header, lines) = raw_lines(path, text)?;
        Ok(Self {
            path: path.to_owned(),
            header,
            entries: lines.collect::<Result<_, _>>()?,
        })
    }
}

/// One body line read by [`raw_lines`]: its number and entry, or why it is not one.
type RawLine<'a> = Result<(usize, RawEntry<'a>), CassetteError>;

/// The header of cassette `text`, then its body lines one at a time, each checked as
/// [`RawCassette::parse`] checks it (blank lines skipped).
fn raw_lines<'a>(
    path: &Path,
    text: &'a str,
) -> Result<(Header, impl Iterator<Item = RawLine<'a>>), CassetteError> {
    let mut lines = text
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line));
    let Some((_, first)) = lines.next() else {
        return Err(CassetteError::Empty {
            path: path.to_owned(),
        });
    };
    let header = parse_header(path, first.trim_end())?;
    let body = lines.filter_map(move |(number, raw)| {
        let line = raw.trim_end();
        (!line.is_empty()).then(|| raw_line(path, number, raw).map(|entry| (number, entry)))
    });
    Ok((header, body))
}

/// Checks one non-blank body line (`raw`, with its newline) and reads it.
fn raw_line<'a>(path: &Path, number: usize, raw: &'a str) -> Result<RawEntry<'a>, CassetteError> {
    let bad = |reason: String| CassetteError::BadLine {
        path: path.to_owned(),
        line: number,
        reason,
    };
    let terminated = raw.ends_with('\n');
    let entry = parse_entry(raw.trim_end()).map_err(|err| {
        let truncated = if terminated {
            ""
        } else {
            "; the last line has no newline, so the file looks truncated"
        };
        bad(second_header(raw.trim_end())
            .unwrap_or_else(|| format!("not a cassette entry ({err}){truncated}")))
    })?;
    if !terminated {
        return Err(bad(
            "the last line has no newline: the file looks truncated".to_owned(),
        ));
    }
    if let RawEntry::Other(Entry::Effects { effects, .. }) = &entry {
        for effect in effects {
            crate::cassette::effects::check_path(effect.path())
                .map_err(|err| bad(err.to_string()))?;
        }
    }
    Ok(entry)
}

/// A raw entry as an [`Entry`], its message (if it is one) parsed and checked.
fn entry_of(path: &Path, number: usize, entry: RawEntry<'_>) -> Result<Entry, CassetteError> {
    Ok(match entry {
        RawEntry::Message {
            c2s,
            conv,
            turn,
            msg,
        } => {
            let msg = message_value(path, number, msg)?;
            let conv = conv.into_owned();
            if c2s {
                Entry::C2s { conv, turn, msg }
            } else {
                Entry::S2c { conv, turn, msg }
            }
        }
        RawEntry::Other(entry) => entry,
    })
}

/// Checks and reads the header line.
fn parse_header(path: &Path, first: &str) -> Result<Header, CassetteError> {
    let (header_value, bad) = header_json(path, first)?;
    if header_value.get("kind").and_then(Value::as_str)
        == Some(crate::cassette::envelope::EXEC_KIND)
    {
        return Err(bad(
            "this is an exec cassette (recorded from `codex exec`): replay it by running the same \
             `codex exec` client through prompt-diary-codex; `prompt-diary inspect`, `view`, \
             `verify`, `review` and `rerecord` read it"
                .to_owned(),
        ));
    }
    serde_json::from_value(header_value)
        .map_err(|err| bad(format!("the header is incomplete ({err})")))
}

/// Parses one body line. Message lines, the bulk of a cassette, are read into borrowed fields
/// with their `msg` kept as text; anything else, including every malformed line, goes through
/// serde's `Entry` for its precise error.
fn parse_entry(line: &str) -> Result<RawEntry<'_>, serde_json::Error> {
    if let Ok(MessageLine {
        kind,
        conv: Some(conv),
        turn,
        msg: Some(msg),
    }) = serde_json::from_str::<MessageLine<'_>>(line)
    {
        if kind == "c2s" || kind == "s2c" {
            return Ok(RawEntry::Message {
                c2s: kind == "c2s",
                conv,
                turn,
                msg,
            });
        }
    }
    serde_json::from_str(line).map(RawEntry::Other)
}

/// A message line's `msg` as JSON, checked to be a JSON-RPC message.
pub(crate) fn message_value(
    path: &Path,
    line: usize,
    msg: &RawValue,
) -> Result<Value, CassetteError> {
    let bad = |reason: String| CassetteError::BadLine {
        path: path.to_owned(),
        line,
        reason,
    };
    let value: Value = serde_json::from_str(msg.get()).map_err(|err| bad(err.to_string()))?;
    Message::classify(&value)
        .map_err(|err| bad(format!("`msg` is not a JSON-RPC message: {err}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.163.0","schema_fingerprint":"unknown","recorded_at":"2026-01-01","redactions":[],"record_command":"just record-fixtures"}"#;
    const LINE: &str = r#"{"kind":"c2s","conv":"backend","turn":null,"msg":{"id":"{{req:1}}","method":"initialize","params":{}}}"#;

    fn parse(text: &str) -> Result<Cassette, CassetteError> {
        Cassette::parse(Path::new("cassettes/s.jsonl"), text)
    }

    #[test]
    fn a_well_formed_cassette_round_trips() {
        let text = format!("{HEADER}\n{LINE}\n");
        let cassette = parse(&text).unwrap();
        assert_eq!(cassette.entries.len(), 1);
        assert_eq!(cassette.entries[0].0, 2);
        assert_eq!(cassette.to_text(), text);
    }

    #[test]
    fn streamed_command_output_is_not_part_of_the_comparison() {
        let delta = r#"{"kind":"s2c","conv":"backend","turn":null,"msg":{"method":"item/commandExecution/outputDelta","params":{"delta":"4 out.md\n"}}}"#;
        let with = parse(&format!("{HEADER}\n{LINE}\n{delta}\n")).unwrap();
        let without = parse(&format!("{HEADER}\n{LINE}\n")).unwrap();
        assert_eq!(with.comparable_text(), without.comparable_text());
    }

    #[test]
    fn each_kind_of_damage_has_its_own_message() {
        let cases = [
            (String::new(), "is empty"),
            (
                format!("{HEADER}\n{}", &LINE[..40]),
                "cassettes/s.jsonl:2: not a cassette entry",
            ),
            (format!("{HEADER}\n{LINE}"), "looks truncated"),
            (
                format!(
                    "{HEADER}\n{{\"kind\":\"c2s\",\"conv\":\"x\",\"turn\":null,\"msg\":[1]}}\n"
                ),
                "`msg` is not a JSON-RPC message",
            ),
            (
                format!("{HEADER}\n{{\"kind\":\"teleport\"}}\n"),
                "unknown variant `teleport`",
            ),
            (
                HEADER.replace("\"format\":1", "\"format\":7") + "\n",
                "format version 7, written by a newer prompt-diary; this one reads version 1: upgrade prompt-diary to read format 7",
            ),
            ("{\"hello\":1}\n".to_owned(), "not a prompt-diary cassette"),
            ("not json\n".to_owned(), "the header is not JSON"),
        ];
        for (text, expected) in cases {
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains(expected), "expected {expected:?} in: {err}");
            let path = Path::new("cassettes/s.jsonl");
            let read = Cassette::read_each(path, &text, |_, _| {}).unwrap_err();
            assert_eq!(read.to_string(), err, "reading line by line says the same");
        }
    }

    #[test]
    fn a_missing_cassette_names_the_record_command() {
        let err = Cassette::load(Path::new("/no/such/cassette.jsonl"), "just record-fixtures")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/no/such/cassette.jsonl")
                && err.contains("Record it first with: just record-fixtures"),
            "{err}"
        );
    }
}
