//! The kinds of secret redaction looks for: one table of named rules, each a regular expression
//! whose `s` group is the secret (what `{{redacted}}` replaces) and whose optional `core` (or `tail`) group
//! is the part no fragment of may survive anywhere else (the token without its `Bearer ` scheme, the
//! body of a private-key block). The formats are the public ones secret scanners document.
//!
//! A project's own patterns (`[[redact]]`) come in as [`UserPatterns`]: a name and a regex each,
//! the whole match (or its `s` group) being the secret.

use std::ops::Range;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

/// A project's own secret patterns: a name (shown in refusals and in the header) and a regex each.
pub(crate) type UserPatterns = [crate::cassette::RedactRule];

/// One built-in rule.
struct Kind {
    /// The name the header's `redactions` list carries.
    name: &'static str,
    /// What a refusal calls it ("an AWS access key id").
    what: &'static str,
    /// The pattern; the `s` group is the secret.
    pattern: &'static str,
}

/// Every built-in kind, most specific first. Keys that start with a common prefix (`sk-`) must
/// not follow a token character (so `task-sk-…` is not a key).
/// An overlap keeps the name of the hit that starts first.
const KINDS: &[Kind] = &[
    Kind {
        name: "private-key-block",
        what: "a private key block (`-----BEGIN … PRIVATE KEY-----`)",
        // A whole block, or a block cut off before its END line (a stream's tail, a log).
        pattern: r"(?P<s>-----BEGIN[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----(?:(?P<core>[\s\S]*?)-----END[A-Z0-9 ]* PRIVATE KEY(?: BLOCK)?-----|(?P<tail>[A-Za-z0-9+/=:,\-\r\n]{16,})))",
    },
    Kind {
        name: "anthropic-api-key",
        what: "an Anthropic `sk-ant-` key",
        pattern: r"(?:^|[^A-Za-z0-9_\-])(?P<s>sk-ant-[A-Za-z0-9_\-]{20,})",
    },
    Kind {
        name: "openai-api-key",
        what: "an OpenAI-style `sk-` key",
        pattern: r"(?:^|[^A-Za-z0-9_\-])(?P<s>sk-[A-Za-z0-9_\-]{20,})",
    },
    Kind {
        name: "aws-access-key-id",
        what: "an AWS access key id",
        pattern: r"(?-u:\b)(?P<s>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})(?-u:\b)",
    },
    Kind {
        name: "aws-secret-access-key",
        what: "an AWS secret access key",
        pattern: r#"(?i:aws[_\-.]?secret[_\-.]?(?:access[_\-.]?)?key|secret[_\-.]?access[_\-.]?key)["']?[ \t]*(?::|=|:=|=>)[ \t]*["']?(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
    },
    Kind {
        name: "github-token",
        what: "a GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`)",
        pattern: r"(?-u:\b)(?P<s>gh[pousr]_[A-Za-z0-9]{36,})(?-u:\b)",
    },
    Kind {
        name: "github-fine-grained-token",
        what: "a GitHub fine-grained token (`github_pat_`)",
        pattern: r"(?-u:\b)(?P<s>github_pat_[A-Za-z0-9_]{22,})(?-u:\b)",
    },
    Kind {
        name: "gitlab-token",
        what: "a GitLab token (`glpat-`)",
        pattern: r"(?-u:\b)(?P<s>gl(?:pat|ptt|dt|rt|soat|ft)-[A-Za-z0-9_\-]{20,})",
    },
    Kind {
        name: "slack-token",
        what: "a Slack token (`xoxb-`, `xoxp-`, `xoxa-`, `xapp-`)",
        pattern: r"(?-u:\b)(?P<s>(?:xox[abposr]|xapp)-[A-Za-z0-9\-]{10,})",
    },
    Kind {
        name: "google-api-key",
        what: "a Google API key (`AIza`)",
        pattern: r"(?-u:\b)(?P<s>AIza[A-Za-z0-9_\-]{35})",
    },
    Kind {
        name: "stripe-key",
        what: "a Stripe secret or restricted key",
        pattern: r"(?-u:\b)(?P<s>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,})",
    },
    Kind {
        name: "json-web-token",
        what: "a JSON Web Token",
        // How every JSON Web Token starts: base64url of `{"`; found after `token=` too.
        pattern: r"(?P<s>eyJ[A-Za-z0-9_\-.=+/]{20,})",
    },
    Kind {
        name: "bearer-token",
        what: "a bearer token",
        pattern: r"(?:^|[^A-Za-z0-9_\-])(?P<s>(?i:bearer)[ \t]+(?P<core>[A-Za-z0-9\-._~+/]{8,}=*))",
    },
    Kind {
        name: "basic-authorization",
        what: "a basic authorization header",
        pattern: r#"(?i:authorization)["']?[ \t]*[:=][ \t]*["']?(?P<s>(?i:basic)[ \t]+(?P<core>[A-Za-z0-9+/]{8,}={0,2}))"#,
    },
];

