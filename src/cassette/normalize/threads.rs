//! Threads named across conversations: `{{conv_thread:N}}`.
//!
//! Ids are numbered per conversation ([`Scope`](super::Scope)), so a message that names the
//! thread of another conversation (a `thread/loaded/list` answer, which belongs to no
//! conversation, lists them all) has no placeholder of its own for it. The recorder writes such
//! an id as `{{conv_thread:N}}`, the thread of conversation `cN`; the replayer fills it with the
//! thread bound to `cN` in this replay, or, while `cN` has none (not started yet, or released),
//! with a fresh id of its own that no client thread has.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use super::placeholder::{CONV_THREAD, Placeholder, placeholders};

/// What every `{{conv_thread:N}}` starts with: a message without it has nothing to fill.
pub(crate) const CONV_THREAD_OPEN: &str = "{{conv_thread:";

/// `{{conv_thread:number}}`.
pub(crate) fn conv_thread(number: usize) -> String {
    format!("{{{{{CONV_THREAD}:{number}}}}}")
}

/// The conversation number a `{{conv_thread:N}}` placeholder names.
pub(crate) fn conv_thread_number(placeholder: &str) -> Option<usize> {
    let parsed = Placeholder::parse(placeholder)?;
    (parsed.name == CONV_THREAD).then(|| parsed.number?.parse().ok())?
}

/// Recording: every thread id of `threads` (id → conversation number) left in `value`'s strings,
/// whole or inside longer text (ids of 8 characters or more), becomes `{{conv_thread:N}}`. Run
/// on normalised messages, whose own ids are placeholders already.
pub(crate) fn name_threads(value: &mut Value, threads: &HashMap<String, usize>) {
    match value {
        Value::String(text) => {
            if let Cow::Owned(named) = name_in(text, threads) {
                *text = named;
            }
        }
        Value::Object(map) => map.values_mut().for_each(|v| name_threads(v, threads)),
        Value::Array(items) => items.iter_mut().for_each(|v| name_threads(v, threads)),
        _ => {}
    }
}

fn name_in<'a>(text: &'a str, threads: &HashMap<String, usize>) -> Cow<'a, str> {
    if let Some(number) = threads.get(text) {
        return Cow::Owned(conv_thread(*number));
    }
    let mut present: Vec<(&String, &usize)> = threads
        .iter()
        .filter(|(id, _)| id.len() >= 8 && text.contains(id.as_str()))
        .collect();
    if present.is_empty() {
        return Cow::Borrowed(text);
    }
    present.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(b.0)));
    let mut out = text.to_owned();
    for (id, number) in present {
        out = out.replace(id.as_str(), &conv_thread(*number));
    }
    Cow::Owned(out)
}

/// Replay: every `{{conv_thread:N}}` in `value`'s strings becomes `thread(N)`; other
/// placeholders are left for the conversation's own bindings.
pub(crate) fn fill_threads(value: &mut Value, thread: &mut dyn FnMut(usize) -> String) {
    match value {
        Value::String(text) => {
            if !text.contains(CONV_THREAD_OPEN) {
                return;
            }
            let mut out = String::with_capacity(text.len() + 40);
            let mut copied = 0;
            for (at, len) in placeholders(text) {
                if let Some(number) = conv_thread_number(&text[at..at + len]) {
                    out.push_str(&text[copied..at]);
                    out.push_str(&thread(number));
                    copied = at + len;
                }
            }
            out.push_str(&text[copied..]);
            *text = out;
        }
        Value::Object(map) => map.values_mut().for_each(|v| fill_threads(v, thread)),
        Value::Array(items) => items.iter_mut().for_each(|v| fill_threads(v, thread)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn known_threads_are_named_by_their_conversation_whole_or_inside_text() {
        let threads = HashMap::from([
            ("019a-aaaa-thread".to_owned(), 2),
            ("019b-bbbb-thread".to_owned(), 1),
        ]);
        let mut answer = json!({"id": "{{req:3}}", "result": {
            "data": ["019b-bbbb-thread", "019a-aaaa-thread", "019c-unknown"],
            "note": "see /sessions/rollout-019a-aaaa-thread.jsonl",
            "nextCursor": null
        }});
        name_threads(&mut answer, &threads);
        assert_eq!(
            answer,
            json!({"id": "{{req:3}}", "result": {
                "data": ["{{conv_thread:1}}", "{{conv_thread:2}}", "019c-unknown"],
                "note": "see /sessions/rollout-{{conv_thread:2}}.jsonl",
                "nextCursor": null
            }})
        );
    }

    #[test]
    fn filling_replaces_only_conv_thread_placeholders() {
        let mut answer = json!({"result": {
            "data": ["{{conv_thread:1}}", "{{conv_thread:12}}"],
            "other": "{{thread:1}} {{lbrace}}conv_thread:1}} {{conv_thread:1}}!"
        }});
        let mut asked = Vec::new();
        fill_threads(&mut answer, &mut |n| {
            asked.push(n);
            format!("T{n}")
        });
        assert_eq!(
            answer,
            json!({"result": {
                "data": ["T1", "T12"],
                "other": "{{thread:1}} {{lbrace}}conv_thread:1}} T1!"
            }})
        );
        assert_eq!(asked, [1, 12, 1]);
        assert_eq!(conv_thread_number("{{conv_thread:7}}"), Some(7));
        assert_eq!(conv_thread_number("{{thread:7}}"), None);
        assert_eq!(conv_thread(3), "{{conv_thread:3}}");
    }
}
