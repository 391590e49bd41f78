//! Volatile values and a project's secret patterns through the exec recorder and replayer: a
//! command-line prompt with a date is recorded as `{{date:1}}`, a run with another date matches
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
    assert!(text.contains("Summarise the news of {{date:1}}."), "{text}");
    assert!(text.contains("News of {{date:1}}: none."), "{text}");
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
    let mut made = replay.fresh();
    let mut fresh = |p: &str| crate::cassette::normalize::placeholder::fresh_value(p, &mut made);
    let printed = fill_line(&run.stdout[0], &mut bound, &mut fresh);
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

/// The rules of a diary: a date and a UUID run id.
fn diary_rules() -> Vec<VolatileRule> {
    vec![
        VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap(),
        VolatileRule::new(
            "run_id",
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        )
        .unwrap(),
    ]
}

fn run_id(n: u32) -> String {
    format!("{n:08x}-1a2b-4c3d-8e9f-{n:012x}")
}

fn diary_prompt(date: &str, a: &str, b: &str) -> Vec<ExecArg> {
    let prompt = format!("Write the diary entry for {date} (runs {a}, {b}).");
    ["exec", "--json", &prompt]
        .map(|a| ExecArg::Literal(a.to_owned()))
        .to_vec()
}

/// The agent's reply echoing the values, the run ids swapped.
fn diary_reply(date: &str, a: &str, b: &str) -> String {
    format!("Entry for {date}: runs {b} and {a}.")
}

/// Records one exec run of the diary prompt whose output echoes its values; the cassette's path.
fn record_diary(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("diary.jsonl");
    let mut options = RecordOptions::new(&path);
    options.volatile = diary_rules();
    let (a, b) = (run_id(0xa1), run_id(0xb2));
    let reply = diary_reply("2026-12-01", &a, &b);
    let event = serde_json::json!({"type": "item.completed", "item": {"type": "agent_message", "text": reply}});
    let capture = ExecCapture {
        args: diary_prompt("2026-12-01", &a, &b),
        resume: false,
        stdin: String::new(),
        output_schema: None,
        workspace: dir.to_owned(),
        stdout: vec![event.to_string()],
        stderr_tail: Vec::new(),
        code: Some(0),
        status: "exit status: 0".to_owned(),
        effects: Vec::new(),
        last_message: Some(reply),
        codex_version: "0.171.0".to_owned(),
        seen: crate::cassette::SeenFiles::now(&path),
    };
    record_run(&options, &capture, false).unwrap();
    path
}

/// What replaying the cassette at `path` with the diary prompt of (`date`, `a`, `b`) prints.
fn replay_diary(path: &Path, dir: &Path, date: &str, a: &str, b: &str) -> String {
    let replay = ExecReplay::load(path, "re-record").unwrap();
    let args = diary_prompt(date, a, b);
    let request = ExecRequest {
        args: &args,
        stdin: "",
        output_schema: None,
        workspace: dir,
    };
    let run = replay.find(&request).unwrap_or_else(|d| panic!("{d}"));
    let mut bound = bindings(dir, None);
    replay.bind_volatile(&request, &mut bound);
    let mut made = replay.fresh();
    fill_line(&run.stdout[0], &mut bound, &mut |p| {
        crate::cassette::normalize::placeholder::fresh_value(p, &mut made)
    })
}

#[test]
fn two_run_ids_of_one_rule_rebind_independently_in_an_exec_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = record_diary(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("Write the diary entry for {{date:1}} (runs {{run_id:1}}, {{run_id:2}}).")
            && text.contains("Entry for {{date:1}}: runs {{run_id:2}} and {{run_id:1}}."),
        "{text}"
    );
    let (c, d) = (run_id(0xc3), run_id(0xd4));
    let printed = replay_diary(&path, dir.path(), "2027-03-15", &c, &d);
    assert!(
        printed.contains(&diary_reply("2027-03-15", &c, &d)),
        "{printed}"
    );
}

#[test]
fn an_exec_cassette_recorded_before_the_numbering_replays_with_the_first_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = record_diary(dir.path());
    // What the recorder wrote before each value had its own binding: every match unnumbered,
    // and only the first value of each rule rebound in the output (the second kept verbatim).
    let b = run_id(0xb2);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("runs {{run_id:2}} and", &format!("runs {b} and"))
        .replace("{{run_id:1}}", "{{run_id}}")
        .replace("{{run_id:2}}", "{{run_id}}")
        .replace("{{date:1}}", "{{date}}");
    std::fs::write(&path, &text).unwrap();
    assert!(
        !text.contains("{{run_id:") && !text.contains("{{date:"),
        "{text}"
    );
    let (c, d) = (run_id(0xc3), run_id(0xd4));
    let printed = replay_diary(&path, dir.path(), "2027-03-15", &c, &d);
    assert!(
        printed.contains(&format!("Entry for 2027-03-15: runs {b} and {c}.")),
        "{printed}"
    );
}