/// The names of the built-in kinds, in table order.
#[cfg(test)]
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    KINDS.iter().map(|k| k.name)
}

static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    KINDS
        .iter()
        .map(|k| Regex::new(k.pattern).unwrap_or_else(|err| panic!("rule {}: {err}", k.name)))
        .collect()
});

/// All kinds at once: one pass over a text says which kinds to look for (most texts: none).
static ANY: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(KINDS.iter().map(|k| k.pattern))
        .unwrap_or_else(|err| panic!("secret kinds: {err}"))
});

/// One secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// The bytes `{{redacted}}` replaces.
    pub range: Range<usize>,
    /// The bytes no fragment of may survive elsewhere (inside `range`).
    pub core: Range<usize>,
    /// What it is, for people ("an AWS access key id", or a user pattern's name).
    pub what: String,
}

/// The secrets in `text` (the project's patterns `extra` outside placeholders only), in order, overlapping ones merged (named after the one that starts
/// first, then the first kind in the table).
pub(crate) fn find(text: &str, extra: &UserPatterns) -> Vec<Hit> {
    let mut hits = Vec::new();
    for index in ANY.matches(text).iter() {
        collect(text, &COMPILED[index], KINDS[index].what, &mut hits);
    }
    if !extra.is_empty() {
        // A project's patterns see session text only: never a placeholder of ours.
        let literal = crate::cassette::normalize::volatile::literal_segments(text);
        let mut user = Vec::new();
        for rule in extra {
            collect(
                text,
                rule.pattern(),
                &format!("a match of the pattern `{}`", rule.name()),
                &mut user,
            );
        }
        user.retain(|h| {
            literal
                .iter()
                .any(|s| s.start <= h.range.start && h.range.end <= s.end)
        });
        hits.extend(user);
    }
    merge(hits)
}

fn collect(text: &str, regex: &Regex, what: &str, hits: &mut Vec<Hit>) {
    for caps in regex.captures_iter(text) {
        let Some(whole) = caps.name("s").or_else(|| caps.get(0)) else {
            continue;
        };
        if whole.is_empty() {
            continue;
        }
        let core = ["core", "tail"]
            .iter()
            .find_map(|name| caps.name(name).filter(|c| !c.is_empty()))
            .unwrap_or(whole);
        hits.push(Hit {
            range: whole.range(),
            core: core.range(),
            what: what.to_owned(),
        });
    }
}

/// Sorts `hits` by position and merges overlapping ones (their core becomes the union's).
fn merge(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by_key(|h| h.range.start);
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        match out.last_mut() {
            Some(last) if hit.range.start < last.range.end => {
                if hit.range.end > last.range.end {
                    last.range.end = hit.range.end;
                    last.core = last.core.start.min(hit.core.start)..hit.core.end;
                }
            }
            _ => out.push(hit),
        }
    }
    out
}

#[cfg(test)]
#[path = "secret_kinds_tests.rs"]
mod tests;
