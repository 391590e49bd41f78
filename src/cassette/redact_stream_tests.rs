use super::*;
use serde_json::json;

fn key() -> String {
    format!("sk-ant-api03-{}", "Zq7_".repeat(12))
}

fn deltas(text: &str, size: usize) -> Vec<Entry> {
    text.as_bytes()
        .chunks(size)
        .map(|c| Entry::S2c {
            conv: "c1".into(),
            turn: Some(0),
            msg: json!({"method": "item/agentMessage/delta",
                "params": {"delta": String::from_utf8_lossy(c), "itemId": "{{item:1}}"}}),
        })
        .collect()
}

fn texts(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| match e {
            Entry::S2c { msg, .. } => msg["params"]["delta"].as_str().unwrap().to_owned(),
            _ => String::new(),
        })
        .collect()
}

#[test]
fn a_key_split_across_deltas_is_cut_from_every_chunk_and_the_joined_text_reads_redacted() {
    let text = format!("Here: {} done.", key());
    let mut entries = deltas(&text, 10);
    Redactor::new(None).entries(&mut entries);
    let chunks = texts(&entries);
    assert_eq!(chunks.concat(), "Here: {{redacted}} done.");
    for chunk in &chunks {
        for window in key().as_bytes().windows(FRAGMENT) {
            assert!(
                !chunk.as_bytes().windows(FRAGMENT).any(|w| w == window),
                "{chunk}"
            );
        }
    }
}

#[test]
fn deltas_of_different_items_are_different_streams() {
    let mut entries = deltas("sk-ant-api03-", 20);
    let mut other = deltas(&"Zq7_".repeat(12), 100);
    if let Entry::S2c { msg, .. } = &mut other[0] {
        msg["params"]["itemId"] = json!("{{item:2}}");
    }
    entries.extend(other);
    Redactor::new(None).entries(&mut entries);
    assert_eq!(
        texts(&entries).concat(),
        format!("sk-ant-api03-{}", "Zq7_".repeat(12))
    );
}

#[test]
fn the_home_directory_split_across_stderr_lines_is_replaced_too() {
    let mut entries = vec![Entry::Exit {
        status: "exit status: 1".into(),
        stderr_tail: vec![
            "-----BEGIN EC PRIVATE KEY-----".into(),
            "MHcCAQEEIIm0Ai".into(),
            "-----END EC PRIVATE KEY-----".into(),
            "in /home/ann".into(),
        ],
    }];
    Redactor::new(Some("/home/ann")).entries(&mut entries);
    let Entry::Exit { stderr_tail, .. } = &entries[0] else {
        unreachable!()
    };
    assert_eq!(stderr_tail, &["{{redacted}}", "", "", "in {{home}}"]);
}

#[test]
fn a_fragment_of_a_secret_found_elsewhere_is_stripped() {
    let mut redactor = Redactor::new(None);
    let mut whole = format!("key={}", key());
    redactor.whole(None, &mut whole, true);
    assert_eq!(whole, "key={{redacted}}");
    let mut entries = vec![Entry::Effects {
        conv: "c1".into(),
        turn: 0,
        effects: vec![Effect::Write {
            path: "half.txt".into(),
            text: format!("started: {}", &key()[..20]),
        }],
    }];
    redactor.strip_entries(&mut entries);
    let Entry::Effects { effects, .. } = &entries[0] else {
        unreachable!()
    };
    assert_eq!(
        effects[0],
        Effect::Write {
            path: "half.txt".into(),
            text: "started: {{redacted}}".into()
        }
    );
}

#[test]
fn a_header_is_redacted_like_any_other_data() {
    let header = json!({"record_command": format!("prompt-diary record --prompt \"use {}\"", key()), "redactions": ["openai-api-key"]});
    let out = Redactor::new(None).header(&header);
    assert_eq!(
        out,
        json!({"record_command": "prompt-diary record --prompt \"use {{redacted}}\"", "redactions": ["openai-api-key"]})
    );
}

