//! A cassette per test, named after the test: [`test_cassette!`](crate::test_cassette).
//!
//! ```no_run
//! use prompt_diary::agent::{AgentConfig, AgentSessionFactory, TurnOptions};
//! use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};
//!
//! // In `tests/notes.rs` of a crate whose `prompt-diary.toml` says `cassettes = "tests/cassettes"`,
//! // this test replays `tests/cassettes/writes_notes.jsonl` (a test in `mod agent` of that file
//! // would replay `tests/cassettes/agent/writes_notes.jsonl`).
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
//! - the module path is the test's `module_path!()` without its first segment, the crate's name
//!   (for an integration test `tests/notes.rs` that is the file's name, so two files' tests of the
//!   same name and module share a cassette: give them distinct names or modules);
//! - the test name is the name of the function the macro is written in (an `async fn` under
//!   `#[tokio::test]` included), found at compile time, so it does not depend on the thread that
//!   runs the test (`cargo nextest` runs each test in a process of its own, `--test-threads=1`
//!   on the main thread). Write the macro in the test function itself: in a helper it names the
//!   helper. The cases of an `#[rstest]` test share the test function, and so one cassette.
//!
//! What to do with it comes from the project file's `record_mode` and `PROMPT_DIARY_RECORD_MODE`
//! (replay only by default and always under CI), like any other cassette: record a new test's
//! cassette with `PROMPT_DIARY_RECORD_MODE=once cargo test NAME`, commit it, and CI replays it.

use std::path::{Path, PathBuf};

use crate::cassette::CassetteSettings;
use crate::project::{DEFAULT_CASSETTES, ProjectFile, ProjectFileError};

/// The project file could not be read for a test's cassette.
#[derive(Debug, thiserror::Error)]
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

/// The cassette settings of the test `test` in module `module_path` (as `module_path!()` gives
/// it, the crate's name first) of the crate whose folder is `start`: see the
/// [module](self) for the path and the mode. [`test_cassette!`](crate::test_cassette) calls it
/// with the test's own names.
///
/// # Errors
/// The project file found from `start` upwards cannot be read or is invalid.
pub fn settings_for_test(
    start: &Path,
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
    let path = cassette_path(&dir, module_path, test);
    let mut settings = CassetteSettings::for_project(path, project.as_ref());
    if settings.record_command.is_none() {
        settings.record_command = Some(record_command(module_path, test));
    }
    Ok(settings)
}

/// `<dir>/<module path without the crate's name>/<test>.jsonl`.
fn cassette_path(dir: &Path, module_path: &str, test: &str) -> PathBuf {
    let mut path = dir.to_path_buf();
    path.extend(module_path.split("::").skip(1));
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

/// The command that records one test's cassette.
fn record_command(module_path: &str, test: &str) -> String {
    format!(
        "PROMPT_DIARY_RECORD_MODE=once cargo test {}",
        test_path(module_path, test)
    )
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
            module_path!(),
            $crate::per_test::enclosing_function(
                module_path!(),
                ::std::any::type_name_of_val(&prompt_diary_test_cassette_here),
            ),
        )
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_is_the_function_around_the_macro() {
        let settings = crate::test_cassette!("/project").unwrap();
        assert_eq!(
            settings.path,
            Path::new(
                "/project/cassettes/per_test/tests/the_test_is_the_function_around_the_macro.jsonl"
            )
        );
        assert_eq!(
            settings.record_command.as_deref(),
            Some(
                "PROMPT_DIARY_RECORD_MODE=once cargo test \
                 per_test::tests::the_test_is_the_function_around_the_macro"
            )
        );
    }

    #[tokio::test]
    async fn an_async_test_is_named_too() {
        let settings = crate::test_cassette!("/project").unwrap();
        assert_eq!(
            settings.path,
            Path::new("/project/cassettes/per_test/tests/an_async_test_is_named_too.jsonl")
        );
    }

    #[test]
    fn the_folder_and_the_mode_come_from_the_project_file_above() {
        let project = tempfile::tempdir().unwrap();
        std::fs::write(
            project.path().join("prompt-diary.toml"),
            "cassettes = \"tests/cassettes\"\nrecord_mode = \"once\"\n",
        )
        .unwrap();
        let crate_dir = project.path().join("crates/notes");
        std::fs::create_dir_all(&crate_dir).unwrap();
        let settings = crate::test_cassette!(crate_dir).unwrap();
        let root = std::path::absolute(project.path()).unwrap();
        assert_eq!(
            settings.path,
            root.join("tests/cassettes/per_test/tests/the_folder_and_the_mode_come_from_the_project_file_above.jsonl")
        );
        assert_eq!(settings.mode, crate::cassette::RecordMode::Once);
    }

    #[test]
    fn a_broken_project_file_is_an_error_naming_the_test_and_the_file() {
        let project = tempfile::tempdir().unwrap();
        let file = project.path().join("prompt-diary.toml");
        std::fs::write(&file, "casettes = \"c\"\n").unwrap();
        let err = crate::test_cassette!(project.path())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "the cassette of test `per_test::tests::a_broken_project_file_is_an_error_naming_the_test_and_the_file`: "
            ) && err.contains(&file.display().to_string())
                && err.contains("casettes"),
            "{err}"
        );
    }

    #[test]
    fn without_a_folder_the_crate_s_own_project_file_is_read() {
        let settings = crate::test_cassette!().unwrap();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let project = ProjectFile::find(manifest).unwrap();
        let dir = project.map_or_else(|| manifest.join(DEFAULT_CASSETTES), |p| p.cassette_dir());
        assert_eq!(
            settings.path,
            dir.join("per_test/tests/without_a_folder_the_crate_s_own_project_file_is_read.jsonl")
        );
    }

    #[test]
    fn closures_and_blocks_are_not_names() {
        let m = "krate::tests";
        let name = |item| enclosing_function(m, item);
        assert_eq!(name("krate::tests::writes::{{closure}}::here"), "writes");
        assert_eq!(
            name("krate::tests::writes::{{closure}}::{{closure}}::here"),
            "writes"
        );
        assert_eq!(name("krate::tests::writes::here"), "writes");
        assert_eq!(name("krate::tests::outer::inner::here"), "inner");
    }

    #[test]
    fn a_crate_root_test_gets_a_cassette_at_the_folder_root() {
        assert_eq!(
            cassette_path(Path::new("/p/c"), "notes", "works"),
            Path::new("/p/c/works.jsonl")
        );
        assert_eq!(
            record_command("notes", "works"),
            "PROMPT_DIARY_RECORD_MODE=once cargo test works"
        );
    }
}
