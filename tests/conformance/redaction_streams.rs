//! Redaction sees what a reader sees: every secret kind, however a stream of deltas, a stderr
//! tail or a file cut off mid-write splits it, never reaches a cassette (not a fragment of 8
//! characters, not in what the deltas add up to);
//! `verify` flags a cassette edited to hold one, whole or split; `record --prompt` with secrets in
//! the prompt records, the header's `record_command` redacted too.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use prompt_diary::cassette::{Cassette, Entry, RecordOptions, Recorder};
use prompt_diary::codex_bin::PINNED_CODEX_VERSION;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};
use prompt_diary::transport::Message;
use proptest::prelude::*;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The shortest fragment of a secret that may appear nowhere.
const FRAGMENT: usize = 8;

/// A small deterministic generator: secret bodies differ from case to case.
struct Bodies(u64);

impl Bodies {
    fn take(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                chars[(self.0 % chars.len() as u64) as usize]
            })
            .collect()
    }
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// One secret of every kind, as (the text that carries it, the secret itself).
fn secrets(seed: u64) -> Vec<(String, String)> {
    let mut b = Bodies(seed | 1);
    let plain = |s: String| (s.clone(), s);
    let pem_body = format!("{}\n{}", b.take(B64, 64), b.take(B64, 40));
    let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----");
    let jwt = format!(
        "eyJhbGciOiJIUzI1NiJ9.eyJ{}.{}",
        b.take(URLSAFE, 30),
        b.take(URLSAFE, 43)
    );
    let aws_secret = b.take(B64, 40);
    let bearer = b.take(ALNUM, 32);
    let basic = b.take(B64, 24);
    vec![
        plain(format!(
            "sk-ant-api03-{}AA",
            b.take(URLSAFE, 93).trim_start_matches('-')
        )),
        plain(format!("sk-proj-{}", b.take(URLSAFE, 48))),
        plain(format!("AKIA{}", b.take(UPPER, 16))),
        (format!("aws_secret_access_key={aws_secret}"), aws_secret),
        plain(format!("ghp_{}", b.take(ALNUM, 36))),
        plain(format!("gho_{}", b.take(ALNUM, 36))),
        plain(format!(
            "github_pat_{}_{}",
            b.take(ALNUM, 22),
            b.take(ALNUM, 59)
        )),
        plain(format!("glpat-{}", b.take(ALNUM, 20))),
        plain(format!(
            "xoxb-{}-{}-{}",
            b.take("0123456789", 12),
            b.take("0123456789", 12),
            b.take(ALNUM, 24)
        )),
        plain(format!("AIza{}", b.take(ALNUM, 35))),
        plain(format!("sk_live_{}", b.take(ALNUM, 24))),
        (pem, pem_body),
        plain(jwt),
        (format!("Authorization: Bearer {bearer}"), bearer),
        (format!("Authorization: Basic {basic}"), basic),
    ]
}

/// The text a model streams: every secret, between ordinary words.
fn reply(secrets: &[(String, String)]) -> String {
    let mut text = String::from("Here is what I found in the environment:\n");
    for (n, (carrier, _)) in secrets.iter().enumerate() {
        text.push_str(&format!("{n}. {carrier} (keep it safe)\n"));
    }
    text
}

/// `text` cut into chunks of the given sizes, over and over.
fn chunked(text: &str, sizes: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    for size in sizes.iter().cycle() {
        if at >= text.len() {
            break;
        }
        let end = (at + size).min(text.len());
        out.push(text[at..end].to_owned());
        at = end;
    }
    out
}

/// The first fragment of one of `secrets` ([`FRAGMENT`] characters or more) found in
/// `haystack`, and the secret it comes from.
fn fragment_in<'a>(haystack: &str, secrets: &'a [(String, String)]) -> Option<(String, &'a str)> {
    let windows: std::collections::HashMap<&[u8], &str> = secrets
        .iter()
        .flat_map(|(_, s)| s.as_bytes().windows(FRAGMENT).map(move |w| (w, s.as_str())))
        .collect();
    haystack.as_bytes().windows(FRAGMENT).find_map(|w| {
        windows
            .get(w)
            .map(|secret| (String::from_utf8_lossy(w).into_owned(), *secret))
    })
}

fn msg(value: Value) -> Message {
    Message::from_value(value).unwrap()
}

