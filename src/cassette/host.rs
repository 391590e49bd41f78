//! Host content is not session content: the one place that decides which parts of a recording
//! the machine contributed (its environment) rather than the session (what the client asked and
//! the agent did).
//!
//! Environment stays in the cassette for people to read, but is never compared: the drift check,
//! `rerecord`, `upgrade-codex`, `record` and `review` leave it out of what decides "unchanged"
//! (both kinds' `comparable_text` ask this module), and `review` lists it apart. Replay never
//! compares server lines, so environment cannot diverge one.
//!
//! The classification goes by kind of message, never by its words, so the next warning Codex
//! adds about a host is classified as the ones before it:
//! - app-server notifications whose method reports on the host ([`ENVIRONMENT_METHODS`]):
//!   `configWarning` (Codex's own configuration and the machine it found, such as "could not
//!   find bubblewrap on PATH"), `deprecationNotice` (settings Codex read from its configuration
//!   layers), `remoteControl/status/changed` (this installation's remote-control state, with the
//!   host's name), and the Windows sandbox's `windows/worldWritableWarning` and
//!   `windowsSandbox/setupCompleted`;
//! - the host fields of the `initialize` answer ([`HOST_INITIALIZE_FIELDS`]: `platformFamily`,
//!   `platformOs`; `codexHome` and `userAgent` are placeholders already);
//! - the process's stderr tail, in both kinds (the app-server `exit` line, each exec run's
//!   `exit` line): log lines about where `CODEX_HOME` or helper binaries live ("could not create
//!   PATH aliases"), the bubblewrap fallback, and whatever else Codex logs.
//!
//! Codex 0.171.0's `codex exec --json` prints no host warning on stdout (a missing bubblewrap is
//! silent there, and the PATH-alias warning goes to stderr), so no exec event type is
//! environment; its `error` items (such as "Model metadata for `...` not found") are about the
//! model, and count.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::Value;

use crate::cassette::app_server::format::Entry;

/// The server notifications (JSON-RPC methods) that report on the host, not the session.
pub(crate) const ENVIRONMENT_METHODS: &[&str] = &[
    "configWarning",
    "deprecationNotice",
    "remoteControl/status/changed",
    "windows/worldWritableWarning",
    "windowsSandbox/setupCompleted",
];

/// The fields of the `initialize` answer's `result` that describe the host.
pub(crate) const HOST_INITIALIZE_FIELDS: &[&str] = &["platformFamily", "platformOs"];

/// Whether server message `msg` is environment as a whole: a notification (no `id`) of one of
/// the [`ENVIRONMENT_METHODS`].
pub(crate) fn is_environment_notification(msg: &Value) -> bool {
    msg.get("id").is_none()
        && msg
            .get("method")
            .and_then(Value::as_str)
            .is_some_and(|method| ENVIRONMENT_METHODS.contains(&method))
}

/// Reads an app-server session's message lines in order and splits each into its session part
/// and its environment: it remembers the client's `initialize` requests, so their answers' host
/// fields are known by what they answer, not by their shape.
#[derive(Debug, Default)]
pub(crate) struct HostSplit {
    /// `(conversation, request id)` of every `initialize` the client sent.
    initialize: HashSet<(String, String)>,
}

