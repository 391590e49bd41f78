//! The placeholder grammar both sides of a cassette share: `{{name}}` and `{{name:N}}`, the
//! [`LBRACE`] escape for literal text that would read as one, and the names of the well-known
//! placeholders.

use std::borrow::Cow;

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
}
