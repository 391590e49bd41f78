//! The placeholder grammar both sides of a cassette share: `{{name}}` and `{{name:N}}`, read
//! in one place ([`placeholder_len`], and [`Placeholder`] for one whole placeholder), the
//! [`LBRACE`] escape for literal text that would read as one, the names of the well-known
//! placeholders, and the one [`fresh_value`] a replay of either kind gives a placeholder nobody
//! has bound.
//!
//! A new kind of placeholder is a name: the recorder writes `{{name:N}}`, and if a replay must
//! make its value (rather than bind it from what the client sent), [`fresh_value`] gets an arm
//! for the name.

use std::borrow::Cow;

use serde_json::Value;

/// Placeholder for a millisecond timestamp.
pub(crate) const TIME_MS: &str = "{{time_ms}}";
/// Placeholder for a second timestamp.
pub(crate) const TIME_S: &str = "{{time_s}}";
/// Placeholder for a duration.
pub(crate) const DURATION: &str = "{{duration_ms}}";
/// Placeholder for the working directory of a conversation.
pub(crate) const WORKSPACE: &str = "{{workspace}}";
/// Placeholder for the Codex home.
pub(crate) const CODEX_HOME: &str = "{{codex_home}}";
/// Placeholder for the user's home directory.
pub(crate) const HOME: &str = "{{home}}";
/// The kind of `{{conv_thread:N}}`: the thread of conversation `cN`, written where a message
/// names a thread that is not its own conversation's (a `thread/loaded/list` answer, say) and
/// filled on replay with the thread bound to `cN` then.
pub(crate) const CONV_THREAD: &str = "conv_thread";

/// What literal text that reads as a placeholder starts with in a cassette: `{{lbrace}}` stands
/// for `{{`, so an agent's `{{name}}` (a Jinja or Handlebars template, say) is recorded as
/// `{{lbrace}}name}}` and replayed as written.
pub(crate) const LBRACE: &str = "{{lbrace}}";

/// The length of the placeholder at the start of `bytes`, if one starts there: `{{`, a name of
/// lowercase letters and `_`, optionally `:` and a number, then `}}`. Nothing else is a
/// placeholder, so `{{ user }}` or `{{}}` in recorded text is never filled.
pub(super) fn placeholder_len(bytes: &[u8]) -> Option<usize> {
    let rest = bytes.strip_prefix(b"{{")?;
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
        .count();
    if name == 0 {
        return None;
    }
    let mut end = name;
    if rest.get(end) == Some(&b':') {
        let digits = rest[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        end += 1 + digits;
    }
    rest[end..].starts_with(b"}}").then_some(2 + end + 2)
}

/// One placeholder, `{{name}}` or `{{name:N}}`, as the grammar ([`placeholder_len`]) reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placeholder<'a> {
    /// Its name: lowercase letters and `_` (`thread`, `workspace`, a volatile rule's name).
    pub(crate) name: &'a str,
    /// The number after the colon, as written; `None` for `{{name}}`.
    pub(crate) number: Option<&'a str>,
}

impl<'a> Placeholder<'a> {
    /// `text` read as one whole placeholder; `None` when it is anything else (text around a
    /// placeholder included).
    pub(crate) fn parse(text: &'a str) -> Option<Self> {
        if placeholder_len(text.as_bytes())? != text.len() {
            return None;
        }
        let inner = &text[2..text.len() - 2];
        Some(match inner.split_once(':') {
            Some((name, number)) => Self {
                name,
                number: Some(number),
            },
            None => Self {
                name: inner,
                number: None,
            },
        })
    }

    /// Its number (`N` of `{{name:N}}`), if it has one that fits.
    pub(crate) fn index(&self) -> Option<u32> {
        self.number?.parse().ok()
    }
}

/// The last group of the thread ids [`ThreadIds::Tagged`] makes starts with this, then the
/// placeholder's number in 8 hex digits.
const THREAD_TAG: &str = "d1a7";

/// How a replay makes fresh thread (and session) ids.
#[derive(Debug)]
pub(crate) enum ThreadIds<'a> {
    /// Counted across one replay (`00000000-0000-7000-8000-00000000000N`): an app-server
    /// replay, one process that makes every id.
    Counted(&'a mut u64),
    /// New each time, the last group carrying the placeholder's number ([`tagged_thread`] reads
    /// it back): an exec replay, where a later run (another process) `resume`s a thread id an
    /// earlier one printed.
    Tagged,
}

/// What a replay's fresh values are made with.
#[derive(Debug)]
pub(crate) struct Fresh<'a> {
    /// What a value of no well-known kind starts with (`{label}-{name}-{N}`): a conversation's
    /// label, or `replay`.
    pub(crate) label: &'a str,
    /// The Codex version the cassette was recorded with (a user agent names it).
    pub(crate) codex_version: &'a str,
    /// How thread ids are made.
    pub(crate) threads: ThreadIds<'a>,
}

