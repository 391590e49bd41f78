//! Whether a recorded `msg` is a JSON-RPC message, judged from its text without building its
//! tree: a replay checks every server line at load but parses each one only when it sends it.

use std::path::Path;

use serde_json::value::RawValue;

use crate::cassette::CassetteError;
use crate::cassette::app_server::format::message_value;

/// Checks that a message line's `msg` is a JSON-RPC message. Only the top-level keys that decide
/// its kind are looked at; anything doubtful takes the full check, which also words the error.
pub(crate) fn check_message(path: &Path, line: usize, msg: &RawValue) -> Result<(), CassetteError> {
    if surely_a_message(msg.get()) {
        Ok(())
    } else {
        message_value(path, line, msg).map(drop)
    }
}

/// Whether `json`, the text of a valid JSON value, is certainly a JSON-RPC message; `false`
/// means "not sure". A cassette writes a message's keys sorted, so once the keys seen so far are
/// in order and past `method`, `id`, `method` and `error` are known and the (large) rest is not
/// read. (A hand-edited message whose keys are out of order or repeated there is refused when it
/// is sent, with the same error.)
fn surely_a_message(json: &str) -> bool {
    let mut scan = Scan {
        bytes: json.as_bytes(),
        at: 0,
    };
    if !scan.eat(b'{') {
        return false;
    }
    let mut id: Option<bool> = None; // present: whether it is a string or an integer
    let mut method: Option<bool> = None; // present: whether it is a string
    let mut answer = false; // `result` or `error` present
    let mut sorted = true;
    let mut previous: &[u8] = b"";
    let verdict = |id: Option<bool>, method: Option<bool>, answer: bool| {
        id.unwrap_or(true) && method.unwrap_or(id.is_some() && answer)
    };
    if scan.eat(b'}') {
        return false;
    }
    loop {
        let Some(key) = scan.key() else {
            return false;
        };
        sorted &= key > previous;
        previous = key;
        if sorted && key > b"method".as_slice() && (method.is_some() || key >= b"result".as_slice())
        {
            // Sorted keys: nothing that decides the kind can follow, except `result` itself.
            answer |= key == b"result";
            return verdict(id, method, answer);
        }
        let value = scan.value();
        let Some(value) = value else {
            return false;
        };
        match key {
            b"id" => {
                id = Some(
                    value.first() == Some(&b'"')
                        || std::str::from_utf8(value).is_ok_and(|v| v.parse::<i64>().is_ok()),
                );
            }
            b"method" => method = Some(value.first() == Some(&b'"')),
            b"result" | b"error" => answer = true,
            _ => {}
        }
        if scan.eat(b',') {
            continue;
        }
        return scan.eat(b'}') && verdict(id, method, answer);
    }
}

/// The method of `json` (a valid JSON message written with sorted keys) when it is a
/// notification (a `method`, no `id`), read without building its tree; `None` for anything else
/// or anything doubtful (keys out of order, escapes in the method).
pub(crate) fn notification_method(json: &str) -> Option<&str> {
    let mut scan = Scan {
        bytes: json.as_bytes(),
        at: 0,
    };
    if !scan.eat(b'{') {
        return None;
    }
    let mut previous: &[u8] = b"";
    loop {
        let key = scan.key()?;
        if key <= previous || key > b"method".as_slice() {
            return None; // out of order, or past where `method` would be
        }
        previous = key;
        let value = scan.value()?;
        match key {
            b"id" => return None,
            b"method" => {
                let inner = value.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
                if inner.contains(&b'\\') {
                    return None;
                }
                return std::str::from_utf8(inner).ok();
            }
            _ => {}
        }
        if !scan.eat(b',') {
            return None;
        }
    }
}

