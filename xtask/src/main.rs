//! This repository's own tooling, run as `cargo xtask COMMAND` (see `.cargo/config.toml`).
//!
//! - `move-pin VERSION`: moves the Codex version prompt-diary pins in both places it lives: this
//!   repository's project file (`codex` in `prompt-diary.toml`, which every command here reads)
//!   and the crate's compiled-in default (`PINNED_CODEX_VERSION` in `src/codex_bin/resolve.rs`,
//!   the pin of projects whose file names none), and the mentions of it that people read
//!   (README.md, the justfile, docs/compatibility.md). Run it after
//!   `prompt-diary upgrade-codex --to VERSION --accept` has accepted the re-recorded cassettes
//!   (which already moved the project file's line). It edits this repository's sources, so it
//!   lives here and not in the library, which edits a project's cassettes and its
//!   `prompt-diary.toml` only.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the compiled-in pin lives, relative to the repository root.
const PIN_FILE: &str = "src/codex_bin/resolve.rs";
/// This repository's project file, whose `codex = "..."` line is its pin.
const PROJECT_FILE: &str = "prompt-diary.toml";
/// The line that holds it, around the version.
const PIN_LINE: (&str, &str) = ("pub const PINNED_CODEX_VERSION: &str = \"", "\";");

/// The files that name the pinned version for people to read (a missing one is skipped), and
/// the words that precede the version where it means the pin. Other mentions (an SDK's own
/// version, history) do not follow the pin.
const PIN_MENTIONS: (&[&str], &[&str]) = (
    &["README.md", "justfile", "docs/compatibility.md"],
    &["Codex ", "codex/", "@openai/codex@", "pinned Codex CLI, "],
);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["move-pin", version] => move_pin(&root, version).map(|old| {
            format!(
                "moved the pin from Codex {old} to Codex {version} in {PROJECT_FILE}, {PIN_FILE} \
                 and the docs (rebuild: `cargo build`)"
            )
        }),
        _ => Err("usage: cargo xtask move-pin VERSION (a release version such as 0.172.0)".into()),
    };
    match result {
        Ok(said) => {
            println!("{said}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `version` is a plain release version: `X.Y.Z`, optionally `-pre.N`-like suffix of
/// letters, digits and dots.
fn is_release(version: &str) -> bool {
    let (core, pre) = version.split_once('-').unwrap_or((version, ""));
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && pre.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
        && !(version.contains('-') && pre.is_empty())
}

/// Moves the pin in the repository at `root` to `version`; returns the old version.
fn move_pin(root: &Path, version: &str) -> Result<String, String> {
    if !is_release(version) {
        return Err(format!(
            "{version:?} is not a release version (X.Y.Z, optionally -pre.N); nothing was changed"
        ));
    }
    let file = root.join(PIN_FILE);
    let text = read(&file)?;
    let (before, after) = PIN_LINE;
    let old = text
        .split_once(before)
        .and_then(|(_, rest)| rest.split_once(after))
        .map(|(old, _)| old.to_owned())
        .ok_or_else(|| format!("{}: `{before}...{after}` is not there", file.display()))?;
    let project = root.join(PROJECT_FILE);
    let project_text = read(&project)?;
    let moved_project = move_project_pin(&project_text, version)
        .ok_or_else(|| format!("{}: no `codex = \"...\"` line", project.display()))?;
    write(
        &file,
        &text.replace(
            &format!("{before}{old}{after}"),
            &format!("{before}{version}{after}"),
        ),
    )?;
    write(&project, &moved_project)?;
    let (files, prefixes) = PIN_MENTIONS;
    for name in files {
        let file = root.join(name);
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let moved = prefixes.iter().fold(text.clone(), |text, prefix| {
            text.replace(&format!("{prefix}{old}"), &format!("{prefix}{version}"))
        });
        if moved != text {
            write(&file, &moved)?;
        }
    }
    Ok(old)
}

/// `text` (a `prompt-diary.toml`) with the value of its top-level `codex = "..."` line replaced
/// by `version`, every other byte kept; `None` when it has no such line before its first table.
fn move_project_pin(text: &str, version: &str) -> Option<String> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            return None;
        }
        let value = line
            .strip_prefix("codex")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .map(str::trim_start)
            .filter(|value| value.starts_with('"'));
        if let Some(value) = value {
            let start = offset + line.len() - value.len();
            let end = start + 1 + value[1..].find('"')? + 1;
            return Some(format!("{}\"{version}\"{}", &text[..start], &text[end..]));
        }
        offset += line.len();
    }
    None
}

fn read(file: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(file).map_err(|err| format!("{}: {err}", file.display()))
}

fn write(file: &PathBuf, text: &str) -> Result<(), String> {
    std::fs::write(file, text).map_err(|err| format!("{}: {err}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_and_its_mentions_move_and_other_versions_stay() {
        let root = std::env::temp_dir().join(format!("xtask-move-pin-{}", std::process::id()));
        std::fs::create_dir_all(root.join("src/codex_bin")).unwrap();
        std::fs::write(
            root.join(PIN_FILE),
            "/// doc\npub const PINNED_CODEX_VERSION: &str = \"0.171.0\";\n",
        )
        .unwrap();
        std::fs::write(
            root.join(PROJECT_FILE),
            "# the pin\ncodex = \"0.171.0\"  # kept\ncassettes = \"cassettes\"\n",
        )
        .unwrap();
        std::fs::write(
            root.join("README.md"),
            "installs Codex 0.171.0 into .prompt-diary/codex/0.171.0; the SDK is openai-codex==0.171.0\n",
        )
        .unwrap();

        assert_eq!(move_pin(&root, "9.9.9").unwrap(), "0.171.0");
        let pin = std::fs::read_to_string(root.join(PIN_FILE)).unwrap();
        assert!(
            pin.contains("PINNED_CODEX_VERSION: &str = \"9.9.9\";"),
            "{pin}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join(PROJECT_FILE)).unwrap(),
            "# the pin\ncodex = \"9.9.9\"  # kept\ncassettes = \"cassettes\"\n",
            "the project file's pin moves, every other byte stays"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("README.md")).unwrap(),
            "installs Codex 9.9.9 into .prompt-diary/codex/9.9.9; the SDK is openai-codex==0.171.0\n",
            "the pin's mentions move, the SDK's version stays"
        );
        let err = move_pin(&root, "../x").unwrap_err();
        assert!(err.contains("is not a release version"), "{err}");
        assert!(
            std::fs::read_to_string(root.join(PIN_FILE))
                .unwrap()
                .contains("9.9.9")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn only_release_versions_are_taken() {
        for good in ["0.171.0", "1.2.3-alpha.4", "10.0.1"] {
            assert!(is_release(good), "{good}");
        }
        for bad in [
            "../x",
            "file:x",
            "0.171",
            "0.171.0 --foo",
            "latest",
            "1.2.3-",
            "a.b.c",
        ] {
            assert!(!is_release(bad), "{bad}");
        }
    }
}
