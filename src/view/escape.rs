//! Escaping cassette text into the page: as HTML text, and as data inside a `<script>` block.

/// Appends `text` escaped for HTML text and attribute values; `://` is written `:&#47;&#47;`,
/// so the page's source holds no address even where the cassette's text does.
pub(super) fn html(out: &mut String, text: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ':' if text_starts(&chars, "//") => {
                out.push_str(":&#47;&#47;");
                chars.next();
                chars.next();
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn text_starts(chars: &std::iter::Peekable<std::str::Chars<'_>>, prefix: &str) -> bool {
    chars.clone().take(prefix.len()).eq(prefix.chars())
}

/// Appends JSON text for a `<script type="application/json">` block: `<`, `>`, `&`, U+2028 and
/// U+2029 become JSON escapes (`\u003c`, ...), and `://` becomes `:\/\/`, so the block cannot be
/// ended or commented out by the cassette's text and holds no address a browser would load.
/// Outside JSON strings none of these characters can occur, so the JSON means the same.
pub(super) fn script_json(out: &mut String, json: &str) {
    let mut rest = json;
    while let Some(at) = rest.find(['<', '>', '&', '\u{2028}', '\u{2029}', ':']) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or(':');
        rest = &rest[at + c.len_utf8()..];
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => {
                if let Some(tail) = rest.strip_prefix("//") {
                    out.push_str(":\\/\\/");
                    rest = tail;
                } else {
                    out.push(':');
                }
            }
        }
    }
    out.push_str(rest);
}

/// Standard base64 (for the page's Content-Security-Policy hashes).
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_cannot_open_a_tag() {
        let mut out = String::new();
        html(
            &mut out,
            "<script>alert('x')</script> & \"q\" https://x.test/a: b",
        );
        assert_eq!(
            out,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; \
             https:&#47;&#47;x.test/a: b"
        );
    }

    #[test]
    fn script_json_escapes_what_could_end_the_block_and_stays_the_same_json() {
        let value =
            serde_json::json!({"t": "</script><!-- & \u{2028}\u{2029} see https://x.test/a"});
        let mut out = String::new();
        script_json(&mut out, &value.to_string());
        for bad in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!out.contains(bad), "{out}");
        }
        assert!(!out.contains("://"), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
