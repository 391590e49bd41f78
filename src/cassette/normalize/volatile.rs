//! A project's volatile values (`[[volatile]]` rules: a name and a pattern) in cassette text.
//!
//! Each distinct value a rule matches gets a binding of its own, numbered per rule in order of
//! first sight within a conversation (an exec run): the first date is `{{date:1}}`, another date
//! `{{date:2}}`, the first run id `{{run_id:1}}`; the same value is the same placeholder wherever
//! it recurs ([`Numbering`]).
//!
//! Recording: in what the client sends, values of earlier messages are replaced verbatim, then
//! every match of a rule's pattern becomes its value's placeholder ([`client_text`]; the rules
//! are tried in order, so the first whose pattern matches a stretch of text wins it). Every value
//! is then replaced wherever it occurs verbatim in the server text and files that follow the
//! client message that first sent it ([`substitute`]), as the workspace path is.
//!
//! Replay: the client's text goes through the same two steps (`Bindings::unfill_text`: the
//! values bound so far, then the rules, numbering new values after the bound ones), so
//! `{{date:2}}` matches a second, different date that fits the pattern at that place; once the
//! message matched, its new values are bound (`Bindings::bind_volatile`) and server text recorded
//! with `{{date:2}}` says the second date sent now.
//!
//! Only literal text is touched: placeholders already in a string (`{{workspace}}`,
//! `{{thread:1}}`, the `{{lbrace}}` escape, `{{redacted}}`) are never matched into, and a
//! JSON-RPC request id (which the cassette keeps as `{{req:N}}`) is never read for values.
//!
//! Cassettes recorded before the numbering wrote every match of a rule as `{{name}}` (no
//! number) and rebound only the first value: such text is compared with the numbers dropped
//! ([`legacy_form`]), and `{{name}}` is bound to the `{{name:1}}` value ([`legacy_alias`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use super::placeholder::{Placeholder, placeholders};
use super::rules::VolatileRule;

/// The volatile values one conversation (or one exec run) has seen, each with its placeholder.
#[derive(Debug, Clone, Default)]
pub(crate) struct Numbering {
    /// (placeholder, value), in order of first sight.
    values: Vec<(String, String)>,
    /// value → its index in `values`.
    by_value: HashMap<String, usize>,
    /// rule name → how many values it has numbered.
    counts: HashMap<String, usize>,
}

impl Numbering {
    /// The placeholder of `value`, a match of `rule`: the one it already has, else the rule's
    /// next number.
    fn placeholder_of(&mut self, rule: &VolatileRule, value: &str) -> String {
        if let Some(&at) = self.by_value.get(value) {
            return self.values[at].0.clone();
        }
        let count = self.counts.entry(rule.name().to_owned()).or_default();
        *count += 1;
        let placeholder = rule.placeholder(*count);
        self.by_value.insert(value.to_owned(), self.values.len());
        self.values.push((placeholder.clone(), value.to_owned()));
        placeholder
    }

    /// Every (placeholder, value), in order of first sight.
    pub(crate) fn values(&self) -> &[(String, String)] {
        &self.values
    }

    /// How many values have been numbered.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
}

/// The JSON-RPC envelope of a message: its fields that a project's `[[volatile]]` rules never
/// touch, when recording or when matching a replay (the request id, the protocol version and
/// the method); the rules read and write only what is under `params`, `result` and `error`.
pub(crate) const ENVELOPE: &[&str] = &["id", "jsonrpc", "method"];

/// `text` with every match of `rules` outside placeholders replaced by its value's placeholder
/// in `numbering` (numbered there when new). Borrowed when nothing matched. Empty matches are
/// ignored.
pub(crate) fn apply<'a>(
    rules: &[VolatileRule],
    text: &'a str,
    numbering: &mut Numbering,
) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for rule in rules {
        if let Some(changed) = apply_one(rule, &out, numbering) {
            out = Cow::Owned(changed);
        }
    }
    out
}

