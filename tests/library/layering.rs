//! The layers of docs/architecture.md, checked on the source: every `crate::` path a file names
//! must point to its own layer or to one the table lets it use. The arrows go one way; the
//! transport knows nothing of cassettes or Codex, the cassette nothing of processes, the cassette
//! kinds (app-server, exec) nothing of each other, the adapter asks the opener (`connect`) for a
//! transport, re-recording never names the test kit, and nothing outside tests and the command line
//! names the test kit. `src/generate/` is held to more: it may not even
//! name a backend, and only the composition roots (and the test kit) name both the phases and
//! the adapter. The scripted model is a crate of its own (`crates/scripted-model`) that names
//! nothing of this one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Module path prefix → layer, longest prefix first.
const LAYERS: &[(&str, &str)] = &[
    ("codex::rpc", "session"),
    ("codex_bin", "codex_bin"),
    ("codex", "adapter"),
    ("transport", "transport"),
    ("cassette::normalize", "normalize"),
    ("cassette::app_server", "app_server"),
    ("cassette::exec", "exec"),
    ("cassette", "cassette"),
    ("connect", "connect"),
    ("project", "project"),
    ("agent", "agent"),
    ("generate", "generate"),
    ("compose", "compose"),
    ("cli", "cli"),
    ("stand_in", "stand_in"),
    ("rerecord", "rerecord"),
    ("replay", "replay"),
    ("testing", "testing"),
    ("view", "view"),
    ("per_test", "per_test"),
];

/// Which layers each layer may name (besides itself). `*` is any; an entry `layer:Item` allows
/// only that item of the layer.
const ALLOWED: &[(&str, &[&str])] = &[
    ("transport", &[]),
    ("codex_bin", &[]),
    ("agent", &[]),
    // The cassette's shared rooms (envelope, kind dispatch, effects, modes, writing, pending,
    // verify) re-export and dispatch to both kinds; the kinds share only the root and
    // normalisation, never each other.
    ("normalize", &["cassette"]),
    ("app_server", &["cassette", "normalize", "transport"]),
    ("exec", &["cassette", "normalize", "transport"]),
    (
        "cassette",
        &["normalize", "app_server", "exec", "transport"],
    ),
    // The project file reads into the cassette's types (modes, rules) and checks the pin.
    ("project", &["cassette", "codex_bin"]),
    (
        "connect",
        &["transport", "cassette", "codex_bin", "project"],
    ),
    ("session", &["transport"]),
    (
        "adapter",
        &[
            "agent",
            "session",
            "connect",
            "codex_bin",
            "project",
            "transport:Transport",
            "transport:RequestId",
            "cassette:CassetteSettings",
            "cassette:RecordMode",
            "cassette:RecordOptions",
            "cassette:WriteOutcome",
            "cassette:RecordingOutcome",
        ],
    ),
    ("generate", &["agent"]),
    // The stand-in writes a failed replay's divergence page beside its report
    // (`PROMPT_DIARY_REPORT_DIR`, for the pytest plugin): the page is `view`'s.
    (
        "stand_in",
        &[
            "transport",
            "cassette",
            "connect",
            "codex_bin",
            "project",
            "view",
        ],
    ),
    // Replay plays client scripts through the adapter on a replay transport; a divergence leaves
    // its page (`view`). It knows nothing of re-recording, which uses it.
    (
        "replay",
        &["agent", "adapter", "session", "cassette", "view"],
    ),
    // Re-recording runs the stand-in as a program (an exec cassette's runs), naming only the
    // variable that gives it its cassette.
    (
        "rerecord",
        &[
            "agent",
            "replay",
            "adapter",
            "session",
            "cassette",
            "connect",
            "codex_bin",
            "project",
            "transport",
            "view",
            "stand_in:CASSETTE_ENV",
        ],
    ),
    (
        "compose",
        &["agent", "generate", "adapter", "cassette", "codex_bin"],
    ),
    ("testing", &["*"]),
    ("view", &["cassette", "transport"]),
    // A test's cassette settings: the project file's folder and rules, the cassette's settings.
    ("per_test", &["cassette", "project"]),
    ("cli", &["*"]),
];

