//! The stand-in never records through itself, on either path (`codex exec` and `app-server`):
//! named by `PROMPT_DIARY_CODEX_BIN` it is refused, found on `PATH` (where the pytest plugin and
//! `install-stand-in` put it, as `codex`) it is skipped. One check in Rust
//! (`codex_bin::is_stand_in`) decides for both; these need no Codex.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use rstest::rstest;

const SHIM: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");

/// Runs the stand-in recording (`once`, no cassette yet) in a temp folder with `args`, the
/// real Codex named by `codex_bin` or looked for on `path`.
fn record_with(
    args: &[&str],
    codex_bin: Option<&Path>,
    path: &Path,
) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(SHIM);
    command
        .args(args)
        .current_dir(dir.path())
        .env_remove("PROMPT_DIARY_CODEX_BIN")
        .env_remove("CI")
        .env("PATH", path)
        .env("PROMPT_DIARY_CASSETTE", dir.path().join("c.jsonl"))
        .env("PROMPT_DIARY_RECORD_MODE", "once")
        .stdin(Stdio::null());
    if let Some(bin) = codex_bin {
        command.env("PROMPT_DIARY_CODEX_BIN", bin);
    }
    (command.output().unwrap(), dir)
}

#[rstest]
#[case::exec(&["exec", "--json", "Write notes.md"])]
#[case::app_server(&["app-server"])]
fn the_stand_in_named_as_the_real_codex_is_refused(#[case] args: &[&str]) {
    let (out, dir) = record_with(args, Some(Path::new(SHIM)), Path::new("/usr/bin:/bin"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "PROMPT_DIARY_CODEX_BIN names {SHIM}, which is prompt-diary's stand-in, not the real \
             Codex: the stand-in never records through itself"
        )),
        "{stderr}"
    );
    assert!(!dir.path().join("c.jsonl").exists(), "nothing was recorded");
}

#[rstest]
#[case::exec(&["exec", "--json", "Write notes.md"])]
#[case::app_server(&["app-server"])]
fn the_stand_in_on_path_as_codex_is_skipped(#[case] args: &[&str]) {
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(SHIM, bin.path().join("codex")).unwrap();
    let (out, dir) = record_with(args, None, bin.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "4. `codex` on PATH: only prompt-diary's stand-in ({}), which is never the real Codex",
            bin.path().join("codex").display()
        )),
        "{stderr}"
    );
    assert!(!dir.path().join("c.jsonl").exists(), "nothing was recorded");
}
