//! The placeholder grammar both sides of a cassette share: `{{name}}` and `{{name:N}}`, the
//! [`LBRACE`] escape for literal text that would read as one, and the names of the well-known
//! placeholders.

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