fn layer_of_module(path: &str) -> Option<&'static str> {
    LAYERS
        .iter()
        .find(|(prefix, _)| path == *prefix || path.starts_with(&format!("{prefix}::")))
        .map(|(_, layer)| *layer)
}

/// The module path of a source file (`src/codex/rpc/session.rs` → `codex::rpc::session`).
fn module_of_file(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p != "mod")
        .collect();
    parts.join("::")
}

/// Every `.rs` file under `dir`, sorted.
pub(crate) fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The code of `text` without comments and string literals' contents (a rough lexer: enough
/// for `use` statements and paths).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = '\0';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if !in_string && c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            }
            if !in_string {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// Expands a use tree (`a::{b, c::{d, e}}`) into full paths.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
    } else if !tree.is_empty() {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(join(prefix, path));
    }
}

fn join(prefix: &str, tail: &str) -> String {
    match (prefix.is_empty(), tail.is_empty()) {
        (true, _) => tail.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}::{tail}"),
    }
}

/// Every `crate::...` path the code names: `use crate::...;` trees and inline paths.
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        let tail = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            rest = tail;
            continue;
        }
        let is_use = rest[..at].trim_end().ends_with("use");
        let end = if is_use {
            tail.find(';').unwrap_or(tail.len())
        } else {
            tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len())
        };
        expand("", &tail[..end], &mut paths);
        rest = &tail[end..];
    }
    paths.retain(|p| !p.is_empty());
    paths
}

/// Whether `from` may name `path` (a module path in the crate).
fn allowed(from: &str, path: &str) -> bool {
    let Some(to) = layer_of_module(path) else {
        return true; // the crate root itself
    };
    if to == from {
        return true;
    }
    let rules = ALLOWED
        .iter()
        .find(|(layer, _)| *layer == from)
        .map_or(&[][..], |(_, rules)| *rules);
    rules.iter().any(|rule| match rule.split_once(':') {
        None => *rule == "*" || *rule == to,
        Some((layer, item)) => layer == to && path.rsplit("::").next() == Some(item),
    })
}

/// The findings for one file of module `module`, one line each.
fn violations(module: &str, text: &str) -> Vec<String> {
    let Some(from) = layer_of_module(module) else {
        return Vec::new(); // lib.rs, main.rs and the binaries are the crate's roots
    };
    let mut found = BTreeSet::new();
    for path in crate_paths(&code_only(text)) {
        if !allowed(from, &path) {
            found.insert(format!(
                "the {from} layer names `crate::{path}` ({} layer)",
                layer_of_module(&path).unwrap_or("?")
            ));
        }
    }
    found.into_iter().collect()
}