impl HostSplit {
    /// The session part of one message line: `None` when the message is environment as a
    /// whole; otherwise the message, without its host fields when it has any.
    pub(crate) fn session_part<'a>(
        &mut self,
        conv: &str,
        c2s: bool,
        msg: &'a Value,
    ) -> Option<Cow<'a, Value>> {
        if c2s {
            if msg.get("method").and_then(Value::as_str) == Some("initialize") {
                if let Some(id) = msg.get("id") {
                    self.initialize.insert((conv.to_owned(), id.to_string()));
                }
            }
            return Some(Cow::Borrowed(msg));
        }
        if is_environment_notification(msg) {
            return None;
        }
        if !self.answers_initialize(conv, msg) {
            return Some(Cow::Borrowed(msg));
        }
        let mut owned = msg.clone();
        if let Some(result) = owned.get_mut("result").and_then(Value::as_object_mut) {
            for field in HOST_INITIALIZE_FIELDS {
                result.remove(*field);
            }
        }
        Some(Cow::Owned(owned))
    }

    /// The environment one message line carries, one readable line each (empty for a session
    /// message without host fields). Call it on every line, in order, as
    /// [`HostSplit::session_part`].
    #[cfg(feature = "rerecord")]
    pub(crate) fn environment_of(&mut self, conv: &str, c2s: bool, msg: &Value) -> Vec<String> {
        let answers = !c2s && self.answers_initialize(conv, msg);
        let _ = self.session_part(conv, c2s, msg);
        if c2s {
            return Vec::new();
        }
        if is_environment_notification(msg) {
            let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
            return vec![format!("{method}: {}", said(msg.get("params")))];
        }
        if !answers {
            return Vec::new();
        }
        HOST_INITIALIZE_FIELDS
            .iter()
            .filter_map(|field| {
                let value = msg.get("result")?.get(*field)?;
                Some(format!(
                    "{field}: {}",
                    value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned)
                ))
            })
            .collect()
    }

    /// What of `entry` is session content (see `cassette::host`): `None` for an environment
    /// notification; a message without its host fields; an `exit` line without its stderr tail.
    pub(crate) fn entry_session_part<'a>(&mut self, entry: &'a Entry) -> Option<Cow<'a, Entry>> {
        let (conv, turn, msg, c2s) = match entry {
            Entry::C2s { conv, turn, msg } => (conv, turn, msg, true),
            Entry::S2c { conv, turn, msg } => (conv, turn, msg, false),
            Entry::Exit { status, .. } => {
                return Some(Cow::Owned(Entry::Exit {
                    status: status.clone(),
                    stderr_tail: Vec::new(),
                }));
            }
            Entry::Effects { .. } => return Some(Cow::Borrowed(entry)),
        };
        Some(match self.session_part(conv, c2s, msg)? {
            Cow::Borrowed(_) => Cow::Borrowed(entry),
            Cow::Owned(msg) => Cow::Owned(Entry::S2c {
                conv: conv.clone(),
                turn: *turn,
                msg,
            }),
        })
    }

    fn answers_initialize(&self, conv: &str, msg: &Value) -> bool {
        msg.get("method").is_none()
            && msg
                .get("id")
                .is_some_and(|id| self.initialize.contains(&(conv.to_owned(), id.to_string())))
    }
}

/// What an environment notification says: its `summary` (with `details`), else its `message`,
/// else its parameters as JSON.
#[cfg(feature = "rerecord")]
fn said(params: Option<&Value>) -> String {
    let Some(params) = params else {
        return String::new();
    };
    let text = |key: &str| params.get(key).and_then(Value::as_str);
    match (text("summary").or_else(|| text("message")), text("details")) {
        (Some(summary), Some(details)) => format!("{summary} ({details})"),
        (Some(summary), None) => summary.to_owned(),
        _ => params.to_string(),
    }
}

/// One readable line per stderr line, as `review` lists a process's stderr tail.
#[cfg(feature = "rerecord")]
pub(crate) fn stderr_lines<'a>(
    label: &'a str,
    tail: &'a [String],
) -> impl Iterator<Item = String> + 'a {
    tail.iter().map(move |line| format!("{label}: {line}"))
}