#[test]
fn an_exec_run_redacts_a_key_block_its_text_lines_split_and_its_header_prompt() {
    use crate::cassette::exec::format::{ExecCall, ExecExit};
    let body = "MIIEowIBAAKCAQEA".repeat(4);
    let mut run = ExecInvocation {
        line: 0,
        call: ExecCall {
            args: vec!["exec".into(), "-".into()],
            stdin: format!("use {}", key()),
            output_schema: None,
        },
        stdout: vec![
            StdoutLine::Text("cat id_rsa".into()),
            StdoutLine::Text("-----BEGIN RSA PRIVATE KEY-----".into()),
            StdoutLine::Text(body.clone()),
            StdoutLine::Text("-----END RSA PRIVATE KEY-----".into()),
            StdoutLine::Json(
                json!({"type": "item.completed", "item": {"text": format!("partial {}", &body[..24])}}),
            ),
        ],
        effects: Vec::new(),
        last_message: None,
        exit: ExecExit {
            code: Some(0),
            status: "exit status: 0".into(),
            stderr_tail: Vec::new(),
        },
    };
    let mut redactor = Redactor::new(None);
    redactor.invocation(&mut run);
    redactor.strip_runs(std::slice::from_mut(&mut run));
    assert_eq!(run.call.stdin, "use {{redacted}}");
    assert_eq!(
        run.stdout[..4],
        [
            StdoutLine::Text("cat id_rsa".into()),
            StdoutLine::Text("{{redacted}}".into()),
            StdoutLine::Text(String::new()),
            StdoutLine::Text(String::new()),
        ]
    );
    assert_eq!(
        run.stdout[4],
        StdoutLine::Json(
            json!({"type": "item.completed", "item": {"text": "partial {{redacted}}"}})
        )
    );
}

#[test]
fn a_project_pattern_touches_session_text_only() {
    use crate::cassette::RedactRule;
    use crate::cassette::exec::format::{ExecCall, ExecExit};
    let rules = [
        RedactRule::new("word", "exec").unwrap(),
        RedactRule::new("day", r"\d{4}-\d{2}-\d{2}").unwrap(),
        RedactRule::new("version", r"\d+\.\d+\.\d+").unwrap(),
    ];
    let mut redactor = Redactor::new(None);
    redactor.extra = &rules;
    let mut run = ExecInvocation {
        line: 0,
        call: ExecCall {
            args: vec!["exec".into(), "--json".into(), "exec on 2026-11-30".into()],
            stdin: "exec 1.2.3".into(),
            output_schema: None,
        },
        stdout: vec![StdoutLine::Json(
            json!({"type": "item.completed", "item": {"type": "agent_message", "text": "exec done"}}),
        )],
        effects: Vec::new(),
        last_message: None,
        exit: ExecExit {
            code: Some(0),
            status: "exit status: 0".into(),
            stderr_tail: Vec::new(),
        },
    };
    redactor.invocation(&mut run);
    redactor.strip_runs(std::slice::from_mut(&mut run));
    assert_eq!(
        run.call.args,
        ["exec", "--json", "{{redacted}} on {{redacted}}"]
    );
    assert_eq!(run.call.stdin, "{{redacted}} {{redacted}}");
    assert_eq!(
        run.stdout[0],
        StdoutLine::Json(
            json!({"type": "item.completed", "item": {"type": "agent_message", "text": "{{redacted}} done"}})
        )
    );
    let header = json!({"kind": "exec", "codex_version": "0.171.0", "recorded_at": "2026-11-30",
        "record_command": "prompt-diary record --prompt \"exec on 2026-11-30\""});
    assert_eq!(
        redactor.header(&header),
        json!({"kind": "exec", "codex_version": "0.171.0", "recorded_at": "2026-11-30",
            "record_command": "prompt-diary record --prompt \"{{redacted}} on {{redacted}}\""})
    );
    let text = format!("{}\n", serde_json::to_string(&header).unwrap());
    let text = text.replace(
        "\"prompt-diary record --prompt \\\"exec on 2026-11-30\\\"\"",
        "\"r\"",
    );
    assert_eq!(
        crate::cassette::normalize::secret_scan::scan(&text, &rules),
        Vec::new(),
        "{text}"
    );
}
