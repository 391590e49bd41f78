//! Tests of [`Bindings`]: filling, unfilling, escapes, and volatile values bound one each.

use super::*;
use crate::cassette::normalize::placeholder::WORKSPACE;
use serde_json::json;

#[test]
fn fill_binds_fresh_values_consistently_and_unfill_reverses_them() {
    let mut bindings = Bindings::default();
    bindings.bind(WORKSPACE, "/replay/ws");
    let mut counter = 0;
    let mut fresh = |placeholder: &str| {
        counter += 1;
        format!(
            "fresh-{}-{counter}",
            placeholder
                .trim_matches(|c| c == '{' || c == '}')
                .replace(':', "-")
        )
    };
    let mut value = json!({"a": "{{thread:1}}", "b": "{{thread:1}} in {{workspace}}/x", "t": "{{duration_ms}}"});
    bindings.fill(&mut value, &mut fresh);
    assert_eq!(
        value,
        json!({"a": "fresh-thread-1-1", "b": "fresh-thread-1-1 in /replay/ws/x", "t": 0})
    );
    let mut sent = json!({"threadId": "fresh-thread-1-1", "cwd": "/replay/ws/sub"});
    bindings.unfill(&mut sent);
    assert_eq!(
        sent,
        json!({"threadId": "{{thread:1}}", "cwd": "{{workspace}}/sub"})
    );
}

#[test]
fn escaped_literals_fill_back_to_the_original_text() {
    let mut bindings = Bindings::default();
    bindings.bind("{{name}}", "bound");
    let mut fresh = |p: &str| format!("fresh{p}");
    for text in [
        "{{name}}",
        "{{{{x}}",
        "{{lbrace}}",
        "a {{ b }} {{}} }}{{",
        "no braces",
        "{{{{{{time_ms}}}}}}",
    ] {
        let escaped = escape_literals(text);
        assert_eq!(bindings.fill_text(&escaped, &mut fresh), text, "{escaped}");
    }
}

#[test]
fn resolving_says_recorded_text_again_and_binds_nothing() {
    let mut bindings = Bindings::default();
    bindings.bind(WORKSPACE, "/new/ws");
    let said =
        bindings.resolve_text("cat {{workspace}}/{{lbrace}}name}}.md {{thread:1}} {{time_ms}}");
    assert_eq!(said, "cat /new/ws/{{name}}.md {{thread:1}} {{time_ms}}");
    assert_eq!(bindings.get("{{thread:1}}"), None);
    let mut value = json!({"args": ["{{lbrace}}x}}", "{{workspace}}"], "n": 1});
    bindings.resolve(&mut value);
    assert_eq!(value, json!({"args": ["{{x}}", "/new/ws"], "n": 1}));
}

#[test]
fn unfills_to_agrees_with_unfilling_a_copy() {
    let mut bindings = Bindings::default();
    bindings.bind(WORKSPACE, "/replay/ws");
    bindings.bind("{{thread:1}}", "t-1");
    let recorded =
        json!({"threadId": "{{thread:1}}", "cwd": "{{workspace}}/a", "n": [1, "{{lbrace}}x}}"]});
    let sent = [
        json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [1, "{{x}}"]}),
        json!({"threadId": "t-2", "cwd": "/replay/ws/a", "n": [1, "{{x}}"]}),
        json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [1, "{{x}}"], "extra": 1}),
        json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [2, "{{x}}"]}),
        json!({"threadId": "t-1", "cwd": "/elsewhere/a", "n": [1, "{{x}}"]}),
        json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [1, "{{y}}"]}),
    ];
    let verdicts: Vec<bool> = sent
        .iter()
        .map(|s| bindings.unfills_to(s, &recorded))
        .collect();
    for (s, verdict) in sent.iter().zip(&verdicts) {
        let mut copy = s.clone();
        bindings.unfill(&mut copy);
        assert_eq!(copy == recorded, *verdict, "{s}");
    }
    assert_eq!(verdicts, [true, false, false, false, false, false]);
}

const UUID: &str = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const A: &str = "0b7e6f1c-1a2b-4c3d-8e9f-001122334455";
const B: &str = "9f8e7d6c-5b4a-4321-8fed-ccbbaa998877";
const C: &str = "11111111-2222-4333-8444-555555555555";
const D: &str = "66666666-7777-4888-8999-aaaaaaaaaaaa";

