//! The envelope header every cassette opens with, whatever its kind: the fields both kinds have
//! once, and the kind ([`Kind`]) with the fields only it has.
//!
//! ```text
//! {"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.171.0","schema_fingerprint":"sha256:...",...}
//! {"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"0.171.0",...}
//! ```
//!
//! The line is written field by field in the order cassettes have always had (the kind's own
//! fields among the shared ones), so a header reads and writes back byte for byte.

use serde::de::Error as _;
use serde::ser::SerializeMap as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::cassette::envelope::{EXEC_KIND, FORMAT_VERSION, MAGIC};
use crate::cassette::normalize::rules::VolatileRule;

/// The first line of a cassette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Always `"prompt-diary"`.
    pub cassette: String,
    /// The format version (1 for this prompt-diary).
    pub format: u32,
    /// Which kind of cassette this is, with the fields only that kind has.
    pub(crate) kind: Kind,
    /// The scenario's name.
    pub scenario: String,
    /// The Codex version that recorded (the `initialize` reply's, or `codex --version`).
    pub codex_version: String,
    /// The recording date (`YYYY-MM-DD`); ignored when comparing re-recordings.
    pub recorded_at: String,
    /// The redaction rules that were applied.
    pub redactions: Vec<String>,
    /// The command that re-records this cassette.
    pub record_command: String,
    /// The project's volatile-value rules the recording applied (`{"name", "pattern"}` each, in
    /// order): client text they matched is recorded as `{{name}}`, and replay matches it by the
    /// pattern recorded here. Left out when none (older cassettes have none).
    pub volatile: Vec<VolatileRule>,
}

/// Which kind of cassette a header opens, with that kind's own header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `codex app-server` session (its header has no `kind`).
    AppServer {
        /// A fingerprint of the protocol schema of that Codex version (`sha256:...`), or
        /// `unknown`.
        schema_fingerprint: String,
        /// The `-c` overrides the app-server was started with (MCP servers), as the client gave
        /// them (`{fixtures}` standing for the project's `fixtures/` folder); left out when none.
        backend_overrides: Vec<String>,
    },
    /// The `codex exec` runs of one thread (`"kind": "exec"`).
    Exec,
}

impl Header {
    /// A header for a new recording of `kind` made today (`recorded_at`), with no redaction
    /// rules, record command or volatile rules yet.
    pub(crate) fn new(
        kind: Kind,
        scenario: &str,
        codex_version: &str,
        recorded_at: String,
    ) -> Self {
        Self {
            cassette: MAGIC.to_owned(),
            format: FORMAT_VERSION,
            kind,
            scenario: scenario.to_owned(),
            codex_version: codex_version.to_owned(),
            recorded_at,
            redactions: Vec::new(),
            record_command: String::new(),
            volatile: Vec::new(),
        }
    }

    /// The protocol schema fingerprint an app-server cassette was recorded against (`None` for
    /// an exec cassette, which has none).
    pub fn schema_fingerprint(&self) -> Option<&str> {
        match &self.kind {
            Kind::AppServer {
                schema_fingerprint, ..
            } => Some(schema_fingerprint),
            Kind::Exec => None,
        }
    }

    /// The `-c` overrides an app-server cassette's backend was started with (none for an exec
    /// cassette).
    pub fn backend_overrides(&self) -> &[String] {
        match &self.kind {
            Kind::AppServer {
                backend_overrides, ..
            } => backend_overrides,
            Kind::Exec => &[],
        }
    }

    /// The backend overrides to change; `None` for an exec cassette, which has none.
    #[cfg(feature = "rerecord")]
    pub(crate) fn backend_overrides_mut(&mut self) -> Option<&mut Vec<String>> {
        match &mut self.kind {
            Kind::AppServer {
                backend_overrides, ..
            } => Some(backend_overrides),
            Kind::Exec => None,
        }
    }
}

