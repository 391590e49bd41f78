//! Text for a terminal. What a cassette holds (prompts, messages, command output, paths, the
//! re-record command) is anyone's: a cassette may come in a pull request. A control character in
//! it printed raw could rewrite what was printed before it (`\r`), move the cursor, set the
//! window title, or write the clipboard (OSC 52: `ESC ] 52 ; c ; ...`). Everything the command
//! line prints and every divergence report goes through [`escape_controls`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character except newline and tab shown as `\u{XX}` (its code point
/// in hex, as Rust writes it: ESC is `\u{1b}`, a carriage return `\u{d}`, DEL `\u{7f}`); the C1
/// controls (U+0080 to U+009F) and the bidirectional formatting characters (U+061C, U+200E,
/// U+200F, U+202A to U+202E, U+2066 to U+2069), which can reorder what a line shows, likewise.
/// Everything else, backslashes included, is left as it is.
pub(crate) fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` is shown escaped.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_newlines_tabs_and_text_are_kept() {
        assert!(matches!(escape_controls("plain\ttext\n"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("a\u{1b}]52;c;aGk=\u{7}b\rc\u{9b}d\u{202e}e\\u"),
            "a\\u{1b}]52;c;aGk=\\u{7}b\\u{d}c\\u{9b}d\\u{202e}e\\u"
        );
        assert_eq!(escape_controls("ünïcode ✓"), "ünïcode ✓");
    }
}
