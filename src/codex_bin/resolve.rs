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
//!
//! prompt-diary's stand-in is never the answer ([`is_stand_in`]): named by the environment it is
//! an error, found on `PATH` it is skipped. [`codex_to_record_with`] adds the one case where
//! the pinned Codex is installed on its own.

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

/// The Codex binary could not be found, or what was found is no real Codex: each variant says
/// where it looked, in order, and what to do next.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryNotFound {
    /// A binary named explicitly (the config's `codex_bin`, or `PROMPT_DIARY_CODEX_BIN`) is not
    /// a file.
    #[error(
        "{} names a Codex binary that does not exist: {}. Fix or unset it (then {} looked at; \
         `prompt-diary install-codex` installs the pinned Codex for the project)",
        place_name(*place),
        path.display(),
        places_after(*place)
    )]
    NotAFile {
        /// Where it was named.
        place: BinarySource,
        /// The path named.
        path: PathBuf,
    },
    /// The binary named is prompt-diary's stand-in (`prompt-diary-codex`): recording through it
    /// would record the stand-in itself.
    #[error(
        "{} names {}, which is prompt-diary's stand-in, not the real Codex: the stand-in never \
         records through itself. Point {CODEX_BIN_ENV} at the real Codex (`prompt-diary \
         install-codex` installs the pinned one)",
        place_name(*place),
        path.display()
    )]
    StandIn {
        /// Where it was named.
        place: BinarySource,
        /// The path named.
        path: PathBuf,
    },
    /// Nothing was found: the explicit path and `PROMPT_DIARY_CODEX_BIN` were not set, the
    /// project-local install of `version` is not at any of `roots`, and `PATH` holds no `codex`
    /// but the stand-ins in `stand_ins` (skipped).
    #[error("{}", nowhere(version, roots, stand_ins))]
    Nowhere {
        /// The Codex version whose project-local install was looked for.
        version: String,
        /// The project roots looked at for `.prompt-diary/codex/<version>/`.
        roots: Vec<PathBuf>,
        /// The `codex` files on `PATH` that are the stand-in, skipped.
        stand_ins: Vec<PathBuf>,
    },
    /// The project's pinned Codex was not installed, and installing it failed.
    #[error(
        "recording needs the project's pinned Codex {version}, which is not installed at {}, \
         and installing it failed: {source}. Or point {CODEX_BIN_ENV} at a Codex binary",
        root.display()
    )]
    Install {
        /// The pinned version.
        version: String,
        /// The project root it was installed into.
        root: PathBuf,
        /// Why it failed.
        #[source]
        source: std::sync::Arc<super::InstallError>,
    },
    /// The project file that gives the pin could not be read, so nothing was looked for.
    #[error("the Codex binary could not be looked for: {source}")]
    Project {
        /// What is wrong with the project file.
        #[source]
        source: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
}

/// How a place is named in messages.
fn place_name(place: BinarySource) -> &'static str {
    match place {
        BinarySource::Explicit => "CodexBackendConfig::codex_bin",
        BinarySource::Environment => CODEX_BIN_ENV,
        BinarySource::LocalInstall => "the project-local install",
        BinarySource::Path => "`codex` on PATH",
    }
}

/// The places looked at after `place`, for [`BinaryNotFound::NotAFile`].
fn places_after(place: BinarySource) -> String {
    match place {
        BinarySource::Explicit => {
            format!("{CODEX_BIN_ENV}, the project-local install and `codex` on PATH are")
        }
        _ => "the project-local install and `codex` on PATH are".to_owned(),
    }
}