impl Serialize for Header {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("cassette", &self.cassette)?;
        map.serialize_entry("format", &self.format)?;
        if let Kind::Exec = self.kind {
            map.serialize_entry("kind", EXEC_KIND)?;
        }
        map.serialize_entry("scenario", &self.scenario)?;
        map.serialize_entry("codex_version", &self.codex_version)?;
        if let Some(fingerprint) = self.schema_fingerprint() {
            map.serialize_entry("schema_fingerprint", fingerprint)?;
        }
        map.serialize_entry("recorded_at", &self.recorded_at)?;
        map.serialize_entry("redactions", &self.redactions)?;
        map.serialize_entry("record_command", &self.record_command)?;
        if !self.backend_overrides().is_empty() {
            map.serialize_entry("backend_overrides", self.backend_overrides())?;
        }
        if !self.volatile.is_empty() {
            map.serialize_entry("volatile", &self.volatile)?;
        }
        map.end()
    }
}

/// A header line's fields as read, each checked in [`Header`]'s `Deserialize`.
#[derive(Deserialize)]
struct HeaderLine {
    cassette: Option<String>,
    format: Option<u32>,
    kind: Option<String>,
    scenario: Option<String>,
    codex_version: Option<String>,
    schema_fingerprint: Option<String>,
    recorded_at: Option<String>,
    redactions: Option<Vec<String>>,
    record_command: Option<String>,
    #[serde(default)]
    backend_overrides: Vec<String>,
    #[serde(default)]
    volatile: Vec<VolatileRule>,
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let line = HeaderLine::deserialize(deserializer)?;
        let exec = line.kind.as_deref() == Some(EXEC_KIND);
        // A missing field is named in the order the line has its fields.
        let cassette = line
            .cassette
            .ok_or_else(|| D::Error::missing_field("cassette"))?;
        let format = line
            .format
            .ok_or_else(|| D::Error::missing_field("format"))?;
        let scenario = line
            .scenario
            .ok_or_else(|| D::Error::missing_field("scenario"))?;
        let codex_version = line
            .codex_version
            .ok_or_else(|| D::Error::missing_field("codex_version"))?;
        let kind = if exec {
            Kind::Exec
        } else {
            Kind::AppServer {
                schema_fingerprint: line
                    .schema_fingerprint
                    .ok_or_else(|| D::Error::missing_field("schema_fingerprint"))?,
                backend_overrides: line.backend_overrides,
            }
        };
        Ok(Self {
            cassette,
            format,
            kind,
            scenario,
            codex_version,
            recorded_at: line
                .recorded_at
                .ok_or_else(|| D::Error::missing_field("recorded_at"))?,
            redactions: line
                .redactions
                .ok_or_else(|| D::Error::missing_field("redactions"))?,
            record_command: line
                .record_command
                .ok_or_else(|| D::Error::missing_field("record_command"))?,
            volatile: line.volatile,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// Every `.jsonl` file under `dir`, recursively (build output left out).
    fn jsonl_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() && !matches!(name, "target" | "node_modules" | ".git") {
                jsonl_files(&path, out);
            } else if name.ends_with(".jsonl") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_committed_cassettes_header_writes_back_byte_for_byte() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["cassettes", "examples", "fixtures", "tests"] {
            jsonl_files(&root.join(dir), &mut files);
        }
        let (mut app_server, mut exec) = (0, 0);
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let first = text.lines().next().unwrap_or("");
            let is_cassette = serde_json::from_str::<serde_json::Value>(first)
                .is_ok_and(|v| v.get("cassette").and_then(|c| c.as_str()) == Some(MAGIC));
            if !is_cassette {
                continue;
            }
            let Ok(header) = serde_json::from_str::<Header>(first) else {
                continue; // a fixture of a damaged header
            };
            assert_eq!(
                serde_json::to_string(&header).unwrap(),
                first,
                "{}",
                file.display()
            );
            if header.kind == Kind::Exec {
                exec += 1;
            } else {
                app_server += 1;
            }
        }
        assert!(
            app_server >= 15 && exec >= 3,
            "expected the committed cassettes of both kinds: {app_server} app-server, {exec} exec"
        );
    }

    #[test]
    fn a_missing_field_is_named_in_the_lines_order() {
        let app = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"1"}"#;
        let err = serde_json::from_str::<Header>(app).unwrap_err().to_string();
        assert!(err.contains("missing field `schema_fingerprint`"), "{err}");
        let exec = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"1"}"#;
        let err = serde_json::from_str::<Header>(exec)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing field `recorded_at`"), "{err}");
    }
}
