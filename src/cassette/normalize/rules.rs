//! A project's own rules: volatile values (`[[volatile]]`: a name and a pattern, each distinct
//! value recorded as `{{name:N}}` and matched by pattern on replay) and extra secrets
//! (`[[redact]]`).
//!
//! Both come from `prompt-diary.toml` or from Rust ([`CassetteSettings`](crate::cassette::CassetteSettings)).
//! Two rules are equal when their names and pattern texts are.

use std::sync::Arc;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The placeholder names the crate itself uses: a volatile rule may not take one.
pub(crate) const BUILT_IN_NAMES: &[&str] = &[
    "workspace",
    "codex_home",
    "home",
    "temp_path",
    "rollout_path",
    "last_message",
    "output_schema",
    "client_version",
    "redacted",
    "lbrace",
    "pid",
    "pid_number",
    "installation",
    "user_agent",
    "time_ms",
    "time_s",
    "duration_ms",
    "thread",
    "turn",
    "item",
    "session",
    "call",
    "req",
    "sreq",
];

/// A part of client text that varies from run to run (a date, a run id): each distinct value is
/// recorded as `{{name:1}}`, `{{name:2}}`, ... and matches any other text of the same pattern
/// on replay; what the server repeated of it says the value sent then.
#[derive(Debug, Clone)]
pub struct VolatileRule {
    name: String,
    pattern: Regex,
}

/// A rule that cannot be used: its name or its pattern, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A volatile rule's name is not a placeholder name.
    #[error(
        "volatile rule name {name:?}: use lowercase letters and `_`, starting with a letter (a \
         cassette writes its values as {{{{name:1}}}}, {{{{name:2}}}}, ..., e.g. `run_id`)"
    )]
    NameNotPlaceholder {
        /// The name as written.
        name: String,
    },
    /// A volatile rule's name is one of the crate's own placeholder names.
    #[error(
        "volatile rule name {name:?} collides with a built-in placeholder ({{{{{name}}}}}); \
         choose another name"
    )]
    NameBuiltIn {
        /// The name as written.
        name: String,
    },
    /// The pattern is empty.
    #[error("the pattern is empty")]
    PatternEmpty,
    /// The pattern is no `regex` crate expression.
    #[error("the pattern {pattern:?} does not compile: {error}")]
    PatternInvalid {
        /// The pattern as written.
        pattern: String,
        /// What the `regex` crate said.
        error: regex::Error,
    },
    /// The pattern matches more than a value: the empty string, a character of the cassette's
    /// JSON, or a whole command line.
    #[error(
        "the pattern {pattern:?} matches {what}: rules apply to session text only (prompts, \
         replies, arguments, output, file contents), so write a pattern for the value's own \
         text, e.g. `acme_[A-Za-z0-9]{{32}}` or `\\d{{4}}-\\d{{2}}-\\d{{2}}`"
    )]
    PatternTooBroad {
        /// The pattern as written.
        pattern: String,
        /// What it matches.
        what: String,
    },
}

/// The field of a rule an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleField {
    /// `name`.
    Name,
    /// `pattern`.
    Pattern,
}

impl RuleField {
    /// The field's key in `prompt-diary.toml`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Pattern => "pattern",
        }
    }
}

impl RuleError {
    /// The field at fault.
    pub(crate) fn field(&self) -> RuleField {
        match self {
            Self::NameNotPlaceholder { .. } | Self::NameBuiltIn { .. } => RuleField::Name,
            Self::PatternEmpty | Self::PatternInvalid { .. } | Self::PatternTooBroad { .. } => {
                RuleField::Pattern
            }
        }
    }
}

impl VolatileRule {
    /// A rule named `name` (lowercase letters and `_`, starting with a letter, as every
    /// placeholder name is; not one of the crate's own placeholder names) matching `pattern` (a
    /// `regex` crate expression).
    pub fn new(name: &str, pattern: &str) -> Result<Self, RuleError> {
        if !name.starts_with(|c: char| c.is_ascii_lowercase())
            || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Err(RuleError::NameNotPlaceholder {
                name: name.to_owned(),
            });
        }
        if BUILT_IN_NAMES.contains(&name) {
            return Err(RuleError::NameBuiltIn {
                name: name.to_owned(),
            });
        }
        Ok(Self {
            name: name.to_owned(),
            pattern: compile(pattern)?,
        })
    }

    /// The rule's name (`{{name:N}}` in a cassette).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The compiled pattern.
    pub fn pattern(&self) -> &Regex {
        &self.pattern
    }

    /// `{{name:n}}`: what the rule's `n`-th distinct value (from 1) is recorded as.
    pub(crate) fn placeholder(&self, n: usize) -> String {
        format!("{{{{{}:{n}}}}}", self.name)
    }
}

/// How a rule is written in a cassette header: `{"name": "date", "pattern": "\\d{4}"}`.
#[derive(Serialize, Deserialize)]
struct RuleText {
    name: String,
    pattern: String,
}

impl Serialize for VolatileRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RuleText {
            name: self.name.clone(),
            pattern: self.pattern.as_str().to_owned(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for VolatileRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = RuleText::deserialize(deserializer)?;
        Self::new(&text.name, &text.pattern).map_err(serde::de::Error::custom)
    }
}

/// The rules one recording or replay applies: the volatile values (in order: the first rule
/// whose pattern matches wins) and the project's own secret patterns. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rules {
    /// `[[volatile]]`, in order.
    pub volatile: Arc<[VolatileRule]>,
    /// `[[redact]]`, on top of the built-in kinds.
    pub redact: Arc<[RedactRule]>,
}