/// A fresh value for `placeholder`, which nobody has bound: the one place a replay of either
/// kind makes one.
pub(crate) fn fresh_value(placeholder: &str, fresh: &mut Fresh<'_>) -> String {
    let parsed = Placeholder::parse(placeholder);
    let name = parsed.map_or("", |p| p.name);
    let number = parsed.and_then(|p| p.number).unwrap_or("0");
    match name {
        "thread" | "session" | CONV_THREAD => match &mut fresh.threads {
            ThreadIds::Counted(next) => {
                **next += 1;
                format!("00000000-0000-7000-8000-{:012x}", **next)
            }
            ThreadIds::Tagged => {
                let n = parsed.and_then(|p| p.index()).unwrap_or(0);
                tagged_thread_id(placeholder, n)
            }
        },
        "user_agent" => format!("prompt-diary/{} (replay)", fresh.codex_version),
        "installation" => "replay-installation".to_owned(),
        "pid" => std::process::id().to_string(),
        _ if placeholder == CODEX_HOME => "/replay/codex-home".to_owned(),
        _ if placeholder == HOME => "/replay/home".to_owned(),
        _ => format!("{}-{name}-{number}", fresh.label),
    }
}

/// A UUID-shaped thread id, new each time, whose last group carries `number`.
fn tagged_thread_id(placeholder: &str, number: u32) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{nanos}-{}-{placeholder}", std::process::id());
    let h = crate::cassette::effects::sha256_hex(seed.as_bytes());
    format!(
        "{}-{}-7{}-8{}-{THREAD_TAG}{number:08x}",
        &h[..8],
        &h[8..12],
        &h[12..15],
        &h[15..18]
    )
}

/// The placeholder (`{{thread:N}}`) a thread id [`ThreadIds::Tagged`] made stands for.
pub(crate) fn tagged_thread(id: &str) -> Option<String> {
    let last = id.rsplit('-').next()?;
    if id.len() != 36 || last.len() != 12 {
        return None;
    }
    let number = u32::from_str_radix(last.strip_prefix(THREAD_TAG)?, 16).ok()?;
    Some(format!("{{{{thread:{number}}}}}"))
}

/// The placeholders in `text`, as (offset, length), left to right.
pub(super) fn placeholders(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = text.get(from..)?.find('{') {
            let at = from + offset;
            if let Some(len) = placeholder_len(&bytes[at..]) {
                from = at + len;
                return Some((at, len));
            }
            from = at + 1;
        }
        None
    })
}

/// `text` with each placeholder replaced by what `write` writes for it (it is given the
/// placeholder and the text so far), and each [`LBRACE`] by the `{{` it stands for (never given to
/// `write`); borrowed when `text` holds no placeholder.
pub(super) fn replace_placeholders<'a>(
    text: &'a str,
    mut write: impl FnMut(&str, &mut String),
) -> Cow<'a, str> {
    let mut out = String::new(); // sized at the first placeholder
    let mut copied = 0;
    for (at, len) in placeholders(text) {
        if copied == 0 {
            out.reserve(text.len() + 40);
        }
        out.push_str(&text[copied..at]);
        copied = at + len;
        let placeholder = &text[at..at + len];
        if placeholder == LBRACE {
            out.push_str("{{");
        } else if placeholder == super::redact::REDACTED {
            // A secret is said again as its placeholder: nobody knows its value.
            out.push_str(placeholder);
        } else {
            write(placeholder, &mut out);
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// `text` as it was said, for people and for saying it again: each [`LBRACE`] back to `{{`
/// (`{{lbrace}}name}}` reads `{{name}}`), the placeholders of volatile values kept as they are.
/// The inverse of [`escape_literals`].
pub(crate) fn unescape_literals(text: &str) -> Cow<'_, str> {
    if !text.contains(LBRACE) {
        return Cow::Borrowed(text);
    }
    replace_placeholders(text, |placeholder, out| out.push_str(placeholder))
}

/// `value` with [`unescape_literals`] on every string inside it (keys are never escaped);
/// borrowed when no string holds an escape.
pub(crate) fn unescape_json(value: &Value) -> Cow<'_, Value> {
    fn escapes(value: &Value) -> bool {
        match value {
            Value::String(text) => text.contains(LBRACE),
            Value::Array(items) => items.iter().any(escapes),
            Value::Object(map) => map.values().any(escapes),
            _ => false,
        }
    }
    fn unescape(value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Cow::Owned(said) = unescape_literals(text) {
                    *text = said;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(unescape),
            Value::Object(map) => map.values_mut().for_each(unescape),
            _ => {}
        }
    }
    if !escapes(value) {
        return Cow::Borrowed(value);
    }
    let mut said = value.clone();
    unescape(&mut said);
    Cow::Owned(said)
}