/// The message of [`BinaryNotFound::Nowhere`]: every place, in order, and the way out.
fn nowhere(version: &str, roots: &[PathBuf], stand_ins: &[PathBuf]) -> String {
    let mut report = String::from("no Codex CLI binary was found. Looked, in order, at:\n");
    let _ = writeln!(report, "  1. CodexBackendConfig::codex_bin: not set");
    let _ = writeln!(report, "  2. ${CODEX_BIN_ENV}: not set");
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
    if stand_ins.is_empty() {
        let _ = writeln!(report, "  4. `codex` on PATH: not found");
    } else {
        let _ = writeln!(
            report,
            "  4. `codex` on PATH: only prompt-diary's stand-in ({}), which is never the real Codex",
            stand_ins
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = write!(
        report,
        "Install the pinned Codex {version} into the project with `prompt-diary install-codex` \
         (it runs `npm install --prefix {LOCAL_INSTALL_DIR}/{version} @openai/codex@{version}` \
         at the project root), or point {CODEX_BIN_ENV} at a Codex binary."
    );
    report
}

impl BinaryNotFound {
    /// The project file could not be read (`source` says why).
    pub(crate) fn project(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Project {
            source: std::sync::Arc::new(source),
        }
    }
}

/// The stand-in's file name (without the platform's executable suffix).
pub(crate) const STAND_IN_BIN: &str = "prompt-diary-codex";

/// Whether `candidate` is prompt-diary's stand-in, never a real Codex: through every link, a
/// file named `prompt-diary-codex`, or this very executable (a copy of the stand-in as `codex`
/// that is running) (the pytest
/// plugin's and `install-stand-in`'s `codex` links point at it). The one check every path that
/// looks for the real Codex makes (the adapter, the stand-in's app-server and exec recordings,
/// and the wrappers' `prompt-diary project --record-mode`).
pub(crate) fn is_stand_in(candidate: &Path) -> bool {
    let Ok(real) = std::fs::canonicalize(candidate) else {
        return false;
    };
    let named = real
        .file_stem()
        .is_some_and(|stem| stem == std::ffi::OsStr::new(STAND_IN_BIN));
    named || is_myself(&real)
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

/// The first `codex` on `PATH` that is not the stand-in, and the stand-ins skipped before it.
fn on_path() -> (Option<PathBuf>, Vec<PathBuf>) {
    let mut skipped = Vec::new();
    let Some(path) = std::env::var_os("PATH") else {
        return (None, skipped);
    };
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join("codex");
        if !candidate.is_file() {
            continue;
        }
        if is_stand_in(&candidate) {
            skipped.push(candidate);
            continue;
        }
        return (Some(candidate), skipped);
    }
    (None, skipped)
}

/// Resolves the Codex binary in the documented order: `explicit`, `PROMPT_DIARY_CODEX_BIN`, the
/// project-local install of `pin` (or, without one, of [`PINNED_CODEX_VERSION`] at the working
/// directory's project roots), `codex` on `PATH`. The stand-in is never the answer from the
/// environment or `PATH` ([`BinaryNotFound::StandIn`]; a stand-in on `PATH` is skipped); an
/// explicit path is taken as given (a test may drive the stand-in itself through the adapter),
/// unless this process is that stand-in.
pub fn resolve_codex_bin(
    explicit: Option<&Path>,
    pin: Option<ProjectPin<'_>>,
) -> Result<(PathBuf, BinarySource), BinaryNotFound> {
    let named = |place, path: PathBuf| {
        if !path.is_file() {
            Err(BinaryNotFound::NotAFile { place, path })
        } else if is_stand_in(&path) && (place != BinarySource::Explicit || is_myself(&path)) {
            Err(BinaryNotFound::StandIn { place, path })
        } else {
            Ok((path, place))
        }
    };
    if let Some(path) = explicit {
        return named(BinarySource::Explicit, path.to_path_buf());
    }
    if let Some(value) = std::env::var_os(CODEX_BIN_ENV).filter(|v| !v.is_empty()) {
        return named(BinarySource::Environment, PathBuf::from(value));
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let (roots, version) = local_roots(pin, &cwd);
    if let Some(path) = find_local_install(&roots, version) {
        return Ok((path, BinarySource::LocalInstall));
    }
    match on_path() {
        (Some(path), _) => Ok((path, BinarySource::Path)),
        (None, stand_ins) => Err(BinaryNotFound::Nowhere {
            version: version.to_owned(),
            roots,
            stand_ins,
        }),
    }
}

/// The real Codex a recording runs through, for the test harnesses (the pytest plugin and the
/// npm helper ask `prompt-diary project --record-mode`): [`resolve_codex_bin`] with no explicit
/// path, except that in a project with a `prompt-diary.toml` (`pin`) its pinned Codex wins over
/// `codex` on `PATH` and is installed first when it is missing (`progress` hears npm). The only
/// place `install-codex` runs without being asked for by name.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // asked for by `prompt-diary project` only
pub(crate) fn codex_to_record_with(
    pin: Option<ProjectPin<'_>>,
    progress: impl FnMut(&str),
) -> Result<(PathBuf, BinarySource), BinaryNotFound> {
    let set = std::env::var_os(CODEX_BIN_ENV).is_some_and(|v| !v.is_empty());
    let Some(pin) = pin.filter(|_| !set) else {
        return resolve_codex_bin(None, pin);
    };
    if let Some(path) = installed_binary(pin.root, pin.version) {
        return Ok((path, BinarySource::LocalInstall));
    }
    super::install_codex(pin.root, pin.version, progress)
        .map(|path| (path, BinarySource::LocalInstall))
        .map_err(|source| BinaryNotFound::Install {
            version: pin.version.to_owned(),
            root: pin.root.to_owned(),
            source: std::sync::Arc::new(source),
        })
}

/// Whether `path` is this very executable.
fn is_myself(path: &Path) -> bool {
    let me = std::env::current_exe().and_then(std::fs::canonicalize).ok();
    me.is_some() && std::fs::canonicalize(path).ok() == me
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
        assert!(
            matches!(&err, BinaryNotFound::NotAFile { place: BinarySource::Explicit, path } if path == Path::new("/no/such/codex")),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("CodexBackendConfig::codex_bin names a Codex binary that does not exist: /no/such/codex"),
            "{err}"
        );
    }
}