fn apply_one(rule: &VolatileRule, text: &str, numbering: &mut Numbering) -> Option<String> {
    let mut hits: Vec<Range<usize>> = Vec::new();
    for segment in literal_segments(text) {
        for hit in rule.pattern().find_iter(&text[segment.clone()]) {
            if !hit.is_empty() {
                hits.push(segment.start + hit.start()..segment.start + hit.end());
            }
        }
    }
    if hits.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for hit in hits {
        out.push_str(&text[copied..hit.start]);
        out.push_str(&numbering.placeholder_of(rule, &text[hit.clone()]));
        copied = hit.end;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// Client text as a cassette keeps it: the values of `known` (those of earlier messages)
/// replaced verbatim, then what `rules` match numbered in `numbering` ([`apply`]). The replay
/// compares what the client sends in the same two steps.
pub(crate) fn client_text<'a>(
    rules: &[VolatileRule],
    known: &[(String, String)],
    text: &'a str,
    numbering: &mut Numbering,
) -> Cow<'a, str> {
    match substitute(known, text) {
        Cow::Borrowed(text) => apply(rules, text, numbering),
        Cow::Owned(known) => Cow::Owned(apply(rules, &known, numbering).into_owned()),
    }
}

/// `{{name}}`, what a cassette recorded before the numbering wrote for every value of rule
/// `name`, when `placeholder` is the rule's first value `{{name:1}}`: bound to the same value,
/// so such a cassette's server text says the first value sent, as it did.
pub(crate) fn legacy_alias(placeholder: &str) -> Option<String> {
    let placeholder = Placeholder::parse(placeholder)?;
    (placeholder.number == Some("1")).then(|| format!("{{{{{}}}}}", placeholder.name))
}

/// Whether `recorded` (client text of a cassette) holds the unnumbered placeholder `{{name}}` of
/// one of `rules`: text recorded before the numbering.
pub(crate) fn is_legacy(rules: &[VolatileRule], recorded: &str) -> bool {
    !rules.is_empty()
        && placeholders(recorded).any(|(at, len)| {
            Placeholder::parse(&recorded[at..at + len]).is_some_and(|p| {
                p.number.is_none() && rules.iter().any(|rule| rule.name() == p.name)
            })
        })
}

/// `text` with each numbered placeholder of `rules` (`{{date:2}}`) written unnumbered
/// (`{{date}}`): how client text compares with text recorded before the numbering.
pub(crate) fn legacy_form<'a>(rules: &[VolatileRule], text: &'a str) -> Cow<'a, str> {
    let mut out = String::new();
    let mut copied = 0;
    for (at, len) in placeholders(text) {
        let Some(Placeholder {
            name,
            number: Some(_),
        }) = Placeholder::parse(&text[at..at + len])
        else {
            continue;
        };
        if rules.iter().any(|rule| rule.name() == name) {
            out.push_str(&text[copied..at]);
            out.push_str("{{");
            out.push_str(name);
            out.push_str("}}");
            copied = at + len;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// `text` with each value of `values` ((placeholder, value) pairs) replaced by its placeholder
/// wherever it occurs verbatim outside placeholders, longest value first. Borrowed when none
/// occurs. Values shorter than 2 bytes are left alone (as bound paths are).
pub(crate) fn substitute<'a>(values: &[(String, String)], text: &'a str) -> Cow<'a, str> {
    let mut ordered: Vec<&(String, String)> = values
        .iter()
        .filter(|(_, value)| value.len() >= 2 && text.contains(value.as_str()))
        .collect();
    if ordered.is_empty() {
        return Cow::Borrowed(text);
    }
    ordered.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.1.cmp(&b.1)));
    let mut out = Cow::Borrowed(text);
    for (placeholder, value) in ordered {
        let mut hits: Vec<Range<usize>> = Vec::new();
        for segment in literal_segments(&out) {
            let part = &out[segment.clone()];
            hits.extend(
                part.match_indices(value.as_str())
                    .map(|(at, _)| segment.start + at..segment.start + at + value.len()),
            );
        }
        if hits.is_empty() {
            continue;
        }
        let mut changed = String::with_capacity(out.len());
        let mut copied = 0;
        for hit in hits {
            changed.push_str(&out[copied..hit.start]);
            changed.push_str(placeholder);
            copied = hit.end;
        }
        changed.push_str(&out[copied..]);
        out = Cow::Owned(changed);
    }
    out
}

