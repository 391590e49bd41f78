//! A project's volatile values (`[[volatile]]` rules: a name and a pattern) in cassette text.
//!
//! Recording: every match of a rule's pattern in what the client sends becomes `{{name}}`
//! ([`apply`]; the rules are tried in order, so the first whose pattern matches a stretch of
//! text wins it), and the first value each rule matched in a conversation is replaced wherever it
//! occurs verbatim in that conversation's server text and files ([`substitute`]), as the
//! workspace path is.
//!
//! Replay: the client's text goes through [`apply`] too, so a recorded `{{date}}` matches any
//! text the rule's pattern matches at that place; the first value sent for each name is bound
//! (`Bindings::bind_volatile`), and server text recorded with `{{date}}` says that value. A
//! second, different value for the same name matches as well but binds nothing: server text
//! that repeated it was recorded verbatim and replays as recorded.
//!
//! Only literal text is touched: placeholders already in a string (`{{workspace}}`,
//! `{{thread:1}}`, the `{{lbrace}}` escape, `{{redacted}}`) are never matched into.

use std::borrow::Cow;
use std::ops::Range;

use super::placeholder::placeholders;
use super::rules::VolatileRule;

/// `text` with every match of `rules` outside placeholders replaced by the rule's placeholder;
/// each (placeholder, value) replaced is pushed onto `found`, in order. Borrowed when nothing
/// matched. Empty matches are ignored.
pub(crate) fn apply<'a>(
    rules: &[VolatileRule],
    text: &'a str,
    found: &mut Vec<(String, String)>,
) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for rule in rules {
        if let Some(changed) = apply_one(rule, &out, found) {
            out = Cow::Owned(changed);
        }
    }
    out
}

fn apply_one(rule: &VolatileRule, text: &str, found: &mut Vec<(String, String)>) -> Option<String> {
    let placeholder = rule.placeholder();
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
        out.push_str(&placeholder);
        found.push((placeholder.clone(), text[hit.clone()].to_owned()));
        copied = hit.end;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The first value of each placeholder in `found`, in order of first sight: what a
/// conversation's server text is rebound with.
pub(crate) fn first_values(found: &[(String, String)]) -> Vec<(String, String)> {
    let mut firsts: Vec<(String, String)> = Vec::new();
    for (placeholder, value) in found {
        if !firsts.iter().any(|(p, _)| p == placeholder) {
            firsts.push((placeholder.clone(), value.clone()));
        }
    }
    firsts
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

    #[test]
    fn matches_become_placeholders_and_the_first_rule_that_matches_wins() {
        let mut found = Vec::new();
        let text = "On 2025-03-04, run 0b7e6f1c-1a2b-4c3d-8e9f-001122334455 took 12 steps \
                    (see 2025-03-05).";
        let out = apply(&rules(), text, &mut found);
        assert_eq!(
            out,
            "On {{date}}, run {{run_id}} took {{number}} steps (see {{date}})."
        );
        assert_eq!(
            found,
            [
                ("{{date}}", "2025-03-04"),
                ("{{date}}", "2025-03-05"),
                ("{{run_id}}", "0b7e6f1c-1a2b-4c3d-8e9f-001122334455"),
                ("{{number}}", "12"),
            ]
            .map(|(p, v)| (p.to_owned(), v.to_owned()))
        );
        assert_eq!(
            first_values(&found)[0],
            ("{{date}}".to_owned(), "2025-03-04".to_owned())
        );
    }

    #[test]
    fn placeholders_already_in_the_text_are_never_matched_into() {
        let mut found = Vec::new();
        let text = "{{thread:12}} in {{workspace}}/7 and {{lbrace}}x}} {{redacted}} 9";
        let out = apply(&rules(), text, &mut found);
        assert_eq!(
            out,
            "{{thread:12}} in {{workspace}}/{{number}} and {{lbrace}}x}} {{redacted}} {{number}}"
        );
        assert!(matches!(
            apply(&rules(), "no values here", &mut found),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_recorded_value_is_replaced_verbatim_outside_placeholders() {
        let values = [("{{date}}".to_owned(), "2025-03-04".to_owned())];
        assert_eq!(
            substitute(&values, "Today is 2025-03-04; {{date}} again; 2025-03-04."),
            "Today is {{date}}; {{date}} again; {{date}}."
        );
        assert!(matches!(substitute(&values, "Tomorrow."), Cow::Borrowed(_)));
        let short = [("{{number}}".to_owned(), "1".to_owned())];
        assert_eq!(substitute(&short, "{{thread:1}} 1"), "{{thread:1}} 1");
    }
}