fn volatile_bindings() -> Bindings {
    let rules = Rules::new(
        &[
            crate::cassette::VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap(),
            crate::cassette::VolatileRule::new("run_id", UUID).unwrap(),
        ],
        &[crate::cassette::RedactRule::new("acme", r"acme_[A-Za-z0-9]{32}").unwrap()],
    );
    Bindings::with_rules(rules)
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn a_volatile_placeholder_matches_by_pattern_and_binds_the_value_sent() {
    let mut b = volatile_bindings();
    let recorded = json!({"text": "on {{date:1}} with {{redacted}}"});
    let key = format!("acme_{}", "Zq9".repeat(11).get(..32).unwrap());
    let sent = json!({"text": format!("on 2030-01-02 with {key}")});
    assert!(b.unfills_to(&sent, &recorded));
    assert!(!b.unfills_to(&json!({"text": "on 2030-1-2 with {{redacted}}"}), &recorded));
    b.bind_volatile(sent.as_object().unwrap());
    assert_eq!(b.get("{{date:1}}"), Some("2030-01-02"));
    // Another date later is the rule's second value; the first stays bound to the first.
    let later = json!({"text": "2030-09-09 after 2030-01-02"});
    assert!(b.unfills_to(&later, &json!({"text": "{{date:2}} after {{date:1}}"})));
    b.bind_volatile(later.as_object().unwrap());
    assert_eq!(b.get("{{date:1}}"), Some("2030-01-02"));
    assert_eq!(b.get("{{date:2}}"), Some("2030-09-09"));
    let said = b.fill_text(
        "Noted: {{date:1}}, then {{date:2}}.",
        &mut |_| unreachable!(),
    );
    assert_eq!(said, "Noted: 2030-01-02, then 2030-09-09.");
}

#[test]
fn two_values_of_one_rule_rebind_independently_and_a_request_id_is_never_one() {
    let mut b = volatile_bindings();
    b.bind("{{thread:1}}", C);
    let recorded = object(
        json!({"id": "{{req:2}}", "method": "turn/start", "params": {
            "threadId": "{{thread:1}}",
            "input": [{"type": "text", "text": "Runs {{run_id:1}} and {{run_id:2}}, {{run_id:1}} first."}]
        }}),
    );
    // A client whose request ids are UUIDs too (the Python SDK's are).
    let sent = object(json!({"id": D, "method": "turn/start", "params": {
        "threadId": C,
        "input": [{"type": "text", "text": format!("Runs {B} and {A}, {B} first.")}]
    }}));
    assert!(b.message_unfills_to(&sent, &recorded));
    let swapped = object(json!({"id": D, "method": "turn/start", "params": {
        "threadId": C,
        "input": [{"type": "text", "text": format!("Runs {B} and {A}, {A} first.")}]
    }}));
    assert!(
        !b.message_unfills_to(&swapped, &recorded),
        "the same value twice was recorded"
    );
    let mut body = Value::Object(sent.clone());
    b.unfill_message(&mut body, &Value::Object(recorded.clone()));
    assert_eq!(body["params"], recorded["params"]);
    assert_eq!(body["id"], D, "the request id is left alone");

    b.bind_volatile(&sent);
    assert_eq!(b.get("{{run_id:1}}"), Some(B));
    assert_eq!(b.get("{{run_id:2}}"), Some(A));
    assert_eq!(
        b.get("{{thread:1}}"),
        Some(C),
        "our own placeholder is never rebound"
    );
    let said = b.fill_text("Echo: {{run_id:2}} then {{run_id:1}}.", &mut |p| {
        panic!("{p} is unbound")
    });
    assert_eq!(said, format!("Echo: {A} then {B}."));
}

#[test]
fn text_recorded_before_the_numbering_matches_and_its_placeholder_says_the_first_value() {
    let mut b = volatile_bindings();
    let recorded =
        object(json!({"method": "x/echo", "params": {"text": "from {{date}} to {{date}}"}}));
    let sent = object(
        json!({"id": 7, "method": "x/echo", "params": {"text": "from 2030-05-05 to 2030-05-06"}}),
    );
    assert!(b.message_unfills_to(&sent, &recorded));
    let mut body = Value::Object(sent.clone());
    b.unfill_message(&mut body, &Value::Object(recorded.clone()));
    assert_eq!(body["params"], recorded["params"]);
    b.bind_volatile(&sent);
    let said = b.fill_text("{{date}} until 2025-01-02", &mut |p| {
        panic!("{p} is unbound")
    });
    assert_eq!(said, "2030-05-05 until 2025-01-02");
}

#[test]
fn a_secret_the_client_sends_matches_its_redacted_recording_and_replays_as_the_placeholder() {
    let mut b = Bindings::default();
    let key = format!("sk-ant-api03-{}", "Qx7_".repeat(10));
    let recorded = json!({"text": "use {{redacted}} now"});
    assert!(b.unfills_to(&json!({"text": format!("use {key} now")}), &recorded));
    assert!(b.unfills_to(&json!({"text": "use {{redacted}} now"}), &recorded));
    let filled = b.fill_text("use {{redacted}} now", &mut |_| unreachable!());
    assert_eq!(filled, "use {{redacted}} now");
}

#[test]
fn a_rule_matching_the_method_binds_only_what_the_params_sent() {
    let rules = Rules::new(
        &[crate::cassette::VolatileRule::new("word", "start|later").unwrap()],
        &[],
    );
    let mut b = Bindings::with_rules(rules);
    let recorded =
        object(json!({"id": 1, "method": "turn/start", "params": {"text": "{{word:1}}"}}));
    let sent = object(json!({"id": 1, "method": "turn/start", "params": {"text": "later"}}));
    assert!(b.message_unfills_to(&sent, &recorded));
    let other = object(json!({"id": 1, "method": "turn/steer", "params": {"text": "later"}}));
    assert!(
        !b.message_unfills_to(&other, &recorded),
        "the method is compared as it is"
    );
    let mut body = Value::Object(sent.clone());
    b.unfill_message(&mut body, &Value::Object(recorded.clone()));
    assert_eq!(body, Value::Object(recorded));
    b.bind_volatile(&sent);
    assert_eq!(
        b.get("{{word:1}}"),
        Some("later"),
        "not the method's `start`"
    );
    assert_eq!(b.get("{{word:2}}"), None);
}
