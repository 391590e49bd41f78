//! Redaction: secrets and the user's home directory never reach a cassette.

use serde_json::Value;
use std::borrow::Cow;

use super::secret_kinds::{self, UserPatterns};

/// What a refusal calls the value of a credential field ([`SECRET_FIELDS`]).
pub(crate) const CREDENTIAL_FIELD: &str = "an authorization or API key field";

/// The rules applied, as named in the cassette header: the secret kinds (`secret_kinds.rs`, in
/// its table order), credential fields ([`SECRET_FIELDS`]) and the home directory.
pub(crate) const RULES: &[&str] = &[
    "private-key-block",
    "anthropic-api-key",
    "openai-api-key",
    "aws-access-key-id",
    "aws-secret-access-key",
    "github-token",
    "github-fine-grained-token",
    "gitlab-token",
    "slack-token",
    "google-api-key",
    "stripe-key",
    "json-web-token",
    "bearer-token",
    "basic-authorization",
    "authorization-header",
    "home-directory",
];

/// The header's `redactions`: [`RULES`], then the project's own patterns by name.
pub(crate) fn rule_names(extra: &UserPatterns) -> Vec<String> {
    RULES
        .iter()
        .map(|r| (*r).to_owned())
        .chain(extra.iter().map(|r| r.name().to_owned()))
        .collect()
}

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

/// Fields whose values are the cassette's envelope, not session text: a project's own patterns
/// (`[[redact]]`, `[[volatile]]`) never touch them (the built-in secret kinds still do).
const ENVELOPE_FIELDS: &[&str] = &[
    "cassette",
    "format",
    "kind",
    "scenario",
    "codex_version",
    "schema_fingerprint",
    "recorded_at",
    "redactions",
    "backend_overrides",
    "volatile",
    "conv",
    "turn",
    "code",
    "status",
    "jsonrpc",
    "method",
    "id",
    "type",
];

/// What [`each_run_text`](crate::cassette::redact_stream) calls an exec argument that is the
/// program or a flag: envelope, not session text.
pub(crate) const ARGV_ENVELOPE: &str = "{argv}";

/// Whether a string in the field `key` is session text a project's own patterns may touch
/// (see `docs/cassette-format.md`).
pub(crate) fn is_session_field(key: Option<&str>) -> bool {
    key.is_none_or(|key| key != ARGV_ENVELOPE && !ENVELOPE_FIELDS.contains(&key))
}

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

/// Redacts secrets in `text`: every kind of [`RULES`] (keys, tokens, private-key blocks, JSON Web
/// Tokens, authorization headers), and `home` (the user's home directory) becomes `{{home}}`.
pub(crate) fn redact<'a>(text: &'a str, home: Option<&str>) -> Cow<'a, str> {
    redact_with(text, home, &[])
}

/// As [`redact`], with a project's own patterns besides the built-in kinds.
pub(crate) fn redact_with<'a>(
    text: &'a str,
    home: Option<&str>,
    extra: &UserPatterns,
) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    if let Some(home) = home.filter(|h| h.len() > 1) {
        if out.contains(home) {
            out = Cow::Owned(out.replace(home, crate::cassette::normalize::HOME));
        }
    }
    let hits = secret_kinds::find(&out, extra);
    if hits.is_empty() {
        return out;
    }
    let mut clean = String::with_capacity(out.len());
    let mut at = 0;
    for hit in hits {
        clean.push_str(&out[at..hit.range.start]);
        clean.push_str(REDACTED);
        at = hit.range.end;
    }
    clean.push_str(&out[at..]);
    Cow::Owned(clean)
}

/// What `line` still holds that looks like a secret, if anything (checked on every line before
/// writing, and by `verify`).
pub(crate) fn looks_secret(line: &str, extra: &UserPatterns) -> Option<String> {
    if let Some(hit) = secret_kinds::find(line, extra).into_iter().next() {
        return Some(hit.what);
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
                return Some(CREDENTIAL_FIELD.to_owned());
            }
        }
    }
    None
}

/// Redacts every string in `value` (see [`redact_with`]) and blanks the values of secret fields
/// ([`is_secret_field`]) that are not placeholders.
pub(crate) fn redact_json(value: &mut Value, home: Option<&str>, extra: &UserPatterns) {
    match value {
        Value::String(text) => {
            if let std::borrow::Cow::Owned(clean) = redact_with(text, home, extra) {
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
                    _ => redact_json(v, home, extra),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_json(v, home, extra)),
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
        assert_eq!(looks_secret(&out, &[]), None);
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
        assert!(looks_secret(r#"{"msg":"sk-ABCDEFGHIJKLMNOPQRSTUVWX"}"#, &[]).is_some());
        assert!(looks_secret(r#"{"headers":{"authorization":"xyz"}}"#, &[]).is_some());
        assert!(looks_secret(r#"{"msg":"nothing to see"}"#, &[]).is_none());
    }

    #[test]
    fn the_header_names_every_secret_kind() {
        let kinds: Vec<&str> = secret_kinds::names().collect();
        assert_eq!(&RULES[..kinds.len()], &kinds[..]);
        assert_eq!(
            &RULES[kinds.len()..],
            &["authorization-header", "home-directory"]
        );
    }
}
