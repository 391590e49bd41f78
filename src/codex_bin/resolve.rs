//! Finding the Codex CLI, and installing the pinned version into the project.
//!
//! Resolution order, first match wins:
//! 1. the explicit path (the adapter's `CodexBackendConfig::codex_bin`);
//! 2. the `PROMPT_DIARY_CODEX_BIN` environment variable;
//! 3. the project-local pinned install (`prompt-diary install-codex`), found under
//!    `.prompt-diary/codex/<version>/` at the project's root only, never in any other ancestor
//!    folder, where anyone could have planted one. The caller says which project: a
//!    [`ProjectPin`] (the folder holding `prompt-diary.toml` and the version it pins), or none,
//!    and then the crate's own pin at `project_roots` of the working directory (the nearest
//!    folder holding `Cargo.toml` or `.git`, and in a Cargo workspace the ones above it up to the
//!    repository's root);
//! 4. `codex` on `PATH`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The Codex CLI version this crate is built and tested against.
pub const PINNED_CODEX_VERSION: &str = "0.171.0";

/// The environment variable naming a Codex binary.
pub const CODEX_BIN_ENV: &str = "PROMPT_DIARY_CODEX_BIN";

/// Where project-local installs live, relative to the project root.
pub(crate) const LOCAL_INSTALL_DIR: &str = ".prompt-diary/codex";

/// A project's Codex pin: the project's root (the folder holding `prompt-diary.toml`) and the
/// version it pins. [`resolve_codex_bin`] looks for the project-local install of `version` at
/// `root` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectPin<'a> {
    /// The project's root folder.
    pub root: &'a Path,
    /// The pinned Codex version.
    pub version: &'a str,
}

/// Where a binary was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinarySource {
    /// The explicit path in the backend config.
    Explicit,
    /// `PROMPT_DIARY_CODEX_BIN`.
    Environment,
    /// The project-local pinned install.
    LocalInstall,
    /// `codex` on `PATH`.
    Path,
}

/// The Codex binary could not be found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct BinaryNotFound(String);

impl BinaryNotFound {
    /// Why the binary could not be looked for (a project file that cannot be read, ...).
    pub(crate) fn because(reason: String) -> Self {
        Self(reason)
    }
}

/// The install folder of `version` under the project `root`.
pub(crate) fn install_dir(root: &Path, version: &str) -> PathBuf {
    root.join(LOCAL_INSTALL_DIR).join(version)
}

/// The `codex` executable inside an npm install at `prefix`, if there is one.
///
/// npm puts the platform build at `node_modules/@openai/codex-<platform>/vendor/<triple>/bin/codex`.
pub(crate) fn binary_in_install(prefix: &Path) -> Option<PathBuf> {
    let scope = prefix.join("node_modules").join("@openai");
    let mut platforms: Vec<_> = std::fs::read_dir(&scope)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("codex-"))
        })
        .collect();
    platforms.sort();
    platforms.into_iter().find_map(|platform| {
        let mut triples: Vec<_> = std::fs::read_dir(platform.join("vendor"))
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        triples.sort();
        triples
            .into_iter()
            .map(|triple| triple.join("bin").join("codex"))
            .find(|bin| bin.is_file())
    })
}

/// Where to look for a project-local install, and of which version: the pin's root only, or
/// without a pin the crate's own pin at [`project_roots`] of `cwd`.
fn local_roots<'a>(pin: Option<ProjectPin<'a>>, cwd: &Path) -> (Vec<PathBuf>, &'a str) {
    match pin {
        Some(pin) => (vec![pin.root.to_path_buf()], pin.version),
        None => (project_roots(cwd), PINNED_CODEX_VERSION),
    }
}

/// The first install of `version` in `roots`. An install in any other ancestor folder is never
/// looked at: a folder above the project (a shared `/tmp`, a home folder) may hold a planted one.
fn find_local_install(roots: &[PathBuf], version: &str) -> Option<PathBuf> {
    roots
        .iter()
        .find_map(|dir| binary_in_install(&install_dir(dir, version)))
}

/// The folders a project-local install may live in for a command run in `start`, nearest first:
/// each ancestor holding `Cargo.toml` or `.git`, up to and including the first one holding `.git`
/// (the repository's root bounds the project; a Cargo workspace member's install is the
/// workspace root's); `start` itself when no ancestor holds either.
pub(crate) fn project_roots(start: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for dir in start.ancestors() {
        let repository = dir.join(".git").exists();
        if repository || dir.join("Cargo.toml").is_file() {
            roots.push(dir.to_path_buf());
        }
        if repository {
            break;
        }
    }
    if roots.is_empty() {
        roots.push(start.to_path_buf());
    }
    roots
}