/// `text` with every stretch that would read as a placeholder escaped (its `{{` recorded as
/// [`LBRACE`]); borrowed when there is none. `{{redacted}}` stays: it stands for a secret
/// whoever writes it (a client replaying a redacted prompt sends it back as it reads).
pub(super) fn escape_literals(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    for (at, len) in placeholders(text) {
        if &text[at..at + len] == super::redact::REDACTED {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(LBRACE);
        copied = at + 2;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_placeholder_grammar_is_a_placeholder() {
        let found = |text: &str| -> Vec<String> {
            placeholders(text)
                .map(|(at, len)| text[at..at + len].to_owned())
                .collect()
        };
        assert_eq!(
            found("{{thread:12}} {{ user }} {{}} {{a:}} {{A}} {{{{x}} {{time_ms}}"),
            ["{{thread:12}}", "{{x}}", "{{time_ms}}"]
        );
    }

    #[test]
    fn one_whole_placeholder_parses_into_its_name_and_number() {
        let parse = Placeholder::parse;
        assert_eq!(
            parse("{{thread:12}}"),
            Some(Placeholder {
                name: "thread",
                number: Some("12")
            })
        );
        assert_eq!(parse("{{thread:12}}").and_then(|p| p.index()), Some(12));
        assert_eq!(
            parse("{{workspace}}").map(|p| (p.name, p.number)),
            Some(("workspace", None))
        );
        for not_one in [
            "{{a}} {{b}}",
            "x{{a}}",
            "{{a}}x",
            "{{ a }}",
            "{{a:}}",
            "{{A}}",
            "",
        ] {
            assert_eq!(parse(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn fresh_values_by_kind_of_placeholder() {
        let mut next = 0;
        let mut counted = Fresh {
            label: "c1",
            codex_version: "0.171.0",
            threads: ThreadIds::Counted(&mut next),
        };
        assert_eq!(
            fresh_value("{{thread:5}}", &mut counted),
            "00000000-0000-7000-8000-000000000001"
        );
        assert_eq!(
            fresh_value("{{session:1}}", &mut counted),
            "00000000-0000-7000-8000-000000000002"
        );
        assert_eq!(
            fresh_value("{{user_agent}}", &mut counted),
            "prompt-diary/0.171.0 (replay)"
        );
        assert_eq!(fresh_value("{{item:3}}", &mut counted), "c1-item-3");
        assert_eq!(fresh_value(HOME, &mut counted), "/replay/home");
        let mut tagged = Fresh {
            label: "replay",
            codex_version: "0.171.0",
            threads: ThreadIds::Tagged,
        };
        let id = fresh_value("{{thread:3}}", &mut tagged);
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(tagged_thread(&id).as_deref(), Some("{{thread:3}}"));
        assert_ne!(
            fresh_value("{{thread:3}}", &mut tagged),
            id,
            "fresh each time"
        );
        assert_eq!(tagged_thread("019a0000-0000-7000-8000-000000000001"), None);
        assert_eq!(fresh_value("{{date:2}}", &mut tagged), "replay-date-2");
    }

    #[test]
    fn escaping_records_the_opening_braces_as_lbrace() {
        assert_eq!(escape_literals("{{name}}"), "{{lbrace}}name}}");
        assert!(matches!(escape_literals("{{ x }}"), Cow::Borrowed(_)));
    }

    #[test]
    fn unescaping_shows_literals_as_written_and_keeps_placeholders() {
        assert_eq!(unescape_literals("{{lbrace}}name}}"), "{{name}}");
        assert_eq!(
            unescape_literals("{{workspace}}/{{lbrace}}lbrace}} {{thread:1}}"),
            "{{workspace}}/{{lbrace}} {{thread:1}}"
        );
        assert!(matches!(unescape_literals("{{name}}"), Cow::Borrowed(_)));
        let value = serde_json::json!({"a": ["{{lbrace}}x}}", 1], "{{lbrace}}k}}": "{{time_ms}}"});
        assert_eq!(
            unescape_json(&value).into_owned(),
            serde_json::json!({"a": ["{{x}}", 1], "{{lbrace}}k}}": "{{time_ms}}"})
        );
        let plain = serde_json::json!({"a": "{{workspace}}"});
        assert!(matches!(unescape_json(&plain), Cow::Borrowed(_)));
    }

    #[test]
    fn escaping_then_unescaping_gives_back_any_text() {
        for text in [
            "{{name}}",
            "}}",
            "{{",
            "{{lbrace}}",
            "{{lbrace}}lbrace}}",
            "{{{{x}}}}",
            "a {{ b }} {{}} }}{{ {{c:1}} {{d:}}",
            "Fill the {{name}} template.",
            "{{workspace}}/{{thread:1}}",
        ] {
            let escaped = escape_literals(text);
            assert_eq!(unescape_literals(&escaped), text, "{escaped}");
        }
    }

    proptest::proptest! {
        /// Any text of braces, placeholder names, colons, digits and a little else.
        #[test]
        fn unescape_inverts_escape(parts in proptest::collection::vec(0usize..9, 0..24)) {
            const PIECES: [&str; 9] = ["{{", "}}", "{", "}", "lbrace", "name", ":", "7", " x"];
            let text: String = parts.iter().map(|p| PIECES[*p]).collect();
            let escaped = escape_literals(&text);
            proptest::prop_assert_eq!(unescape_literals(&escaped), text.as_str());
            // Nothing left in the escaped text reads as a placeholder except the escapes.
            proptest::prop_assert!(
                placeholders(&escaped).all(|(at, len)| &escaped[at..at + len] == LBRACE)
            );
        }
    }
}
