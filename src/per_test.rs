//! A cassette per test, named after the test: [`test_cassette!`](crate::test_cassette).
//!
//! ```no_run
//! use prompt_diary::agent::{AgentConfig, AgentSessionFactory, TurnOptions};
//! use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};
//!
//! // In `tests/notes.rs` of a crate whose `prompt-diary.toml` says `cassettes = "tests/cassettes"`,
//! // this test replays `tests/cassettes/notes/writes_notes.jsonl` (a test in `mod agent` of that
//! // file would replay `tests/cassettes/notes/agent/writes_notes.jsonl`).
//! # async fn writes_notes() -> Result<(), Box<dyn std::error::Error>> {
//! let workspace = tempfile::tempdir()?;
//! let config = CodexBackendConfig::default().with_cassette_settings(prompt_diary::test_cassette!()?);
//! let factory = CodexAgentSessionFactory::start(config).await?;
//! let mut runner = factory.runner(AgentConfig::new(workspace.path())).await?;
//! runner.turn("Write notes.md", TurnOptions::default()).await?;
//! factory.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! The cassette is `<cassette folder>/<module path>/<test name>.jsonl`:
//! - the cassette folder is the one the project file names (`cassettes` in `prompt-diary.toml`),
//!   the file found from the test's crate folder (`CARGO_MANIFEST_DIR`) upwards; without a project
//!   file, `cassettes/` in the test's crate folder;
//! - the module path is the test's `module_path!()`, which starts with the name of the crate the
//!   test is compiled in. An integration test keeps it: `tests/notes.rs` is the crate `notes`,
//!   so its tests' cassettes are under `notes/`, and two test files' tests of the same name never
//!   share a cassette (a binary's unit tests likewise keep the binary's name). The library's own
//!   unit tests drop it: theirs start at the cassette folder's root;
//! - the test name is the name of the function the macro is written in (an `async fn` under
//!   `#[tokio::test]` included), found at compile time, so it does not depend on the thread that
//!   runs the test (`cargo nextest` runs each test in a process of its own, `--test-threads=1`
//!   on the main thread). Write the macro in the test function itself: in a helper it names the
//!   helper. The cases of an `#[rstest]` test share the test function, and so one cassette.
//!
//! What to do with it comes from the project file's `record_mode` and `PROMPT_DIARY_RECORD_MODE`
//! (replay only by default and always under CI), like any other cassette. The reports name the
//! command that records that one test, run from the crate's folder:
//! - a missing cassette: `PROMPT_DIARY_RECORD_MODE=once cargo test -p PACKAGE --test notes --
//!   --exact writes_notes` (`--lib` for the library's tests, `--bin NAME` for a binary's);
//! - a divergence, or interactions left unused: the same with `all` (`once` leaves an existing
//!   cassette alone), whose recording waits beside the cassette as `writes_notes.jsonl.new`, then
//!   `&& prompt-diary accept tests/cassettes/notes writes_notes`, which makes it the cassette
//!   (`prompt-diary review` shows the change first; without the command line, rename the file).
//!
//! A project file's `record_command` replaces both. Commit the cassette, and CI replays it.

use std::path::{Component, Path, PathBuf};

use crate::cassette::CassetteSettings;
use crate::project::{DEFAULT_CASSETTES, ProjectFile, ProjectFileError};

/// The project file could not be read for a test's cassette.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum TestCassetteError {
    /// The project file found is unreadable or invalid.
    #[error("the cassette of test `{test}`: {source}")]
    Project {
        /// The test (`module::path::name`, without the crate's name).
        test: String,
        /// What is wrong with the file.
        #[source]
        source: ProjectFileError,
    },
}

/// `Debug` reads like `Display`: a test returning `Box<dyn Error>` prints its error with it.
impl std::fmt::Debug for TestCassetteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

/// The cargo target a test is compiled in: where its cassettes go, and how `cargo test` selects
/// it. [`test_cassette!`](crate::test_cassette) finds it where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TestTarget {
    /// The library's own unit tests (`cargo test --lib`): cassettes at the folder's root.
    Lib,
    /// A binary's unit tests (`cargo test --bin NAME`): cassettes under the binary's crate name.
    Bin(String),
    /// An integration test (`cargo test --test NAME`, a file or folder in `tests/`): cassettes
    /// under its crate name, so two test files' tests of the same name never share one.
    Test(String),
}

impl TestTarget {
    /// The target being compiled, from what cargo sets while compiling it: `CARGO_BIN_NAME`
    /// (a binary), `CARGO_TARGET_TMPDIR` (an integration test or a bench), `CARGO_CRATE_NAME`,
    /// and the source file `file!()` (a test file named `my-notes.rs` is the target `my-notes`,
    /// whose crate name is `my_notes`). Used by [`test_cassette!`](crate::test_cassette).
    #[doc(hidden)]
    pub fn compiled(
        crate_name: Option<&str>,
        bin_name: Option<&str>,
        integration: bool,
        file: &str,
    ) -> Self {
        if let Some(bin) = bin_name {
            return Self::Bin(bin.to_owned());
        }
        let Some(crate_name) = crate_name.filter(|_| integration) else {
            return Self::Lib;
        };
        // `tests/NAME.rs` or `tests/NAME/...`: the target's own spelling of its name.
        let parts: Vec<&str> = file.split(['/', '\\']).collect();
        let named = parts
            .iter()
            .rposition(|part| *part == "tests")
            .and_then(|at| parts.get(at + 1))
            .map(|name| name.strip_suffix(".rs").unwrap_or(name))
            .filter(|name| name.replace('-', "_") == crate_name);
        Self::Test(named.unwrap_or(crate_name).to_owned())
    }