#[test]
fn every_arrow_points_down_the_layer_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut report = Vec::new();
    let files = rust_files(&src);
    assert!(
        files.len() > 60,
        "expected the crate's sources under {}",
        src.display()
    );
    for file in files {
        let module = module_of_file(&src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        for finding in violations(&module, &text) {
            report.push(format!("{}: {finding}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "layering broken (see the table in docs/architecture.md):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_scan_reads_use_trees_and_inline_paths() {
    let text = "use crate::cassette::{Divergence, format::{self, Header}};\n\
                // use crate::testing::Ignored;\n\
                let s = \"crate::testing::InAString\";\n\
                fn f() -> crate::transport::Message { todo!() }\n";
    assert_eq!(
        crate_paths(&code_only(text)),
        [
            "cassette::Divergence",
            "cassette::format::self",
            "cassette::format::Header",
            "transport::Message",
        ]
    );
}

#[test]
fn each_kind_of_wrong_arrow_is_caught() {
    let cases = [
        (
            "transport::framing",
            "use crate::cassette::Cassette;",
            "the transport layer names `crate::cassette::Cassette`",
        ),
        (
            "cassette::app_server::replay",
            "use crate::codex::rpc::RpcSession;",
            "the app_server layer names `crate::codex::rpc::RpcSession`",
        ),
        (
            "codex::backend",
            "use crate::cassette::ReplayTransport;",
            "the adapter layer names `crate::cassette::ReplayTransport`",
        ),
        (
            "codex::backend",
            "use crate::transport::ProcessTransport;",
            "the adapter layer names `crate::transport::ProcessTransport`",
        ),
        (
            "codex::rpc::session",
            "use crate::codex::CodexBackend;",
            "the session layer names",
        ),
        (
            "generate::draft",
            "use crate::codex::CodexBackend;",
            "the generate layer names",
        ),
        (
            "stand_in::run",
            "use crate::codex::CodexAgentRunner;",
            "the stand_in layer names",
        ),
        (
            "cassette::exec::replayer",
            "use crate::cassette::app_server::format::Cassette;",
            "the exec layer names `crate::cassette::app_server::format::Cassette`",
        ),
        (
            "cassette::app_server::record::recorder",
            "use crate::cassette::exec::recorder::record_run;",
            "the app_server layer names",
        ),
        (
            "rerecord::run",
            "use crate::testing::FakeAgentSessionFactory;",
            "the rerecord layer names `crate::testing::FakeAgentSessionFactory`",
        ),
        (
            "connect::open",
            "use crate::testing::ScriptedModel;",
            "the connect layer names `crate::testing::ScriptedModel`",
        ),
    ];
    for (module, text, expected) in cases {
        let found = violations(module, text);
        assert!(
            found.iter().any(|f| f.contains(expected)),
            "{module}: {text}: {found:?}"
        );
    }
    assert!(violations("codex::backend", "use crate::cassette::CassetteSettings;").is_empty());
    assert!(violations("cli::record", "use crate::testing::ScriptedModel;").is_empty());
}

/// Names `src/generate/` must not contain, even in comments: it depends on the port only.
const GENERATE_FORBIDDEN: &[&str] = &["integrations", "transport", "cassette"];

/// What in `text` breaks the layering, one line per finding (`line N: ...`).
fn generate_violations(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        for word in GENERATE_FORBIDDEN {
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
        for finding in generate_violations(&text) {
            report.push(format!("{}: {finding}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "src/generate must depend only on prompt_diary::agent; move the wiring to \
         src/compose/workflow.rs:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_generate_scan_catches_each_forbidden_name() {
    let bad = "use crate::integrations::codex_runner::CodexBackendConfig;\n\
               use crate::cassette::RecordMode;\n\
               use crate::transport::ReplayTransport;\n\
               use crate::integrations::Codex :: x;\n\
               let x = super::codex::session();\n";
    let found = generate_violations(bad);
    assert_eq!(found.len(), 8, "{found:#?}");
    assert!(found[1].contains("`codex` module path"), "{found:#?}");
    assert!(
        generate_violations(
            "// Generation runs on any backend, Codex included.\nuse crate::agent::AgentRunner;\n"
        )
        .is_empty()
    );
}

#[test]
fn only_the_composition_root_names_both_generate_and_the_adapter() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let compose = src.join("compose");
    // The test kit and this repository's fixture tooling may use every layer (the workflow
    // fixture records the composed workflow).
    let testing = src.join("testing");
    let fixtures = src.join("cli/fixtures");
    let mut both = Vec::new();
    for file in rust_files(&src) {
        if file.starts_with(&compose) || file.starts_with(&testing) || file.starts_with(&fixtures) {
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
        if names_generate
            && (text.contains("crate::codex::") || text.contains("prompt_diary::codex::"))
        {
            both.push(file.display().to_string());
        }
    }
    assert!(
        both.is_empty(),
        "only src/compose/ (and the test kit and src/cli/fixtures/) may wire generate to the adapter; these files name both: {both:?}"
    );
}

/// Folders of `src/` that may name the test kit: the kit itself and the command line (which
/// holds this repository's fixture tooling). Every other room is product code.
const MAY_NAME_THE_TEST_KIT: &[&str] = &["testing", "cli"];

#[test]
fn no_product_room_names_the_test_kit() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut report = Vec::new();
    for file in rust_files(&src) {
        let room = file.strip_prefix(&src).unwrap().iter().next().unwrap();
        if MAY_NAME_THE_TEST_KIT.iter().any(|r| room == *r) {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        if code.contains("testing::") {
            report.push(file.display().to_string());
        }
    }
    assert!(
        report.is_empty(),
        "product rooms must not name the test kit (`testing::`): {report:?}"
    );
}

#[test]
fn the_scripted_model_crate_names_nothing_of_prompt_diary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/scripted-model/src");
    let files = rust_files(&root);
    assert!(
        files.len() >= 5,
        "expected the scripted model's sources under {}",
        root.display()
    );
    let mut report = Vec::new();
    for file in files {
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        if code.contains("prompt_diary::") {
            report.push(file.display().to_string());
        }
    }
    assert!(
        report.is_empty(),
        "the scripted model must stand alone: {report:?}"
    );
    let manifest = std::fs::read_to_string(root.parent().unwrap().join("Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("prompt-diary ="),
        "the scripted model must not depend on prompt-diary"
    );
}

#[test]
fn the_product_scan_sees_a_test_kit_path_in_code_but_not_in_comments() {
    assert!(code_only("use crate::testing::ScriptedModel;").contains("testing::"));
    assert!(!code_only("// see testing::ScriptedModel").contains("testing::"));
}

#[test]
fn only_the_kind_dispatch_tells_the_kinds_of_cassette_apart() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let dispatch = src.join("cassette/kind.rs");
    let others: Vec<String> = rust_files(&src)
        .into_iter()
        .filter(|file| *file != dispatch)
        .filter(|file| {
            std::fs::read_to_string(file)
                .unwrap()
                .contains("is_exec_cassette")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        others.is_empty(),
        "ask `AnyCassette` (src/cassette/kind.rs) which kind a cassette is: {others:?}"
    );
}

/// What playing a cassette back is made of: filling placeholders, making fresh values, applying
/// workspace effects (recording's `Snapshot` of a workspace is the stand-in's to take). The stand-in finds a run and hands it to the cassette's kind room
/// (`cassette::exec::play`); none of these may appear in its code.
const PLAYBACK: &[&str] = &[
    "Effect",
    "apply_effects",
    "effects::apply",
    "fill_text",
    "fill_exec_line",
    "fill_line",
    "fresh_value",
];

/// The playback words `code` (comments and strings left out) names.
fn playback_in(code: &str) -> Vec<&'static str> {
    PLAYBACK
        .iter()
        .filter(|word| {
            code.match_indices(**word).any(|(at, _)| {
                let before = code[..at].chars().last();
                let after = code[at + word.len()..].chars().next();
                let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                !ident(before) && !ident(after)
            })
        })
        .copied()
        .collect()
}

#[test]
fn the_stand_in_holds_no_cassette_playback() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/stand_in");
    let files = rust_files(&root);
    assert!(
        files.len() >= 5,
        "expected the stand-in under {}",
        root.display()
    );
    let mut report = Vec::new();
    for file in files {
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        let found = playback_in(&code);
        if !found.is_empty() {
            report.push(format!("{}: {found:?}", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "the stand-in finds a run and calls the cassette's playback (cassette::exec::play); it \
         plays nothing itself:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_playback_scan_sees_whole_names_in_code_only() {
    assert_eq!(
        playback_in(&code_only("let e = Effect::Write { path, text };")),
        ["Effect"]
    );
    assert_eq!(
        playback_in(&code_only("bindings.fill_text(text, &mut fresh)")),
        ["fill_text"]
    );
    assert!(playback_in(&code_only("// applies each Effect\nlet effects = 1;")).is_empty());
    assert!(playback_in(&code_only("let side_effects = EffectError::x;")).is_empty());
}