/// The environment of two recordings compared, for `review`: nothing when it is the same (as a
/// multiset: order does not count); otherwise a section that says what is here and was not
/// when recorded, and the other way round. The lines are the message's own words; what made
/// them environment is their kind.
#[cfg(feature = "rerecord")]
pub(crate) fn environment_review(committed: &[String], fresh: &[String]) -> String {
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        let mut rest: Vec<&String> = b.iter().collect();
        let mut out = Vec::new();
        for line in a {
            match rest.iter().position(|other| *other == line) {
                Some(at) => {
                    rest.swap_remove(at);
                }
                None => out.push(line.clone()),
            }
        }
        out
    };
    let (here, before) = (only(fresh, committed), only(committed, fresh));
    if here.is_empty() && before.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "environment: the host differs from when this was recorded (host messages are kept but \
         never compared):\n",
    );
    for line in &here {
        text.push_str(&format!("  here, not when recorded: {line}\n"));
    }
    for line in &before {
        text.push_str(&format!("  when recorded, not here: {line}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn environment_is_decided_by_method_whatever_the_words() {
        for method in ENVIRONMENT_METHODS {
            let msg = json!({"method": method, "params": {"summary": "anything at all"}});
            assert!(is_environment_notification(&msg), "{method}");
        }
        // A warning Codex might add tomorrow, in a method we classify: still environment.
        let future = json!({"method": "configWarning", "params": {"summary": "Codex could not find landlock"}});
        assert!(is_environment_notification(&future));
        // The same words in a session message are session content.
        let words = json!({"method": "warning", "params": {"message": "Codex could not find bubblewrap on PATH"}});
        assert!(!is_environment_notification(&words));
        let answer = json!({"id": "{{req:1}}", "method": "configWarning", "params": {}});
        assert!(
            !is_environment_notification(&answer),
            "a request is not a notification"
        );
        for session in [
            "item/completed",
            "error",
            "warning",
            "turn/completed",
            "thread/started",
        ] {
            assert!(!is_environment_notification(
                &json!({"method": session, "params": {}})
            ));
        }
    }

    #[test]
    fn the_initialize_answer_loses_its_host_fields_and_nothing_else() {
        let mut split = HostSplit::default();
        let ask = json!({"id": "{{req:1}}", "method": "initialize", "params": {}});
        assert_eq!(
            split.session_part("backend", true, &ask).unwrap().as_ref(),
            &ask
        );
        let answer = json!({"id": "{{req:1}}", "result": {"platformOs": "macos", "platformFamily": "unix", "codexHome": "{{codex_home}}"}});
        let session = split.session_part("backend", false, &answer).unwrap();
        assert_eq!(
            session.as_ref(),
            &json!({"id": "{{req:1}}", "result": {"codexHome": "{{codex_home}}"}})
        );
        // Another answer with the same fields, to another request, is left whole.
        let other = json!({"id": "{{req:2}}", "result": {"platformOs": "macos"}});
        assert_eq!(
            split
                .session_part("backend", false, &other)
                .unwrap()
                .as_ref(),
            &other
        );
        let warning = json!({"method": "configWarning", "params": {"summary": "no bubblewrap", "details": null}});
        assert!(split.session_part("backend", false, &warning).is_none());
    }

    #[test]
    fn environment_lines_read_the_message_and_the_review_says_what_moved() {
        let mut split = HostSplit::default();
        let ask = json!({"id": 1, "method": "initialize", "params": {}});
        assert!(split.environment_of("backend", true, &ask).is_empty());
        let answer = json!({"id": 1, "result": {"platformOs": "linux", "platformFamily": "unix"}});
        assert_eq!(
            split.environment_of("backend", false, &answer),
            ["platformFamily: unix", "platformOs: linux"]
        );
        let warning = json!({"method": "configWarning", "params": {"summary": "Codex could not find bubblewrap on PATH.", "details": null}});
        let line = split.environment_of("backend", false, &warning);
        assert_eq!(
            line,
            ["configWarning: Codex could not find bubblewrap on PATH."]
        );
        let committed = vec!["platformOs: linux".to_owned()];
        let fresh = vec![line[0].clone(), "platformOs: linux".to_owned()];
        assert_eq!(environment_review(&committed, &committed), "");
        let review = environment_review(&committed, &fresh);
        assert!(
            review.starts_with("environment: the host differs"),
            "{review}"
        );
        assert!(
            review.contains("  here, not when recorded: configWarning: Codex could not find bubblewrap on PATH.\n"),
            "{review}"
        );
        let back = environment_review(&fresh, &committed);
        assert!(
            back.contains("  when recorded, not here: configWarning"),
            "{back}"
        );
        let stderr: Vec<String> = stderr_lines("stderr", &["WARNING: x".to_owned()]).collect();
        assert_eq!(stderr, ["stderr: WARNING: x"]);
    }
}
