//! Conformance tier: moving Codex versions with the command users run. The committed cassettes
//! are recorded again on the previous pin (0.163.0) into a temp folder; `upgrade-codex --to` the
//! pinned version then re-records that copy, and `review` says for each cassette that what the
//! agent did is unchanged and names the protocol fields that changed. A re-recording edited by
//! hand so that one command differs shows that command first, under what the agent did.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prompt_diary::cassette::Cassette;
use prompt_diary::codex_bin::{PINNED_CODEX_VERSION, installed_binary};
use prompt_diary::testing::conformance::{
    announce_skip, codex_for_conformance, conformance_required,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_prompt-diary");
/// The version the copy is recorded on (the previous pin); CI installs it (`.ci/run`).
const OLD: &str = "0.163.0";

fn run(args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "prompt-diary {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn old_codex() -> Option<PathBuf> {
    if let Some(bin) = installed_binary(Path::new(ROOT), OLD) {
        return Some(bin);
    }
    let how = format!("install it with `cargo run -- install-codex --version {OLD}`");
    if conformance_required() {
        panic!("the upgrade test needs Codex {OLD} but it is not installed; {how}");
    }
    announce_skip(&format!("upgrade test: Codex {OLD} not installed; {how}"));
    None
}

#[test]
fn upgrading_a_copy_recorded_on_the_old_pin_reads_unchanged_in_what_the_agent_did() {
    let Some(_pinned) = codex_for_conformance("upgrade from the old pin") else {
        return;
    };
    let Some(old) = old_codex() else { return };
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("cassettes");
    std::fs::create_dir(&folder).unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join("cassettes")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            names.push(path.file_stem().unwrap().to_string_lossy().into_owned());
            std::fs::copy(&path, folder.join(path.file_name().unwrap())).unwrap();
        }
    }
    names.sort();
    let folder_arg = folder.to_str().unwrap();

    // The copy, recorded on the old pin.
    // `mcp_tool_call` starts the fixtures' `echo` server, which runs only when named.
    let mut rerecord = vec![
        "rerecord",
        "--allow-mcp-server",
        "echo",
        "--codex-bin",
        old.to_str().unwrap(),
    ];
    let paths: Vec<String> = names
        .iter()
        .map(|n| folder.join(format!("{n}.jsonl")).display().to_string())
        .collect();
    rerecord.extend(paths.iter().map(String::as_str));
    run(&rerecord);
    run(&["accept", folder_arg]);
    for name in &names {
        let cassette = Cassette::load(&folder.join(format!("{name}.jsonl")), "").unwrap();
        assert_eq!(cassette.header.codex_version, OLD, "{name}");
    }

    // The upgrade, as a user runs it.
    let upgrade = run(&[
        "upgrade-codex",
        "--to",
        PINNED_CODEX_VERSION,
        "--allow-mcp-server",
        "echo",
        folder_arg,
    ]);
    let report = String::from_utf8_lossy(&upgrade.stdout).into_owned();
    for name in &names {
        assert!(
            report.contains(&format!("{name}.jsonl: CHANGED: review")),
            "{name} re-recorded as .new:\n{report}"
        );
    }
    assert!(
        report.contains(&format!(
            "upgrade-codex --to {PINNED_CODEX_VERSION} --accept"
        )),
        "the one command that accepts: {report}"
    );

    // A hand edit: the agent ran another command in one re-recording.
    let edited = folder.join("tool_artifact.jsonl.new");
    let text = std::fs::read_to_string(&edited).unwrap();
    assert!(text.contains("> artifact.md"));
    std::fs::write(&edited, text.replace("> artifact.md", "> elsewhere.md")).unwrap();

    let review = run(&["review", folder_arg]);
    let review = String::from_utf8_lossy(&review.stdout).into_owned();
    let sections: Vec<&str> = review.split("== ").skip(1).collect();
    assert_eq!(sections.len(), names.len(), "one section each:\n{review}");
    for section in sections {
        let name = section.split_whitespace().next().unwrap();
        if name == "tool_artifact" {
            let first = section.lines().nth(1).unwrap_or_default();
            assert!(
                first.starts_with("what the agent did: CHANGED"),
                "{section}"
            );
            let command = section
                .find("elsewhere.md")
                .expect("the new command is shown");
            let shape = section.find("protocol shape").unwrap_or(section.len());
            assert!(command < shape, "the command comes first: {section}");
            continue;
        }
        assert!(
            section.contains("what the agent did: unchanged"),
            "{name}: {section}"
        );
        assert!(
            section.contains("gained") && section.contains("`thread.attachedToThreadId`"),
            "{name}: the changed protocol fields are named: {section}"
        );
    }
}