/// A cursor over JSON text already known to be valid.
struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    fn skip_space(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_space();
        let found = self.bytes.get(self.at) == Some(&byte);
        self.at += usize::from(found);
        found
    }

    /// An object key and its colon; `None` for a key with escapes (not one we look for).
    fn key(&mut self) -> Option<&'a [u8]> {
        self.skip_space();
        let start = self.at + 1;
        let end = self.string_end()?;
        self.at = end;
        let key = &self.bytes[start..end - 1];
        (!key.contains(&b'\\') && self.eat(b':')).then_some(key)
    }

    /// Skips one value and returns its text.
    fn value(&mut self) -> Option<&'a [u8]> {
        self.skip_space();
        let start = self.at;
        match *self.bytes.get(start)? {
            b'"' => self.at = self.string_end()?,
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *self.bytes.get(self.at)? {
                        b'"' => {
                            self.at = self.string_end()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self
                    .bytes
                    .get(self.at)
                    .is_some_and(|b| !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace())
                {
                    self.at += 1;
                }
            }
        }
        Some(&self.bytes[start..self.at])
    }

    /// The position after the string starting at the cursor.
    fn string_end(&self) -> Option<usize> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return None;
        }
        let mut at = self.at + 1;
        loop {
            match *self.bytes.get(at)? {
                b'"' => return Some(at + 1),
                b'\\' => at += 2,
                _ => at += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Message;

    #[test]
    fn a_notification_method_is_read_and_anything_else_is_none() {
        let cases = [
            (
                r#"{"emittedAtMs":"{{time_ms}}","method":"item/completed","params":{"id":1}}"#,
                Some("item/completed"),
            ),
            (r#"{"method":"turn/started"}"#, Some("turn/started")),
            (r#"{"id":3,"method":"item/tool/call","params":{}}"#, None),
            (r#"{"id":3,"result":{}}"#, None),
            (r#"{"params":{},"method":"x"}"#, None),
            (r#"{"method":"a\/b"}"#, None),
        ];
        for (json, expected) in cases {
            assert_eq!(notification_method(json), expected, "{json}");
        }
    }

    /// The quick judgement never says "surely" where the full check refuses.
    #[test]
    fn surely_only_where_the_full_check_agrees() {
        let cases = [
            (r#"{"id":"{{req:1}}","result":{"a":[1,{"b":"}"}]}}"#, true),
            (
                r#"{"emittedAtMs":"{{time_ms}}","method":"turn/started","params":{"x":"\"]"}}"#,
                true,
            ),
            (r#"{"id":3,"method":"item/tool/call","params":{}}"#, true),
            (
                r#"{"error":{"code":-32600,"message":"no"},"id":"{{req:2}}"}"#,
                true,
            ),
            (r#"{"id":"{{req:1}}","result":null}"#, true),
            (r#"{ "method" : "x" , "id" : 7 }"#, true),
            (r#"{"id":null,"result":{}}"#, false),
            (r#"{"id":1.5,"result":{}}"#, false),
            (r#"{"id":3}"#, false),
            (r#"{"method":7}"#, false),
            (r#"{"params":{}}"#, false),
            (r#"{"method":null,"id":1}"#, false),
            (r#"{}"#, false),
            (r#"[1]"#, false),
            (r#""text""#, false),
        ];
        for (json, surely) in cases {
            assert_eq!(surely_a_message(json), surely, "{json}");
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            if surely {
                assert!(Message::classify(&value).is_ok(), "{json}");
            }
        }
    }

    proptest::proptest! {
        /// Any object of the keys and values that matter, in any order and spacing.
        #[test]
        fn surely_never_contradicts_the_full_check(
            mut fields in proptest::collection::vec((0usize..6, 0usize..9, 0usize..3), 0..6)
        ) {
            const KEYS: [&str; 6] = ["id", "method", "result", "error", "params", "emittedAtMs"];
            const VALUES: [&str; 9] =
                ["1", "-2", "1.5", "\"s\"", "null", "{}", "[1,\"]\"]", "true", "{\"a\":{\"b\":[]}}"];
            const SPACE: [&str; 3] = ["", " ", "\n\t"];
            // As our writer writes them: keys sorted, none repeated. Anything else is caught
            // when the message is sent.
            fields.sort_by_key(|(k, _, _)| KEYS[*k]);
            fields.dedup_by_key(|(k, _, _)| *k);
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v, w)| format!("{w}\"{}\"{w}:{w}{}{w}", KEYS[*k], VALUES[*v], w = SPACE[*w]))
                .collect();
            let json = format!("{{{}}}", body.join(","));
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&json) {
                if surely_a_message(&json) {
                    proptest::prop_assert!(Message::classify(&value).is_ok(), "{}", json);
                }
            }
        }
    }
}