/// Records one turn through the real recorder: a reply streamed in `sizes` chunks, reasoning
/// streamed the same way, a command whose output deltas carry the same text, two files the turn
/// wrote (the text, and the text cut off at `cut`), and the text as the stderr tail.
fn record(dir: &Path, text: &str, sizes: &[usize], cut: usize) -> Cassette {
    let workspace = dir.join("ws");
    std::fs::create_dir_all(&workspace).unwrap();
    let cwd = workspace.display().to_string();
    let (thread, turn) = ("019a0000-0000-7000-8000-000000000001", "019b0000-0000-7000");
    let mut rec = Recorder::new(RecordOptions::new(dir.join("streams.jsonl")));
    rec.client_message(&msg(json!({"id": 0, "method": "initialize",
        "params": {"clientInfo": {"name": "prompt-diary", "version": "0"}}})));
    rec.server_message(&msg(json!({"id": 0, "result": {"userAgent":
        format!("prompt-diary/{PINNED_CODEX_VERSION} (test)"), "codexHome": "/tmp/codex-home-x"}})));
    rec.client_message(&msg(json!({"method": "initialized"})));
    rec.client_message(&msg(
        json!({"id": 1, "method": "thread/start", "params": {"cwd": cwd}}),
    ));
    rec.server_message(&msg(
        json!({"id": 1, "result": {"thread": {"id": thread, "cwd": cwd}}}),
    ));
    rec.client_message(&msg(
        json!({"id": 2, "method": "turn/start", "params": {"threadId": thread,
        "input": [{"type": "text", "text": "Print the environment."}]}}),
    ));
    rec.server_message(&msg(
        json!({"id": 2, "result": {"turn": {"id": turn, "status": "inProgress", "items": []}}}),
    ));
    let note = |method: &str, mut params: Value| {
        params["threadId"] = json!(thread);
        params["turnId"] = json!(turn);
        msg(json!({"method": method, "params": params}))
    };
    rec.server_message(&note("turn/started", json!({"turn": {"id": turn}})));
    std::fs::write(workspace.join("env.txt"), text).unwrap();
    std::fs::write(workspace.join("partial.txt"), &text[..cut]).unwrap();
    for chunk in chunked(text, sizes) {
        rec.server_message(&note(
            "item/reasoning/summaryTextDelta",
            json!({"itemId": "rs_1", "summaryIndex": 0, "delta": chunk}),
        ));
    }
    let command = json!({"type": "commandExecution", "id": "call_1", "command": "env",
        "status": "inProgress", "aggregatedOutput": null});
    rec.server_message(&note("item/started", json!({"item": command})));
    for chunk in chunked(text, &sizes[1..]) {
        rec.server_message(&note(
            "item/commandExecution/outputDelta",
            json!({"itemId": "call_1", "delta": chunk}),
        ));
    }
    let mut done = command.clone();
    done["status"] = json!("completed");
    done["aggregatedOutput"] = json!(text);
    rec.server_message(&note("item/completed", json!({"item": done})));
    for chunk in chunked(text, sizes) {
        rec.server_message(&note(
            "item/agentMessage/delta",
            json!({"itemId": "msg_1", "delta": chunk}),
        ));
    }
    rec.server_message(&note(
        "item/completed",
        json!({"item": {"type": "agentMessage", "id": "msg_1", "text": text}}),
    ));
    rec.server_message(&note(
        "turn/completed",
        json!({"turn": {"id": turn, "status": "completed"}}),
    ));
    let stderr: Vec<String> = text.lines().map(str::to_owned).collect();
    rec.build("exit status: 1", &stderr)
        .expect("the recording is written")
}

/// What the deltas of each stream add up to, by method and item, with their lines.
fn streams(cassette: &Cassette) -> Vec<(String, Vec<usize>, String)> {
    let mut out: Vec<(String, Vec<usize>, String)> = Vec::new();
    for (line, entry) in &cassette.entries {
        let Entry::S2c { msg, .. } = entry else {
            continue;
        };
        let (Some(method), Some(delta)) = (msg["method"].as_str(), msg["params"]["delta"].as_str())
        else {
            continue;
        };
        let key = format!("{method} {}", msg["params"]["itemId"]);
        match out.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, lines, text)) => {
                lines.push(*line);
                text.push_str(delta);
            }
            None => out.push((key, vec![*line], delta.to_owned())),
        }
    }
    out
}