impl Rules {
    /// The rules of `volatile` and `redact`.
    pub(crate) fn new(volatile: &[VolatileRule], redact: &[RedactRule]) -> Self {
        Self {
            volatile: volatile.into(),
            redact: redact.into(),
        }
    }
}

/// A project's own secret pattern, redacted on top of the built-in kinds.
#[derive(Debug, Clone)]
pub struct RedactRule {
    name: String,
    pattern: Regex,
}

impl RedactRule {
    /// A rule matching `pattern` (its `s` group, or the whole match, is the secret); `name` is
    /// shown in refusals and in the header's list of redactions.
    pub fn new(name: &str, pattern: &str) -> Result<Self, RuleError> {
        Ok(Self {
            name: name.to_owned(),
            pattern: compile(pattern)?,
        })
    }

    /// The rule's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The compiled pattern.
    pub fn pattern(&self) -> &Regex {
        &self.pattern
    }
}

/// The characters a cassette's JSON is built of: a rule matching one would rewrite the
/// cassette's structure, not the session's text.
const STRUCTURAL: &[char] = &['{', '}', '[', ']', '"', ':', ','];

/// A command line a rule may not match whole: a rule that does would template (or redact) a
/// program and its flags, not a value passed to them.
const ARGUMENT_LIST: &str = "exec --json --skip-git-repo-check -";

fn compile(pattern: &str) -> Result<Regex, RuleError> {
    if pattern.is_empty() {
        return Err(RuleError::PatternEmpty);
    }
    let regex = Regex::new(pattern).map_err(|error| RuleError::PatternInvalid {
        pattern: pattern.to_owned(),
        error,
    })?;
    let broad = |what: String| RuleError::PatternTooBroad {
        pattern: pattern.to_owned(),
        what,
    };
    if regex.find("").is_some() {
        return Err(broad("the empty string, so it matches everywhere".into()));
    }
    if let Some(c) = STRUCTURAL.iter().find(|c| regex.is_match(&c.to_string())) {
        return Err(broad(format!(
            "`{c}`, a character of the cassette's own JSON structure"
        )));
    }
    if regex
        .find(ARGUMENT_LIST)
        .is_some_and(|m| m.len() == ARGUMENT_LIST.len())
    {
        return Err(broad(format!("the whole argument list `{ARGUMENT_LIST}`")));
    }
    Ok(regex)
}

macro_rules! equal_by_text {
    ($rule:ty) => {
        impl PartialEq for $rule {
            fn eq(&self, other: &Self) -> bool {
                self.name == other.name && self.pattern.as_str() == other.pattern.as_str()
            }
        }
        impl Eq for $rule {}
        impl std::hash::Hash for $rule {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.name.hash(state);
                self.pattern.as_str().hash(state);
            }
        }
    };
}
equal_by_text!(VolatileRule);
equal_by_text!(RedactRule);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_in_name_is_refused_with_the_reason() {
        let err = VolatileRule::new("workspace", "x").unwrap_err().to_string();
        assert!(
            err.contains("collides with a built-in placeholder"),
            "{err}"
        );
    }

    #[test]
    fn a_pattern_that_does_not_compile_says_so() {
        let err = VolatileRule::new("date", "(").unwrap_err().to_string();
        assert!(err.contains("does not compile"), "{err}");
        assert!(RedactRule::new("acme", "[").is_err());
    }

    #[test]
    fn a_name_that_is_no_placeholder_name_is_refused() {
        for name in ["", "Date", "run-id", "date2", "_x", "a b"] {
            let err = VolatileRule::new(name, "x").unwrap_err().to_string();
            assert!(err.contains("lowercase letters and `_`"), "{name}: {err}");
        }
        assert_eq!(
            VolatileRule::new("run_id", "x").unwrap().placeholder(2),
            "{{run_id:2}}"
        );
    }

    #[test]
    fn a_rule_is_written_as_its_name_and_pattern_and_read_back_checked() {
        let rule = VolatileRule::new("date", r"\d{4}-\d{2}").unwrap();
        let text = serde_json::to_string(&rule).unwrap();
        assert_eq!(text, r#"{"name":"date","pattern":"\\d{4}-\\d{2}"}"#);
        assert_eq!(serde_json::from_str::<VolatileRule>(&text).unwrap(), rule);
        let err = serde_json::from_str::<VolatileRule>(r#"{"name":"thread","pattern":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("collides with a built-in placeholder"),
            "{err}"
        );
    }

    #[test]
    fn a_pattern_that_would_rewrite_structure_is_refused_with_the_reason() {
        for (pattern, reason) in [
            (".", "`{`, a character of the cassette's own JSON structure"),
            (
                "[{}\":,]",
                "`{`, a character of the cassette's own JSON structure",
            ),
            ("x*", "the empty string"),
            ("(acme)?", "the empty string"),
            ("[a-z -]+", "the whole argument list"),
        ] {
            let err = RedactRule::new("acme", pattern).unwrap_err().to_string();
            assert!(err.contains(reason), "{pattern}: {err}");
            assert!(err.contains("session text only"), "{pattern}: {err}");
            let err = VolatileRule::new("date", pattern).unwrap_err().to_string();
            assert!(err.contains(reason), "{pattern}: {err}");
        }
        assert!(RedactRule::new("acme", "acme_[A-Za-z0-9]{32}").is_ok());
        assert!(RedactRule::new("word", "exec").is_ok());
        assert!(VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").is_ok());
    }

    #[test]
    fn rules_are_equal_by_name_and_text() {
        let a = VolatileRule::new("date", r"\d{4}").unwrap();
        assert_eq!(a, VolatileRule::new("date", r"\d{4}").unwrap());
        assert_ne!(a, VolatileRule::new("date", r"\d{5}").unwrap());
    }
}