    /// How `cargo test` selects this target: `--lib`, `--bin NAME` or `--test NAME`.
    fn selector(&self) -> String {
        match self {
            Self::Lib => "--lib".to_owned(),
            Self::Bin(name) => format!("--bin {name}"),
            Self::Test(name) => format!("--test {name}"),
        }
    }
}

/// The cassette settings of the test `test` in module `module_path` (as `module_path!()` gives
/// it, the crate's name first) of the target `target` of the package `package`, whose folder is
/// `start`: see the [module](self) for the path, the mode and the commands that record it.
/// [`test_cassette!`](crate::test_cassette) calls it with the test's own names.
///
/// # Errors
/// The project file found from `start` upwards cannot be read or is invalid.
pub fn settings_for_test(
    start: &Path,
    package: &str,
    target: &TestTarget,
    module_path: &str,
    test: &str,
) -> Result<CassetteSettings, TestCassetteError> {
    let project = ProjectFile::find(start).map_err(|source| TestCassetteError::Project {
        test: test_path(module_path, test),
        source,
    })?;
    let dir = project
        .as_ref()
        .map_or_else(|| start.join(DEFAULT_CASSETTES), ProjectFile::cassette_dir);
    let path = cassette_path(&dir, target, module_path, test);
    let mut settings = CassetteSettings::for_project(&path, project.as_ref());
    if settings.record_command.is_none() {
        let cargo_test = cargo_test(package, target, module_path, test);
        let folder = path
            .parent()
            .map_or_else(PathBuf::new, |f| relative(start, f));
        settings.record_command = Some(format!(
            "{} && prompt-diary accept {} {test}",
            cargo_test.replace("=once ", "=all "),
            folder.display()
        ));
        settings.missing_command = Some(cargo_test);
    }
    Ok(settings)
}

/// `<dir>/<module path>/<test>.jsonl`, where the module path keeps the crate's name (the
/// target's) except for the library's own tests.
fn cassette_path(dir: &Path, target: &TestTarget, module_path: &str, test: &str) -> PathBuf {
    let skip = usize::from(*target == TestTarget::Lib);
    let mut path = dir.to_path_buf();
    path.extend(module_path.split("::").skip(skip));
    path.join(format!("{test}.jsonl"))
}

/// `module::path::test` without the crate's name: the test's name for `cargo test`'s filter.
fn test_path(module_path: &str, test: &str) -> String {
    let names: Vec<&str> = module_path
        .split("::")
        .skip(1)
        .chain(std::iter::once(test))
        .collect();
    names.join("::")
}

/// The command that runs this one test recording what is missing (`once`): its package, its
/// target and its full name, exactly.
fn cargo_test(package: &str, target: &TestTarget, module_path: &str, test: &str) -> String {
    format!(
        "PROMPT_DIARY_RECORD_MODE=once cargo test -p {package} {} -- --exact {}",
        target.selector(),
        test_path(module_path, test)
    )
}

/// `to` as a path from the folder `from` (`.` for the same folder), for commands run there.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let (from, to) = (absolute(from), absolute(to));
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut path: PathBuf = from[common..]
        .iter()
        .map(|_| Component::ParentDir)
        .collect();
    path.extend(&to[common..]);
    if path.as_os_str().is_empty() {
        path.push(".");
    }
    path
}

/// The name of the function whose nested item has the type name `item` (as
/// [`type_name_of_val`](std::any::type_name_of_val) gives it), in the module `module_path`:
/// `krate::tests::writes_notes::{{closure}}::here` is `writes_notes`. Used by
/// [`test_cassette!`](crate::test_cassette).
#[doc(hidden)]
pub fn enclosing_function<'a>(module_path: &str, item: &'a str) -> &'a str {
    let inside = item
        .strip_prefix(module_path)
        .and_then(|rest| rest.strip_prefix("::"))
        .unwrap_or(item);
    let mut names = inside.rsplit("::").filter(|part| !part.starts_with('{'));
    names.next(); // the nested item itself
    names.next().unwrap_or(inside)
}

/// The cassette settings of the test this is written in: a cassette named after the test
/// (`<cassette folder>/<module path>/<test name>.jsonl`, see [`per_test`](crate::per_test)), the
/// mode from the project file and `PROMPT_DIARY_RECORD_MODE`. Gives
/// `Result<CassetteSettings, TestCassetteError>`.
///
/// `test_cassette!()` finds the project file from the test's crate folder (`CARGO_MANIFEST_DIR`);
/// `test_cassette!(folder)` from `folder` instead.
///
/// ```no_run
/// # fn main() -> Result<(), prompt_diary::per_test::TestCassetteError> {
/// let config = prompt_diary::codex::CodexBackendConfig::default()
///     .with_cassette_settings(prompt_diary::test_cassette!()?);
/// # Ok(()) }
/// ```
#[macro_export]
macro_rules! test_cassette {
    () => {
        $crate::test_cassette!(env!("CARGO_MANIFEST_DIR"))
    };
    ($start:expr) => {{
        fn prompt_diary_test_cassette_here() {}
        $crate::per_test::settings_for_test(
            ::std::path::Path::new(&$start),
            env!("CARGO_PKG_NAME"),
            &$crate::per_test::TestTarget::compiled(
                option_env!("CARGO_CRATE_NAME"),
                option_env!("CARGO_BIN_NAME"),
                option_env!("CARGO_TARGET_TMPDIR").is_some(),
                file!(),
            ),
            module_path!(),
            $crate::per_test::enclosing_function(
                module_path!(),
                ::std::any::type_name_of_val(&prompt_diary_test_cassette_here),
            ),
        )
    }};
}

#[cfg(test)]
#[path = "per_test_tests.rs"]
mod tests;