/// Runs `prompt-diary verify` on the folder holding one cassette.
fn verify(dir: &Path) -> String {
    let out = run(dir, &["verify", dir.to_str().unwrap()], &[]);
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

fn run(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prompt-diary"));
    command.args(args).current_dir(cwd).env_remove("CI");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

/// `text` with the `params.delta` of cassette line `line` set to `delta`.
fn with_delta(text: &str, line: usize, delta: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let value: Value = serde_json::from_str(&lines[line - 1]).unwrap();
    let old = serde_json::to_string(&value["msg"]["params"]["delta"]).unwrap();
    let new = serde_json::to_string(delta).unwrap();
    lines[line - 1] =
        lines[line - 1].replacen(&format!("\"delta\":{old}"), &format!("\"delta\":{new}"), 1);
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_fragment_of_a_streamed_secret_reaches_the_cassette_and_verify_flags_an_edited_one(
        seed in any::<u64>(),
        sizes in proptest::collection::vec(1usize..14, 2..8),
        cut in 0.0f64..1.0,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let secrets = secrets(seed);
        let said = reply(&secrets);
        let cut = (said.len() as f64 * cut) as usize;
        let cassette = record(dir.path(), &said, &sizes, cut);
        let text = cassette.to_text();
        let joined = streams(&cassette);
        prop_assert_eq!(joined.len(), 3, "three streams: {:?}", joined);
        prop_assert!(text.contains("\"path\":\"partial.txt\"") && text.contains("(keep it safe)\",\""), "{}", text);
        prop_assert_eq!(fragment_in(&text, &secrets), None, "in:\n{}", text);
        for (key, _, stream) in &joined {
            prop_assert_eq!(fragment_in(stream, &secrets), None, "in {}: {}", key, stream);
        }
        prop_assert!(joined[2].2.contains("{{redacted}} (keep it safe)"), "{}", joined[2].2);

        // Clean as written; a hand-edited copy with a key, whole or split, is flagged by line.
        let path = dir.path().join("streams.jsonl");
        std::fs::write(&path, &text).unwrap();
        let clean = verify(dir.path());
        prop_assert!(!clean.contains("must never hold a secret"), "{}", clean);
        let key = &secrets[0].1;
        let (_, lines, _) = joined.iter().find(|(k, _, _)| k.starts_with("item/agentMessage/delta")).unwrap();
        let (a, b) = (lines[0], lines[1]);
        std::fs::write(&path, with_delta(&text, a, key)).unwrap();
        let whole = verify(dir.path());
        prop_assert!(whole.contains(&format!("line(s) {a}")) && whole.contains("an Anthropic `sk-ant-` key"), "{}", whole);
        // Cut so that neither part looks like a key on its own: only the stream shows it.
        let (first, second) = key.split_at(10);
        std::fs::write(&path, with_delta(&with_delta(&text, a, first), b, second)).unwrap();
        let split = verify(dir.path());
        prop_assert!(split.contains(&format!("line(s) {a}, {b}")) && split.contains("contain an Anthropic `sk-ant-` key"), "{}", split);
        prop_assert!(split.contains("split across the chunks of one stream"), "{}", split);
    }
}

/// Runs `prompt-diary record --prompt PROMPT` with the pinned Codex `bin` driven by the scripted
/// model through a Codex home (the live path, without an account); returns the output and the
/// folder holding `out.jsonl`.
async fn record_prompt(bin: &Path, prompt: &str) -> (Output, tempfile::TempDir) {
    let scenario = Path::new(ROOT).join("fixtures/scenarios/single_turn.json");
    let model = ScriptedModel::start(Scenario::from_file(&scenario).unwrap())
        .await
        .unwrap();
    let home = CodexHome::for_model(&model).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(["record", "--prompt", prompt, "--workspace"])
        .arg(dir.path().join("ws"))
        .arg("--out")
        .arg(dir.path().join("out.jsonl"))
        .env_remove("CI")
        .env("CODEX_HOME", home.path())
        .env("PROMPT_DIARY_CODEX_BIN", bin)
        .kill_on_drop(true)
        .output();
    let recorded = tokio::time::timeout(std::time::Duration::from_secs(120), child)
        .await
        .expect("record finishes within 2 minutes")
        .unwrap();
    model.shutdown().await;
    (recorded, dir)
}

/// `record --prompt` with one secret of every kind in the prompt: the real pinned Codex, driven
/// by the scripted model, records, and neither the header's `record_command` nor any line keeps
/// a fragment of any secret.
#[tokio::test]
async fn record_with_secrets_in_the_prompt_redacts_them_everywhere_header_included() {
    let Some(bin) = codex_for_conformance("record_with_secrets_in_the_prompt") else {
        return;
    };
    let secrets = secrets(0x5eed_1234_abcd);
    let prompt = format!("Say hello. {}", reply(&secrets));
    let (recorded, dir) = record_prompt(&bin, &prompt).await;
    let stderr = String::from_utf8_lossy(&recorded.stderr);
    assert!(recorded.status.success(), "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert_eq!(fragment_in(&text, &secrets), None, "in:\n{text}");
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("\"record_command\":\"prompt-diary record --prompt \\\"Say hello.")
            && header.contains("{{redacted}} (keep it safe)"),
        "{header}"
    );
    assert!(header.contains("\"aws-access-key-id\""), "{header}");
    let turn_start = text.lines().find(|l| l.contains("\"turn/start\"")).unwrap();
    assert!(
        turn_start.contains("{{redacted}} (keep it safe)"),
        "{turn_start}"
    );
    let verified = verify(dir.path());
    assert!(!verified.contains("must never hold a secret"), "{verified}");
    let out = dir.path().join("out.jsonl");
    let replayed = run(dir.path(), &["replay", out.to_str().unwrap()], &[]);
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
}

/// A credential no rule can redact (an `..._API_KEY=` assignment) in the prompt still stops the
/// write: the refusal names the line and the JSON path, and does not blame the sign-in.
#[tokio::test]
async fn a_refused_prompt_names_line_and_field_and_does_not_suggest_codex_login() {
    let Some(bin) = codex_for_conformance("a_refused_prompt") else {
        return;
    };
    let (refused, dir) = record_prompt(&bin, "Say hello. env: OPENAI_API_KEY=opaque-5").await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("line 1 still contains an authorization or API key field")
            && stderr.contains("(at $.record_command)"),
        "{stderr}"
    );
    assert!(!stderr.contains("codex login"), "{stderr}");
    assert!(!dir.path().join("out.jsonl").exists());
}

/// Runs the stand-in `prompt-diary-codex exec --json` in `mode` on `cassette` with `stdin`.
async fn stand_in_exec(
    cassette: &Path,
    mode: &str,
    codex: &ScriptedCodex,
    bin: &Path,
    workspace: &Path,
    stdin: &str,
) -> Output {
    use tokio::io::AsyncWriteExt as _;
    let ws = workspace.display().to_string();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary-codex"))
        .args(["exec", "--json", "--skip-git-repo-check", "-C", &ws, "-"])
        .env("PROMPT_DIARY_CASSETTE", cassette)
        .env("PROMPT_DIARY_RECORD_MODE", mode)
        .env("PROMPT_DIARY_CODEX_BIN", bin)
        .env("CODEX_HOME", codex.home.path())
        .env("CI", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.as_bytes()).await.unwrap();
    drop(pipe);
    tokio::time::timeout(
        std::time::Duration::from_secs(120),
        child.wait_with_output(),
    )
    .await
    .expect("the run ends in time")
    .unwrap()
}

/// An exec run (the stand-in recording the real Codex) whose prompt, command output, file and
/// reply hold every kind: the cassette keeps no fragment of any, `verify` passes it, and the same
/// prompt replays.
#[tokio::test]
async fn an_exec_recording_redacts_every_kind_in_prompt_output_files_and_reply() {
    let Some(bin) = codex_for_conformance("an_exec_recording_redacts_every_kind") else {
        return;
    };
    let secrets = secrets(0xe8ec_0001);
    let said = reply(&secrets);
    let scenario = json!({"name": "exec_secrets", "conversations": [{"replies": [
        {"shell": format!("printf '%s' '{said}' > keys.txt && cat keys.txt")},
        {"message": said},
    ]}]});
    let codex = ScriptedCodex::start(
        Scenario::from_json(&scenario.to_string()).unwrap(),
        bin.clone(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("exec_secrets.jsonl");
    let prompt = format!("Write keys.txt. {}", secrets[1].0);
    let ws = codex.workspace.path().to_owned();
    let live = stand_in_exec(&cassette, "all", &codex, &bin, &ws, &prompt).await;
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let text = std::fs::read_to_string(&cassette).unwrap();
    assert!(
        text.contains("keys.txt") && text.contains("{{redacted}} (keep it safe)"),
        "{text}"
    );
    assert_eq!(fragment_in(&text, &secrets), None, "in:\n{text}");
    let verified = verify(dir.path());
    assert!(!verified.contains("must never hold a secret"), "{verified}");
    let replay_ws = tempfile::tempdir().unwrap();
    let replayed = stand_in_exec(&cassette, "none", &codex, &bin, replay_ws.path(), &prompt).await;
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
}
