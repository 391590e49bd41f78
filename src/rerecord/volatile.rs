//! The header's volatile rules carried into a re-recording: each recorded placeholder of a rule
//! (`{{date:1}}`, or an old cassette's `{{date}}`) is sent to Codex as a value made to match the
//! rule's pattern ([`sample`]), and the runs record under the same rules (a project file in the
//! scratch folder, [`project_file`]), so the values come back as placeholders and the header
//! lists the rules.

use regex_syntax::hir::{Class, Hir, HirKind};

use crate::cassette::{Bindings, RedactRule, VolatileRule};

/// The most characters a sampled value may have.
const MAX_LEN: usize = 256;

/// A value for the `n`-th distinct value of `rule`: made from the pattern (the first branch of
/// each alternation, the least repetition but one, a character of each class chosen by `n`), and
/// checked to be matched whole by the rule. Why not, when it cannot be made.
pub(crate) fn sample(rule: &VolatileRule, n: usize) -> Result<String, String> {
    let pattern = rule.pattern().as_str();
    let hir = regex_syntax::Parser::new().parse(pattern).map_err(|err| {
        format!(
            "the volatile rule `{}` could not be read: {err}",
            rule.name()
        )
    })?;
    let mut value = String::new();
    let mut seed = n;
    build(&hir, &mut value, &mut seed);
    let whole = rule
        .pattern()
        .find(&value)
        .is_some_and(|m| m.start() == 0 && m.end() == value.len());
    if value.is_empty() || value.chars().count() > MAX_LEN || !whole {
        return Err(format!(
            "no value could be made for the volatile rule `{}` (pattern {pattern:?}) to send in \
             place of its recorded values; re-record the session yourself (`prompt-diary record`)",
            rule.name()
        ));
    }
    Ok(value)
}

fn build(hir: &Hir, out: &mut String, seed: &mut usize) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(class)) => {
            let mut chars: Vec<char> = Vec::new();
            for range in class.ranges() {
                chars.extend((range.start()..=range.end()).take(64));
            }
            let ascii: Vec<char> = chars
                .iter()
                .copied()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            let pool = if ascii.is_empty() { chars } else { ascii };
            if let Some(c) = pool.get(*seed % pool.len().max(1)) {
                out.push(*c);
            }
            *seed += 1;
        }
        HirKind::Class(Class::Bytes(class)) => {
            if let Some(range) = class.ranges().first() {
                out.push(char::from(range.start()));
            }
        }
        HirKind::Repetition(rep) => {
            let times = rep.min.max(1).min(rep.max.unwrap_or(u32::MAX));
            for _ in 0..times.min(MAX_LEN as u32) {
                build(&rep.sub, out, seed);
            }
        }
        HirKind::Capture(capture) => build(&capture.sub, out, seed),
        HirKind::Concat(parts) => parts.iter().for_each(|part| build(part, out, seed)),
        HirKind::Alternation(branches) => {
            if let Some(first) = branches.first() {
                build(first, out, seed);
            }
        }
    }
}

/// Binds every placeholder of `rules` found in `texts` (`{{name:N}}`, `{{name}}` taken as
/// `{{name:1}}`) to a [`sample`]d value, unless bound already.
pub(crate) fn bind_recorded<'a>(
    rules: &[VolatileRule],
    texts: impl Iterator<Item = &'a str>,
    bindings: &mut Bindings,
) -> Result<(), String> {
    for text in texts {
        for rule in rules {
            let open = format!("{{{{{}", rule.name());
            let mut rest = text;
            while let Some(at) = rest.find(&open) {
                rest = &rest[at + open.len()..];
                let Some(end) = rest.find("}}") else { break };
                let n = match &rest[..end] {
                    "" => Some(1),
                    tail => tail.strip_prefix(':').and_then(|d| d.parse::<usize>().ok()),
                };
                let Some(n) = n else { continue };
                let placeholder = format!("{open}{}}}}}", &rest[..end]);
                if bindings.get(&placeholder).is_none() {
                    bindings.bind(&placeholder, &sample(rule, n)?);
                }
            }
        }
    }
    Ok(())
}

/// The client messages of an app-server cassette as JSON text, where its placeholders are.
pub(crate) fn client_texts(cassette: &crate::cassette::Cassette) -> Vec<String> {
    cassette
        .entries
        .iter()
        .filter_map(|(_, entry)| match entry {
            crate::cassette::Entry::C2s { msg, .. } => Some(msg.to_string()),
            _ => None,
        })
        .collect()
}

/// A `prompt-diary.toml` holding `rules` as `[[volatile]]` tables and `redact` as `[[redact]]`
/// ones, for the runs to record under.
pub(crate) fn project_file(rules: &[VolatileRule], redact: &[RedactRule]) -> String {
    let mut text = String::new();
    let named = rules
        .iter()
        .map(|r| ("volatile", r.name(), r.pattern()))
        .chain(redact.iter().map(|r| ("redact", r.name(), r.pattern())));
    for (table, name, pattern) in named {
        // A JSON string literal is also a valid TOML basic string.
        let name = serde_json::Value::from(name).to_string();
        let pattern = serde_json::Value::from(pattern.as_str()).to_string();
        text.push_str(&format!(
            "[[{table}]]\nname = {name}\npattern = {pattern}\n\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_matches_its_rule_whole_and_differs_by_number() {
        let date = VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap();
        let (one, two) = (sample(&date, 1).unwrap(), sample(&date, 2).unwrap());
        assert!(date.pattern().is_match(&one) && one.len() == 10, "{one}");
        assert_ne!(one, two);
        let run = VolatileRule::new("run_id", r"run-[a-f0-9]{8}|job-\d+").unwrap();
        assert!(sample(&run, 3).unwrap().starts_with("run-"));
        let lookaround_only = VolatileRule::new("edge", r"\b").unwrap();
        let err = sample(&lookaround_only, 1).unwrap_err();
        assert!(
            err.contains("no value could be made for the volatile rule `edge`"),
            "{err}"
        );
    }

    #[test]
    fn recorded_placeholders_are_bound_numbered_and_old_style() {
        let date = VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap();
        let mut bindings = Bindings::default();
        let texts = [
            "Summarise {{date:1}} and {{date:2}}",
            "old {{date}} {{dates}}",
        ];
        bind_recorded(
            std::slice::from_ref(&date),
            texts.into_iter(),
            &mut bindings,
        )
        .unwrap();
        let one = bindings.get("{{date:1}}").expect("bound").to_owned();
        assert!(date.pattern().is_match(&one));
        assert!(bindings.get("{{date:2}}").is_some_and(|two| two != one));
        assert_eq!(bindings.get("{{date}}"), Some(one.as_str()));
        assert!(bindings.get("{{dates}}").is_none());
        let acme = RedactRule::new("acme", "acme_[a-z]{8}").unwrap();
        let file = project_file(&[date], &[acme]);
        assert!(
            file.contains("[[volatile]]\nname = \"date\"\npattern = \"\\\\d{4}"),
            "{file}"
        );
        assert!(
            file.contains("[[redact]]\nname = \"acme\"\npattern = \"acme_[a-z]{8}\""),
            "{file}"
        );
    }
}
