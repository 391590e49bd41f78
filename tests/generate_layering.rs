//! The generation phases and the retry helper depend only on the neutral port: no file under
//! `src/generate/` names the Codex adapter, the integrations, the transports or the cassettes.

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &["integrations", "transport", "cassette"];

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// What in `text` breaks the layering, one line per finding (`line N: ...`).
fn violations(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        for word in FORBIDDEN {
            if lower.contains(word) {
                found.push(format!(
                    "line {}: names `{word}`: {}",
                    number + 1,
                    line.trim()
                ));
            }
        }
        // `codex` as (part of) a module path: `codex::`, `codex_runner::`, `::codex...`.
        let mut rest = lower.as_str();
        while let Some(at) = rest.find("codex") {
            let before = &rest[..at];
            let ident_end = rest[at..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(rest.len(), |n| at + n);
            let after = rest[ident_end..].trim_start();
            let ident_start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |n| n + 1);
            if after.starts_with("::") || before[..ident_start].trim_end().ends_with("::") {
                found.push(format!(
                    "line {}: names a `codex` module path: {}",
                    number + 1,
                    line.trim()
                ));
            }
            rest = &rest[ident_end..];
        }
    }
    found
}

#[test]
fn generate_names_no_backend_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generate");
    let files = rust_files(&root);
    assert!(
        files.len() >= 5,
        "expected the generate module's files under {}",
        root.display()
    );
    let mut report = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for finding in violations(&text) {
            report.push(format!("{}: {finding}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "src/generate must depend only on prompt_diary::agent; move the wiring to \
         src/cmds/generate.rs:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_scan_catches_each_forbidden_name() {
    let bad = "use crate::integrations::codex_runner::CodexBackendConfig;\n\
               use crate::cassette::CassetteMode;\n\
               use crate::transport::ReplayTransport;\n\
               use crate::integrations::Codex :: x;\n\
               let x = super::codex::session();\n";
    let found = violations(bad);
    assert_eq!(found.len(), 8, "{found:#?}");
    assert!(found[1].contains("`codex` module path"), "{found:#?}");
    assert!(
        violations(
            "// Generation runs on any backend, Codex included.\nuse crate::agent::AgentRunner;\n"
        )
        .is_empty()
    );
}

#[test]
fn only_the_composition_root_names_both_generate_and_integrations() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let cmds = src.join("cmds");
    // The test kit may use every layer (its workflow fixture records the composed workflow).
    let testing = src.join("testing");
    let mut both = Vec::new();
    for file in rust_files(&src) {
        if file.starts_with(&cmds) || file.starts_with(&testing) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let names_generate = [
            "crate::generate",
            "prompt_diary::generate",
            "super::generate",
        ]
        .iter()
        .any(|path| text.contains(path));
        if names_generate && text.contains("integrations") {
            both.push(file.display().to_string());
        }
    }
    assert!(
        both.is_empty(),
        "only src/cmds/ (and the test kit) may wire generate to integrations; these files name both: {both:?}"
    );
}