/// The binary of the project-local install of `version` under the project `root`, if it is
/// installed (what `prompt-diary install-codex --dir ROOT` made).
pub fn installed_binary(root: &Path, version: &str) -> Option<PathBuf> {
    binary_in_install(&install_dir(root, version))
}

/// `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Resolves the Codex binary in the documented order: `explicit`, `PROMPT_DIARY_CODEX_BIN`, the
/// project-local install of `pin` (or, without one, of [`PINNED_CODEX_VERSION`] at the working
/// directory's project roots), `codex` on `PATH`.
pub fn resolve_codex_bin(
    explicit: Option<&Path>,
    pin: Option<ProjectPin<'_>>,
) -> Result<(PathBuf, BinarySource), BinaryNotFound> {
    let mut report = String::from("no Codex CLI binary was found. Looked, in order, at:\n");
    if let Some(path) = explicit {
        if path.is_file() {
            return Ok((path.to_path_buf(), BinarySource::Explicit));
        }
        return Err(BinaryNotFound(format!(
            "the Codex binary set in CodexBackendConfig::codex_bin does not exist: {}. \
             Fix the path, or unset it to use {CODEX_BIN_ENV}, the project-local install or PATH",
            path.display()
        )));
    }
    let _ = writeln!(report, "  1. CodexBackendConfig::codex_bin: not set");
    match std::env::var_os(CODEX_BIN_ENV) {
        Some(value) if !value.is_empty() => {
            let path = PathBuf::from(value);
            if path.is_file() {
                return Ok((path, BinarySource::Environment));
            }
            return Err(BinaryNotFound(format!(
                "{CODEX_BIN_ENV} names a file that does not exist: {}. Fix or unset it",
                path.display()
            )));
        }
        _ => {
            let _ = writeln!(report, "  2. ${CODEX_BIN_ENV}: not set");
        }
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let (roots, version) = local_roots(pin, &cwd);
    if let Some(path) = find_local_install(&roots, version) {
        return Ok((path, BinarySource::LocalInstall));
    }
    let _ = writeln!(
        report,
        "  3. the project-local install ({LOCAL_INSTALL_DIR}/{version}/ at the project root {}; \
         other folders above are never searched): not installed",
        roots
            .iter()
            .map(|dir| dir.display().to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    );
    if let Some(path) = on_path("codex") {
        return Ok((path, BinarySource::Path));
    }
    let _ = writeln!(report, "  4. `codex` on PATH: not found");
    let _ = write!(
        report,
        "Install the pinned Codex {version} into the project with `prompt-diary install-codex` \
         (it runs `npm install --prefix {LOCAL_INSTALL_DIR}/{version} @openai/codex@{version}` \
         at the project root), or point {CODEX_BIN_ENV} at a Codex binary."
    );
    Err(BinaryNotFound(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_platform_binary_inside_an_npm_install() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = install_dir(dir.path(), "9.9.9");
        let bin_dir = prefix
            .join("node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin");
        std::fs::create_dir_all(&bin_dir).unwrap();
        std::fs::write(bin_dir.join("codex"), "").unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let found = |start: &Path, version| {
            let (roots, version) = local_roots(
                Some(ProjectPin {
                    root: start,
                    version,
                }),
                start,
            );
            let pinned = find_local_install(&roots, version);
            let unpinned = find_local_install(&project_roots(start), version);
            (pinned, unpinned)
        };
        assert_eq!(
            found(&nested, "9.9.9"),
            (None, None),
            "an install in a folder above the project is never used"
        );
        assert_eq!(
            found(dir.path(), "9.9.9").0,
            Some(bin_dir.join("codex")),
            "the install at a pin's root is (the folder holding prompt-diary.toml)"
        );
        std::fs::write(dir.path().join("Cargo.toml"), "").unwrap();
        assert_eq!(
            found(&nested, "9.9.9"),
            (None, Some(bin_dir.join("codex"))),
            "without a pin the install at the project root (Cargo.toml) is used; with a pin, \
             only the pin's root is looked at"
        );
        assert_eq!(found(&nested, "1.0.0"), (None, None));
        std::fs::create_dir_all(nested.join(".git")).unwrap();
        assert_eq!(
            found(&nested, "9.9.9").1,
            None,
            "a repository's root bounds the project"
        );
    }

    #[test]
    fn an_explicit_path_that_does_not_exist_is_an_error_naming_it() {
        let err = resolve_codex_bin(Some(Path::new("/no/such/codex")), None).unwrap_err();
        assert!(err.to_string().contains("/no/such/codex"), "{err}");
    }
}
