//! Volatile values and a project's secret patterns through the exec recorder and replayer: a
//! command-line prompt with a date is recorded as `{{date}}`, a run with another date matches
//! it and prints the new date where the recorded output repeated the old one.

use std::path::Path;

use crate::cassette::exec::call::ExecArg;
use crate::cassette::exec::recorder::{ExecCapture, record_run};
use crate::cassette::exec::replayer::{ExecReplay, ExecRequest, bindings, fill_line};
use crate::cassette::{RecordOptions, RedactRule, VolatileRule};

fn acme_key() -> String {
    format!("acme_{}", "Q7x".repeat(11).get(..32).unwrap_or_default())
}

fn prompt(date: &str) -> Vec<ExecArg> {
    ["exec", "--json", &format!("Summarise the news of {date}.")]
        .map(|a| ExecArg::Literal(a.to_owned()))
        .to_vec()
}

/// Records one run whose prompt names 2025-03-04 and whose stdin holds a project secret.
fn record(dir: &Path, volatile: Vec<VolatileRule>) -> std::path::PathBuf {
    let path = dir.join("news.jsonl");
    let mut options = RecordOptions::new(&path);
    options.volatile = volatile;
    options.redact = vec![RedactRule::new("acme-key", r"acme_[A-Za-z0-9]{32}").unwrap()];
    let capture = ExecCapture {
        args: prompt("2025-03-04"),
        resume: false,
        stdin: format!("key {}", acme_key()),
        output_schema: None,
        workspace: dir.to_owned(),
        stdout: vec![
            r#"{"type":"item.completed","item":{"type":"agent_message","text":"News of 2025-03-04: none."}}"#.to_owned(),
        ],
        stderr_tail: Vec::new(),
        code: Some(0),
        status: "exit status: 0".to_owned(),
        effects: Vec::new(),
        last_message: Some("News of 2025-03-04: none.".to_owned()),
        codex_version: "0.171.0".to_owned(),
        seen: crate::cassette::SeenFiles::now(&path),
    };
    record_run(&options, &capture, false).unwrap();
    path
}

#[test]
fn a_dated_command_line_replays_with_another_date_and_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = vec![VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap()];
    let path = record(dir.path(), rules);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("Summarise the news of {{date}}."), "{text}");
    assert!(text.contains("News of {{date}}: none."), "{text}");
    assert!(
        !text.contains("2025-03-04") && !text.contains(&acme_key()),
        "{text}"
    );
    assert!(text.contains(r#""stdin":"key {{redacted}}""#), "{text}");
    let header = text.lines().next().unwrap();
    assert!(header.contains(r#""volatile":[{"name":"date""#), "{header}");
    assert!(header.contains(r#""acme-key"]"#), "{header}");

    let redact = [RedactRule::new("acme-key", r"acme_[A-Za-z0-9]{32}").unwrap()];
    let replay = ExecReplay::load(&path, "re-record")
        .unwrap()
        .with_redact(&redact);
    let args = prompt("2031-12-30");
    let stdin = format!("key {}", acme_key());
    let request = ExecRequest {
        args: &args,
        stdin: &stdin,
        output_schema: None,
        workspace: dir.path(),
    };
    let run = replay.find(&request).unwrap();
    let mut bound = bindings(dir.path(), None);
    replay.bind_volatile(&request, &mut bound);
    let printed = fill_line(&run.stdout[0], &mut bound);
    assert!(printed.contains("News of 2031-12-30: none."), "{printed}");
}

#[test]
fn without_the_rule_another_date_diverges_and_the_report_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = record(dir.path(), Vec::new());
    let replay = ExecReplay::load(&path, "re-record").unwrap();
    let args = prompt("2031-12-30");
    let request = ExecRequest {
        args: &args,
        stdin: "key",
        output_schema: None,
        workspace: dir.path(),
    };
    let divergence = replay.find(&request).unwrap_err();
    let minus = |t: &str| {
        divergence
            .diff
            .lines()
            .any(|l| l.starts_with('-') && l.contains(t))
    };
    let plus = |t: &str| {
        divergence
            .diff
            .lines()
            .any(|l| l.starts_with('+') && l.contains(t))
    };
    assert!(minus("Summarise the news of 2025-03-04."), "{divergence}");
    assert!(plus("Summarise the news of 2031-12-30."), "{divergence}");
}
