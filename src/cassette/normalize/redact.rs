//! Redaction: secrets and the user's home directory never reach a cassette.

use serde_json::Value;
use std::borrow::Cow;

/// The rules applied, as named in the cassette header.
pub(crate) const RULES: &[&str] = &[
    "openai-api-key",
    "bearer-token",
    "authorization-header",
    "home-directory",
];

/// Field names whose string values are credentials, compared in lower case without `_` or `-`
/// (so `accessToken`, `access_token` and `ACCESS-TOKEN` all count). Their values are redacted
/// whatever they look like.
pub(crate) const SECRET_FIELDS: &[&str] = &[
    "authorization",
    "apikey",
    "openaiapikey",
    "xapikey",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "bearertoken",
    "sessiontoken",
    "clientsecret",
    "password",
];

/// Whether a JSON field called `key` holds a credential (see [`SECRET_FIELDS`]).
pub(crate) fn is_secret_field(key: &str) -> bool {
    let folded: String = key
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_FIELDS.contains(&folded.as_str())
}

/// What replaces a secret.
pub(crate) const REDACTED: &str = "{{redacted}}";

/// Redacts secrets in `text`: `sk-...` keys, `Bearer ...` tokens, JSON Web Tokens (`eyJ...`, as
/// ChatGPT access and id tokens are), and `home` (the user's home directory) becomes `{{home}}`.
pub(crate) fn redact<'a>(text: &'a str, home: Option<&str>) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    if let Some(home) = home.filter(|h| h.len() > 1) {
        if out.contains(home) {
            out = Cow::Owned(out.replace(home, crate::cassette::normalize::HOME));
        }
    }
    if let Some(replaced) = replace_tokens(&out, "sk-", 20) {
        out = Cow::Owned(replaced);
    }
    for prefix in ["Bearer ", "bearer "] {
        if let Some(replaced) = replace_tokens(&out, prefix, 8) {
            out = Cow::Owned(replaced);
        }
    }
    if let Some(replaced) = replace_tokens_in(&out, JWT_PREFIX, 20, false) {
        out = Cow::Owned(replaced);
    }
    out
}

/// How every JSON Web Token starts: base64url of `{"`.
const JWT_PREFIX: &str = "eyJ";

/// Replaces every `prefix` followed by at least `min` token characters.
fn replace_tokens(text: &str, prefix: &str, min: usize) -> Option<String> {
    replace_tokens_in(text, prefix, min, true)
}

/// As [`replace_tokens`]; `word_start` asks that the prefix not follow a token character (a JSON
/// Web Token is found after `token=` too).
fn replace_tokens_in(text: &str, prefix: &str, min: usize, word_start: bool) -> Option<String> {
    if !text.contains(prefix) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let len = after
            .find(|c: char| !is_token_char(c))
            .unwrap_or(after.len());
        let starts_word = !word_start || at == 0 || !rest[..at].ends_with(is_token_char);
        if len >= min && starts_word {
            out.push_str(&rest[..at]);
            out.push_str(REDACTED);
            changed = true;
        } else {
            out.push_str(&rest[..at + prefix.len() + len]);
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | '+' | '/')
}

/// Whether `line` still looks like it holds a secret (checked on every line before writing).
pub(crate) fn looks_secret(line: &str) -> Option<&'static str> {
    if replace_tokens(line, "sk-", 20).is_some() {
        return Some("an OpenAI-style `sk-` key");
    }
    if replace_tokens(line, "Bearer ", 8).is_some() || replace_tokens(line, "bearer ", 8).is_some()
    {
        return Some("a bearer token");
    }
    if replace_tokens_in(line, JWT_PREFIX, 20, false).is_some() {
        return Some("a JSON Web Token");
    }
    let lower = line.to_ascii_lowercase();
    for marker in [
        "\"authorization\":\"",
        "\"api_key\":\"",
        "\"apikey\":\"",
        "openai_api_key=",
        "\"accesstoken\":\"",
        "\"access_token\":\"",
        "\"refreshtoken\":\"",
        "\"refresh_token\":\"",
        "\"idtoken\":\"",
        "\"id_token\":\"",
    ] {
        if let Some(at) = lower.find(marker) {
            let value = &line[at + marker.len()..];
            if !value.starts_with(REDACTED) && !value.starts_with('"') {
                return Some("an authorization or API key field");
            }
        }
    }
    None
}

/// Redacts every string in `value` (see [`redact`]) and blanks the values of secret fields
/// ([`is_secret_field`]) that are not placeholders.
pub(crate) fn redact_json(value: &mut Value, home: Option<&str>) {
    match value {
        Value::String(text) => {
            if let std::borrow::Cow::Owned(clean) = redact(text, home) {
                *text = clean;
            }
        }
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text)
                        if is_secret_field(key) && !text.is_empty() && !text.starts_with("{{") =>
                    {
                        *text = REDACTED.to_owned();
                    }
                    _ => redact_json(v, home),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_json(v, home)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tokens_and_home_are_redacted() {
        let text = "key sk-proj-ABCDEFGHIJKLMNOPQRSTUV and Authorization: Bearer abc.def.ghi123 in /home/ann/x";
        let out = redact(text, Some("/home/ann"));
        assert_eq!(
            out,
            "key {{redacted}} and Authorization: {{redacted}} in {{home}}/x"
        );
        assert_eq!(looks_secret(&out), None);
    }

    #[test]
    fn short_or_embedded_lookalikes_are_left_alone() {
        assert_eq!(
            redact("task-sk-1 and sk-short", None),
            "task-sk-1 and sk-short"
        );
    }

    #[test]
    fn a_line_with_a_secret_is_detected() {
        assert!(looks_secret(r#"{"msg":"sk-ABCDEFGHIJKLMNOPQRSTUVWX"}"#).is_some());
        assert!(looks_secret(r#"{"headers":{"authorization":"xyz"}}"#).is_some());
        assert!(looks_secret(r#"{"msg":"nothing to see"}"#).is_none());
    }
}
