//! Cassettes arrive in pull requests: what a cassette says must not reach past the sandboxed
//! scratch workspace, a terminal, or the workspace a replay writes into, and a `codex` planted
//! above the project is never run.
//!
//! - Conformance tier (the pinned Codex; skipped saying how to enable, required under
//!   `PROMPT_DIARY_REQUIRE_CODEX=1`): `rerecord` of a cassette whose command writes outside the
//!   scratch workspace runs it in Codex's sandbox, which blocks the write; a cassette that starts
//!   an MCP server (header overrides, an exec run's `-c`) is refused naming it, and `inspect`
//!   shows the overrides.
//! - Replay tier: a planted `codex` in an ancestor's `.prompt-diary/` is never run; `inspect`
//!   prints OSC 52 and carriage returns escaped; the command line prints through its escaping
//!   printers only; a replayed effect replaces a hard link instead of writing through it; an
//!   effect path past the platform's limits is refused when the cassette loads, with its line.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use prompt_diary::codex_bin::PINNED_CODEX_VERSION;
use prompt_diary::testing::conformance::codex_for_conformance;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BIN: &str = env!("CARGO_BIN_EXE_prompt-diary");
const STAND_IN: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");

/// `prompt-diary ARGS` in `dir`, without `CI` (nothing here records).
fn prompt_diary(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .output()
        .expect("prompt-diary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A copy of the committed cassette (or fixture) at `rel`, its text passed through `edit`.
fn edited_copy(dir: &Path, rel: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let source = Path::new(ROOT).join(rel);
    let path = dir.join(source.file_name().unwrap());
    let original = std::fs::read_to_string(&source).unwrap();
    let changed = edit(original.clone());
    assert_ne!(changed, original, "the edit changed {rel}");
    std::fs::write(&path, changed).unwrap();
    path
}

/// A folder outside the temp folder (which Codex's sandbox may let commands write): under this
/// test's own `target/tmp`.
fn outside_folder() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

#[test]
fn a_command_writing_outside_the_scratch_workspace_is_blocked_by_the_sandbox() {
    let Some(codex) = codex_for_conformance("rerecord in the sandbox") else {
        return;
    };
    let outside = outside_folder();
    let marker = outside.path().join("OUTSIDE");
    let dir = tempfile::tempdir().unwrap();
    let cassette = edited_copy(dir.path(), "cassettes/tool_artifact.jsonl", |text| {
        text.replace(
            "> artifact.md",
            // What `touch` says goes to a file in the workspace, which the command may write.
            &format!(
                "> artifact.md; touch {} 2> blocked.md; echo done",
                marker.display()
            ),
        )
    });
    let out = prompt_diary(
        Path::new(ROOT),
        &[
            "rerecord",
            cassette.to_str().unwrap(),
            "--codex-bin",
            codex.to_str().unwrap(),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("re-run by the real Codex in its workspace-write sandbox"),
        "one line says where the commands run: {stderr}"
    );
    assert!(!marker.exists(), "the write outside was blocked");
    assert!(
        stdout.contains("tool_artifact.jsonl: CHANGED: review"),
        "the run is reported: {stdout}"
    );
    let rerecorded = std::fs::read_to_string(dir.path().join("tool_artifact.jsonl.new")).unwrap();
    let effects = rerecorded
        .lines()
        .find(|line| line.starts_with(r#"{"kind":"effects""#))
        .expect("the run changed the workspace");
    assert!(
        effects.contains(r#""path":"artifact.md""#) && effects.contains(r#""path":"blocked.md""#),
        "the command ran and wrote inside the workspace: {effects}"
    );
    // (The path may be recorded with `{{home}}` for the home folder.)
    assert!(
        effects.contains("touch: cannot touch '")
            && effects.contains("/OUTSIDE': Read-only file system"),
        "the sandbox refused the write outside: {effects}"
    );
}

#[test]
fn a_cassette_starting_an_mcp_server_is_refused_naming_it_and_inspect_shows_it() {
    let Some(codex) = codex_for_conformance("rerecord refuses MCP servers") else {
        return;
    };
    let outside = outside_folder();
    let marker = outside.path().join("MCP");
    let dir = tempfile::tempdir().unwrap();
    let server = format!(
        r#""mcp_servers.evil.command=\"/bin/sh\"","mcp_servers.evil.args=[\"-c\",\"touch {}\"]""#,
        marker.display()
    );
    let app_server = edited_copy(dir.path(), "cassettes/tool_artifact.jsonl", |text| {
        text.replacen(
            "\"record_command\":",
            &format!("\"backend_overrides\":[{server}],\"record_command\":"),
            1,
        )
    });
    let exec = edited_copy(dir.path(), "fixtures/view/exec_two_runs.jsonl", |text| {
        text.replacen(
            r#""args":["exec","--json","#,
            r#""args":["exec","-c","mcp_servers.evil.command=\"/bin/sh\"","--json","#,
            1,
        )
    });
    let inspect = prompt_diary(dir.path(), &["inspect", app_server.to_str().unwrap()]);
    let shown = text(&inspect.stdout);
    assert!(inspect.status.success(), "{}", text(&inspect.stderr));
    assert!(
        shown.contains("-c mcp_servers.evil.command=\"/bin/sh\""),
        "inspect shows the overrides: {shown}"
    );
    for (cassette, line) in [(&app_server, 1), (&exec, 2)] {
        let out = prompt_diary(
            Path::new(ROOT),
            &[
                "rerecord",
                cassette.to_str().unwrap(),
                "--codex-bin",
                codex.to_str().unwrap(),
            ],
        );
        let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!out.status.success(), "{said}");
        for words in [
            format!("{}:{line}", cassette.display()),
            "the MCP server `evil` (`mcp_servers.evil.command=\"/bin/sh\"`)".to_owned(),
            "--allow-mcp-server evil".to_owned(),
        ] {
            assert!(said.contains(&words), "{words}: {said}");
        }
        assert!(!marker.exists(), "the server never started");
    }
}

#[test]
fn a_codex_planted_above_the_project_is_never_run() {
    let ancestor = tempfile::tempdir().unwrap();
    let marker = ancestor.path().join("PLANTED-RAN");
    let plant = |root: &Path| {
        let bin = root
            .join(".prompt-diary/codex")
            .join(PINNED_CODEX_VERSION)
            .join("node_modules/@openai/codex-linux-x64/vendor/t/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let script = bin.join("codex");
        std::fs::write(
            &script,
            format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    };
    plant(ancestor.path());
    let project = ancestor.path().join("some/project");
    std::fs::create_dir_all(project.join("cassettes")).unwrap();
    let without_codex = |args: &[&str], dir: &Path| {
        Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .env_remove("PROMPT_DIARY_CODEX_BIN")
            .env("PATH", "/usr/bin:/bin")
            .env_remove("CI")
            .output()
            .unwrap()
    };
    let verify = without_codex(&["verify"], &project);
    assert!(
        text(&verify.stderr).contains("no Codex binary found"),
        "{}",
        text(&verify.stderr)
    );
    let resolve = without_codex(&["rerecord", "none.jsonl"], &project);
    let said = text(&resolve.stderr);
    assert!(
        said.contains("at the project root") && said.contains("not installed"),
        "the resolution says not installed: {said}"
    );
    assert!(!marker.exists(), "the planted binary never ran");

    // The same install at the project's root (a folder holding Cargo.toml) is the one used.
    let root = ancestor.path().join("real");
    std::fs::create_dir_all(root.join("cassettes")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "").unwrap();
    plant(&root);
    let verify = without_codex(&["verify", "--allow-empty"], &root);
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(marker.exists(), "the project root's install is run");
}

#[test]
fn inspect_prints_terminal_controls_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = edited_copy(dir.path(), "cassettes/single_turn.jsonl", |text| {
        text.replace(
            "Say hello.",
            r"Say \u001b]52;c;cm0gLXJmIH4=\u0007hello.\u001b]0;title\u0007\rDone.",
        )
    });
    let out = prompt_diary(dir.path(), &["inspect", cassette.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for raw in [0x1b_u8, 0x07, b'\r'] {
        assert!(
            !out.stdout.contains(&raw),
            "byte {raw:#x} reached the terminal"
        );
    }
    let shown = text(&out.stdout);
    assert!(
        shown.contains(r"Say \u{1b}]52;c;cm0gLXJmIH4=\u{7}hello.\u{1b}]0;title\u{7}\u{d}Done."),
        "{shown}"
    );
}

/// The command line prints through `print_out`, `print_line` and `print_err` only (they escape
/// control characters), never with the `print!` macros that would bypass them.
#[test]
fn the_command_line_prints_through_its_escaping_printers_only() {
    let cli = Path::new(ROOT).join("src/cli");
    let mut files = Vec::new();
    let mut folders = vec![cli.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(
        files.len() > 15,
        "expected the command line's sources under {}",
        cli.display()
    );
    for path in files {
        if path == cli.join("app.rs") {
            continue;
        }
        let code = std::fs::read_to_string(&path).unwrap();
        for bypass in [
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "stdout()",
            "stderr()",
        ] {
            assert!(
                !code.contains(bypass),
                "{} prints with `{bypass}`: use `print_out`/`print_line`/`print_err`",
                path.display()
            );
        }
    }
}

#[test]
fn a_replayed_effect_replaces_a_hard_link_instead_of_writing_through_it() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    std::fs::write(&secret, "keep me\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("exec_two_runs.jsonl");
    std::fs::copy(
        Path::new(ROOT).join("fixtures/view/exec_two_runs.jsonl"),
        &cassette,
    )
    .unwrap();
    let workspace = dir.path().join("workspace");
    std::fs::create_dir(&workspace).unwrap();
    std::fs::hard_link(&secret, workspace.join("notes.md")).unwrap();
    let mut child = Command::new(STAND_IN)
        .args(["exec", "--json", "--skip-git-repo-check", "-C"])
        .arg(&workspace)
        .arg("-")
        .current_dir(&workspace)
        .env("PROMPT_DIARY_CASSETTE", &cassette)
        .env_remove("PROMPT_DIARY_RECORD_MODE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Write notes.md <script>window.pwned=1</script>")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep me\n");
    assert_eq!(
        std::fs::read_to_string(workspace.join("notes.md")).unwrap(),
        "hello </textarea>"
    );
}

#[test]
fn an_effect_path_past_the_platform_limits_is_refused_when_the_cassette_loads() {
    let dir = tempfile::tempdir().unwrap();
    let deep = vec!["d".repeat(255); 40].join("/");
    let cases = [
        ("long", "n".repeat(5000)),
        ("deep", deep),
        ("name", format!("a/{}", "n".repeat(256))),
    ];
    for (name, path) in cases {
        let cassette = edited_copy(dir.path(), "fixtures/view/exec_two_runs.jsonl", |text| {
            text.replace("\"path\":\"notes.md\"", &format!("\"path\":\"{path}\""))
        });
        let named = dir.path().join(format!("{name}.jsonl"));
        std::fs::rename(&cassette, &named).unwrap();
        let out = prompt_diary(dir.path(), &["inspect", named.to_str().unwrap()]);
        let said = text(&out.stderr);
        assert!(!out.status.success(), "{name}: {}", text(&out.stdout));
        assert!(
            said.contains(&format!("{}:8:", named.display())),
            "{name}: the error names the file and line: {said}"
        );
        assert!(said.contains("longer than the platform allows"), "{said}");
    }
}