/// The byte ranges of `text` outside its placeholders.
pub(crate) fn literal_segments(text: &str) -> Vec<Range<usize>> {
    let mut segments = Vec::new();
    let mut at = 0;
    for (start, len) in placeholders(text) {
        if start > at {
            segments.push(at..start);
        }
        at = start + len;
    }
    if at < text.len() {
        segments.push(at..text.len());
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID_A: &str = "0b7e6f1c-1a2b-4c3d-8e9f-001122334455";
    const UUID_B: &str = "9f8e7d6c-5b4a-4321-8fed-ccbbaa998877";

    fn rules() -> Vec<VolatileRule> {
        vec![
            VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap(),
            VolatileRule::new(
                "run_id",
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            )
            .unwrap(),
            VolatileRule::new("number", r"\d+").unwrap(),
        ]
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(p, v)| ((*p).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn each_distinct_value_gets_its_own_number_and_a_value_keeps_it() {
        let mut numbering = Numbering::default();
        let text = format!(
            "On 2025-03-04, run {UUID_A} and run {UUID_B} took 12 steps (see 2025-03-05, \
             run {UUID_A} again, on 2025-03-04)."
        );
        let out = apply(&rules(), &text, &mut numbering);
        assert_eq!(
            out,
            "On {{date:1}}, run {{run_id:1}} and run {{run_id:2}} took {{number:1}} steps \
             (see {{date:2}}, run {{run_id:1}} again, on {{date:1}})."
        );
        assert_eq!(
            numbering.values(),
            pairs(&[
                ("{{date:1}}", "2025-03-04"),
                ("{{date:2}}", "2025-03-05"),
                ("{{run_id:1}}", UUID_A),
                ("{{run_id:2}}", UUID_B),
                ("{{number:1}}", "12"),
            ])
        );
        // A later text numbers on, and a value seen before keeps its placeholder.
        let later = format!("{UUID_B} then 2026-01-01");
        assert_eq!(
            apply(&rules(), &later, &mut numbering),
            "{{run_id:2}} then {{date:3}}"
        );
    }

    #[test]
    fn placeholders_already_in_the_text_are_never_matched_into() {
        let mut numbering = Numbering::default();
        let text = "{{thread:12}} in {{workspace}}/7 and {{lbrace}}x}} {{redacted}} 9";
        let out = apply(&rules(), text, &mut numbering);
        assert_eq!(
            out,
            "{{thread:12}} in {{workspace}}/{{number:1}} and {{lbrace}}x}} {{redacted}} {{number:2}}"
        );
        assert!(matches!(
            apply(&rules(), "no values here", &mut numbering),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn client_text_replaces_the_values_of_earlier_messages_before_the_rules_match() {
        let mut numbering = Numbering::default();
        let first = apply(&rules(), &format!("run {UUID_A}"), &mut numbering).into_owned();
        assert_eq!(first, "run {{run_id:1}}");
        let known = numbering.values().to_vec();
        // Glued to a letter the pattern would still match, but as a known value it is bound.
        let text = format!("x{UUID_A}y and {UUID_B}");
        let out = client_text(&rules(), &known, &text, &mut numbering);
        assert_eq!(out, "x{{run_id:1}}y and {{run_id:2}}");
    }

    #[test]
    fn a_recorded_value_is_replaced_verbatim_outside_placeholders() {
        let values = pairs(&[("{{date:1}}", "2025-03-04"), ("{{date:2}}", "2025-03-05")]);
        assert_eq!(
            substitute(
                &values,
                "Today is 2025-03-04; {{date:1}} again; 2025-03-05 next."
            ),
            "Today is {{date:1}}; {{date:1}} again; {{date:2}} next."
        );
        assert!(matches!(substitute(&values, "Tomorrow."), Cow::Borrowed(_)));
        let short = pairs(&[("{{number:1}}", "1")]);
        assert_eq!(substitute(&short, "{{thread:1}} 1"), "{{thread:1}} 1");
    }

    #[test]
    fn text_recorded_before_the_numbering_compares_with_the_numbers_dropped() {
        let rules = rules();
        assert!(is_legacy(&rules, "from {{date}} to {{date}}"));
        assert!(!is_legacy(
            &rules,
            "from {{date:1}} in {{workspace}} {{thread:1}}"
        ));
        assert!(!is_legacy(&[], "from {{date}}"));
        assert_eq!(
            legacy_form(
                &rules,
                "from {{date:1}} to {{date:2}} on {{thread:2}} {{lbrace}}date:3}}"
            ),
            "from {{date}} to {{date}} on {{thread:2}} {{lbrace}}date:3}}"
        );
        assert!(matches!(
            legacy_form(&rules, "{{thread:1}}"),
            Cow::Borrowed(_)
        ));
        assert_eq!(legacy_alias("{{date:1}}").as_deref(), Some("{{date}}"));
        assert_eq!(legacy_alias("{{date:2}}"), None);
    }
}
