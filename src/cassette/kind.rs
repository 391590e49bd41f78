//! The one place that decides which kind of cassette a file holds: [`AnyCassette`] reads the
//! file once, looks at its header (`"kind": "exec"`, or none for an app-server cassette) and
//! parses it as that kind. Every reader of "any cassette" (`verify`, pending re-recordings,
//! `rerecord`, `inspect`, `view`, `review`) asks it, and branches on the variant it returns.

use std::path::Path;

use crate::cassette::envelope::EXEC_KIND;
use crate::cassette::envelope::read;
use crate::cassette::exec::story::review_exec;
use crate::cassette::{
    Cassette, CassetteError, ExecCassette, ExecStory, Header, MeaningDiff, Timeline,
};

/// A cassette of either kind, parsed once.
#[derive(Debug)]
pub(crate) enum AnyCassette {
    /// A `codex app-server` session (JSON-RPC both ways).
    AppServer(Cassette),
    /// The `codex exec` runs of one thread.
    Exec(ExecCassette),
}

/// A cassette read for people: what `inspect` prints.
#[derive(Debug)]
pub(crate) enum Story {
    /// An app-server cassette's timeline (boxed: the larger by far).
    AppServer(Box<Timeline>),
    /// An exec cassette's runs.
    Exec(ExecStory),
}

/// A cassette read for its page (`view`): an exec cassette parsed (a few runs), an app-server
/// cassette's text, which the viewer reads line by line.
#[derive(Debug)]
pub(crate) enum ForPage {
    /// An app-server cassette's text.
    AppServer(String),
    /// An exec cassette (boxed: the larger by far).
    Exec(Box<ExecCassette>),
}

impl AnyCassette {
    /// Reads the cassette at `path` for its page (see [`ForPage`]); a missing file names
    /// `record_hint`.
    pub(crate) fn for_page(path: &Path, record_hint: &str) -> Result<ForPage, CassetteError> {
        let text = read(path, record_hint)?;
        if is_exec_cassette(&text) {
            return ExecCassette::parse(path, &text).map(|c| ForPage::Exec(Box::new(c)));
        }
        Ok(ForPage::AppServer(text))
    }

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

    /// Checks cassette text as [`AnyCassette::parse`] does (the same errors) and keeps what
    /// `verify` asks of it: an app-server cassette comes back with its header and no entries,
    /// each message parsed, checked and dropped in turn; an exec cassette (a few runs) whole.
    pub(crate) fn check(path: &Path, text: &str) -> Result<Self, CassetteError> {
        if is_exec_cassette(text) {
            return ExecCassette::parse(path, text).map(Self::Exec);
        }
        let header = Cassette::read_each(path, text, |_, _| {})?;
        Ok(Self::AppServer(Cassette {
            path: path.to_owned(),
            header,
            entries: Vec::new(),
        }))
    }

    /// What `inspect` shows of the cassette at `path`: an exec cassette's runs, or an app-server
    /// cassette's timeline read line by line ([`Timeline::read`]), never the whole file's trees.
    pub(crate) fn story(path: &Path, record_hint: &str) -> Result<Story, CassetteError> {
        let text = read(path, record_hint)?;
        if is_exec_cassette(&text) {
            let cassette = ExecCassette::parse(path, &text)?;
            return Ok(Story::Exec(ExecStory::of(&cassette)));
        }
        Timeline::read(path, &text).map(|t| Story::AppServer(Box::new(t)))
    }

    /// Its envelope header (either kind's: the kind is in it).
    pub(crate) fn header(&self) -> &Header {
        match self {
            Self::AppServer(c) => &c.header,
            Self::Exec(c) => &c.header,
        }
    }

    /// The Codex version that recorded it.
    pub(crate) fn codex_version(&self) -> &str {
        &self.header().codex_version
    }

    /// The command that records it again.
    pub(crate) fn record_command(&self) -> &str {
        &self.header().record_command
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

    #[test]
    fn reading_line_by_line_gives_what_parsing_the_whole_file_gives() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let whole = AnyCassette::parse(&path, &text).unwrap();
            let (AnyCassette::AppServer(cassette), Story::AppServer(timeline)) =
                (&whole, AnyCassette::story(&path, "").unwrap())
            else {
                continue;
            };
            assert_eq!(*timeline, Timeline::of(cassette), "{}", path.display());
            let AnyCassette::AppServer(checked) = AnyCassette::check(&path, &text).unwrap() else {
                panic!("{} changed kind", path.display());
            };
            assert_eq!(checked.header, cassette.header, "{}", path.display());
        }
    }
}
