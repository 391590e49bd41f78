//! The one place that decides which kind of cassette a file holds: [`AnyCassette`] reads the
//! file once, looks at its header (`"kind": "exec"`, or none for an app-server cassette) and
//! parses it as that kind. Every reader of "any cassette" (`verify`, pending re-recordings,
//! `rerecord`, `inspect`, `view`, `review`) asks it, and branches on the variant it returns.

use std::path::Path;

use crate::cassette::envelope::EXEC_KIND;
use crate::cassette::envelope::read;
use crate::cassette::exec::story::review_exec;
use crate::cassette::{Cassette, CassetteError, ExecCassette, MeaningDiff};

/// A cassette of either kind, parsed once.
#[derive(Debug)]
pub(crate) enum AnyCassette {
    /// A `codex app-server` session (JSON-RPC both ways).
    AppServer(Cassette),
    /// The `codex exec` runs of one thread.
    Exec(ExecCassette),
}

impl AnyCassette {
    /// Reads and parses the cassette at `path`; a missing file names `record_hint`.
    pub(crate) fn load(path: &Path, record_hint: &str) -> Result<Self, CassetteError> {
        Self::parse(path, &read(path, record_hint)?)
    }

    /// Parses cassette text of either kind, chosen by its header.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Self, CassetteError> {
        if is_exec_cassette(text) {
            ExecCassette::parse(path, text).map(Self::Exec)
        } else {
            Cassette::parse(path, text).map(Self::AppServer)
        }
    }

    /// The Codex version that recorded it.
    pub(crate) fn codex_version(&self) -> &str {
        match self {
            Self::AppServer(c) => &c.header.codex_version,
            Self::Exec(c) => &c.header.codex_version,
        }
    }

    /// The command that records it again.
    pub(crate) fn record_command(&self) -> &str {
        match self {
            Self::AppServer(c) => &c.header.record_command,
            Self::Exec(c) => &c.header.record_command,
        }
    }

    /// `pending` (a re-recording) compared with `self` by meaning, as text for people: what the
    /// agent did first, then protocol fields (app-server), or what the runs did (exec).
    pub(crate) fn change_by_meaning(&self, pending: &Self) -> String {
        match (self, pending) {
            (Self::AppServer(old), Self::AppServer(new)) => MeaningDiff::of(old, new).to_string(),
            (Self::Exec(old), Self::Exec(new)) => review_exec(old, new),
            (old, new) => format!(
                "the kind of cassette changed ({} before, {} now): compare the files with \
                 `prompt-diary review --raw`\n",
                old.kind_name(),
                new.kind_name()
            ),
        }
    }

    fn kind_name(&self) -> &'static str {
        match self {
            Self::AppServer(_) => "an app-server cassette",
            Self::Exec(_) => "an exec cassette",
        }
    }
}

/// Whether cassette text is an exec cassette's (its header says `"kind": "exec"`). Only the
/// header line is parsed.
pub(crate) fn is_exec_cassette(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    serde_json::from_str::<serde_json::Value>(first).is_ok_and(|header| {
        header.get("kind").and_then(serde_json::Value::as_str) == Some(EXEC_KIND)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_decides_the_kind() {
        let exec = "{\"cassette\":\"prompt-diary\",\"format\":1,\"kind\":\"exec\"}\n{}\n";
        let app_server = "{\"cassette\":\"prompt-diary\",\"format\":1}\n";
        assert!(is_exec_cassette(exec));
        assert!(!is_exec_cassette(app_server));
        assert!(!is_exec_cassette("not json\n"));
        // A file that is neither parses as an app-server cassette and says why it is not one.
        let err = AnyCassette::parse(Path::new("x.jsonl"), "not json\n").unwrap_err();
        assert!(err.to_string().contains("the header is not JSON"), "{err}");
    }
}
