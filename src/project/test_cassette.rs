//! Where a Python or JavaScript test's cassette lives: the one rule the pytest plugin and the
//! vitest helper ask for (`prompt-diary project --json --test-file FILE --test NAME --runner R`)
//! instead of deciding it themselves.
//!
//! The cassette is `<cassette folder>/<module>/<name>.jsonl`. The cassette folder is the project
//! file's `cassettes` when a `prompt-diary.toml` is found from the test file's folder upwards;
//! without one it is `cassettes/` beside the test file (the folder asked about), so a suite with
//! no project file keeps its cassettes next to its tests whatever folder the runner started in.
//! The module and the name follow each runner's habits (pytest-recording's and the vitest
//! helper's, unchanged):
//!
//! | runner | module | name |
//! |---|---|---|
//! | `pytest` | the test file's stem (`test_sdk`) | the name parts joined by `.` (`Class.test_x`), characters other than word characters and `.[]@+=,-` made `_` |
//! | `vitest` | the test file's path from the project root without its extension, each folder a segment (`tests/notes.test`; just the file's name when it is outside the root) | each part (`describe > test`) a folder |
//!
//! A vitest segment keeps letters, digits, `.`, `_` and `-` (other runs become one `_`), drops
//! leading `.` and `_` and is cut at 120 characters.

use std::path::{Component, Path, PathBuf};

use super::ProjectFile;
use crate::cassette::{CassetteError, FlagMode, ModeSource, RecordMode, choose_mode, in_ci};

/// What a test harness (the pytest plugin, the npm helper) does with one test's cassette, or
/// with a session when no test is named: the record mode in effect, who asked for it, and what
/// follows. The wrappers set the stand-in's environment from it and decide nothing themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // asked for by `prompt-diary project` only
pub(crate) struct TestPlan {
    /// The mode in effect (set as `PROMPT_DIARY_RECORD_MODE` for the stand-in).
    pub mode: RecordMode,
    /// Who asked for it, for people: the flag, the variable, `CI`, the project file, the default.
    pub source: String,
    /// The test's cassette, when a test was named.
    pub cassette: Option<PathBuf>,
    /// Whether that cassette exists now.
    pub exists: bool,
}

#[cfg_attr(not(feature = "cli"), allow(dead_code))]
impl TestPlan {
    /// The plan for `cassette` (or a session, `None`, looked at from `dir`) under `project` (the
    /// file found, if any): the mode as [`choose_mode`] decides it from the runner's `flag`, the
    /// environment `env` and the file's `record_mode` (CI never records).
    pub(crate) fn new(
        project: Option<&ProjectFile>,
        dir: &Path,
        cassette: Option<PathBuf>,
        flag: Option<FlagMode>,
        env: &dyn Fn(&str) -> Option<String>,
        note: &mut dyn FnMut(String),
    ) -> Result<Self, CassetteError> {
        let configured = project.and_then(|p| p.record_mode);
        let at = cassette.clone().unwrap_or_else(|| dir.to_owned());
        let (mode, source) = choose_mode(&at, configured.unwrap_or_default(), flag, env, note)?;
        let source = match (source, project, configured) {
            (ModeSource::Flag(name) | ModeSource::Env(name), ..) => name.to_owned(),
            (ModeSource::Configured, Some(file), Some(asked)) if asked != RecordMode::None => {
                if in_ci(env) {
                    format!(
                        "CI, which reads record_mode {asked} in {} as none",
                        file.path.display()
                    )
                } else {
                    format!("record_mode in {}", file.path.display())
                }
            }
            (ModeSource::Configured, Some(file), Some(_)) => {
                format!("record_mode in {}", file.path.display())
            }
            (ModeSource::Configured, ..) if in_ci(env) => "CI".to_owned(),
            (ModeSource::Configured, ..) => "the default".to_owned(),
        };
        let exists = cassette.as_deref().is_some_and(Path::exists);
        Ok(Self {
            mode,
            source,
            cassette,
            exists,
        })
    }

    /// Whether the test may record, and so needs the real Codex: `all`; `once` with the
    /// cassette missing; `new_episodes` (it appends what the cassette lacks). For a session: any
    /// mode but `none`.
    pub(crate) fn records(&self) -> bool {
        match self.mode {
            RecordMode::None => false,
            RecordMode::Once => self.cassette.is_none() || !self.exists,
            RecordMode::NewEpisodes | RecordMode::All => true,
        }
    }

    /// Whether the test must fail before it runs: its cassette is missing and the mode replays
    /// only.
    pub(crate) fn missing(&self) -> bool {
        self.cassette.is_some() && !self.exists && self.mode == RecordMode::None
    }

    /// Whether, after a passing test, the recorded exec runs it left unused fail it: the
    /// cassette was there to replay (every mode but `all`, which records it again).
    pub(crate) fn check_unused(&self) -> bool {
        self.exists && self.mode != RecordMode::All
    }
}

/// The test runner whose naming a test's cassette path follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TestRunner {
    /// pytest (the `prompt_diary_cassettes` plugin).
    Pytest,
    /// vitest or jest (the `prompt-diary` npm helper).
    Vitest,
}

/// The cassette of the test named `names` (its parts: pytest's node id after the file, vitest's
/// `describe > test`) in `test_file`, under `project`: the project file found from the test
/// file's folder, or the defaults rooted at that folder when there is none (see the module).
pub(crate) fn test_cassette(
    project: &ProjectFile,
    test_file: Option<&Path>,
    names: &[String],
    runner: TestRunner,
) -> PathBuf {
    let mut path = project.cassette_dir();
    match runner {
        TestRunner::Pytest => {
            if let Some(stem) = test_file.and_then(Path::file_stem) {
                path.push(stem);
            }
            path.push(format!("{}.jsonl", pytest_safe(&names.join("."))));
        }
        TestRunner::Vitest => {
            if let Some(file) = test_file {
                path.extend(vitest_module(project.root(), file));
            }
            let mut parts: Vec<String> = names.iter().map(|n| vitest_safe(n)).collect();
            let last = parts.pop().unwrap_or_else(|| "_".to_owned());
            path.extend(parts);
            path.push(format!("{last}.jsonl"));
        }
    }
    path
}

/// A pytest name with the characters a file name should not hold made `_`.
fn pytest_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || "_.[]@+=,-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A vitest path segment: see the module.
fn vitest_safe(text: &str) -> String {
    let mut safe = String::new();
    let mut in_run = false; // inside a run of other characters, already written as one `_`
    for c in text.trim().chars() {
        let kept = c.is_ascii_alphanumeric() || "._-".contains(c);
        if kept {
            safe.push(c);
        } else if !in_run {
            safe.push('_');
        }
        in_run = !kept;
    }
    let safe: String = safe
        .trim_start_matches(['.', '_'])
        .chars()
        .take(120)
        .collect();
    if safe.is_empty() {
        "_".to_owned()
    } else {
        safe
    }
}

/// The test file's segments under the root, without its extension (`.ts`, `.mjs`, `.jsx`...).
fn vitest_module(root: &Path, file: &Path) -> Vec<String> {
    let relative = match file.strip_prefix(root) {
        Ok(inside)
            if inside
                .components()
                .all(|c| matches!(c, Component::Normal(_))) =>
        {
            inside.to_path_buf()
        }
        _ => PathBuf::from(file.file_name().unwrap_or(file.as_os_str())),
    };
    let mut segments: Vec<String> = relative
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = segments.last_mut() {
        *last = without_script_extension(last).to_owned();
    }
    segments.iter().map(|s| vitest_safe(s)).collect()
}

/// `name` without a `.js`, `.ts`, `.jsx`, `.tsx`, `.mjs`, `.cts` ... extension.
fn without_script_extension(name: &str) -> &str {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return name;
    };
    let ext = ext.strip_suffix('x').unwrap_or(ext);
    let ext = ext.strip_prefix(['c', 'm']).unwrap_or(ext);
    if ext == "js" || ext == "ts" {
        stem
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn project(file: bool) -> ProjectFile {
        ProjectFile {
            path: PathBuf::from("/p/prompt-diary.toml"),
            cassettes: file.then(|| PathBuf::from("tests/cassettes")),
            ..ProjectFile::default()
        }
    }

    /// No project file: the defaults rooted at the test file's folder (`/p/tests` here), as
    /// `prompt-diary project --test-file` builds them.
    fn beside(folder: &str) -> ProjectFile {
        ProjectFile {
            path: Path::new(folder).join(super::super::PROJECT_FILE),
            ..ProjectFile::default()
        }
    }

    #[rstest]
    // pytest with a project file: `<cassettes>/<stem>/<name>.jsonl`, as before.
    #[case(project(true), "/p/tests/test_sdk.py", &["test_x"], TestRunner::Pytest,
        "/p/tests/cassettes/test_sdk/test_x.jsonl")]
    #[case(project(true), "/p/tests/deep/test_sdk.py", &["Group", "test_x"], TestRunner::Pytest,
        "/p/tests/cassettes/test_sdk/Group.test_x.jsonl")]
    #[case(project(true), "/p/tests/test_sdk.py", &["test_x[a b/c]"], TestRunner::Pytest,
        "/p/tests/cassettes/test_sdk/test_x[a_b_c].jsonl")]
    // pytest without one: beside the test file, whatever folder pytest started in.
    #[case(beside("/q/tests"), "/q/tests/test_seed_live.py", &["test_live"], TestRunner::Pytest,
        "/q/tests/cassettes/test_seed_live/test_live.jsonl")]
    // vitest with a project file: the file's path from the root, as before.
    #[case(project(true), "/p/tests/notes.test.ts", &["writes one note"], TestRunner::Vitest,
        "/p/tests/cassettes/tests/notes.test/writes_one_note.jsonl")]
    #[case(project(true), "/p/tests/a.test.mjs", &["group", " .odd  name!"], TestRunner::Vitest,
        "/p/tests/cassettes/tests/a.test/group/odd_name_.jsonl")]
    #[case(project(true), "/elsewhere/b.spec.tsx", &["t"], TestRunner::Vitest,
        "/p/tests/cassettes/b.spec/t.jsonl")]
    // vitest without one: beside the test file.
    #[case(beside("/q/suite"), "/q/suite/notes.test.ts", &["writes one note"], TestRunner::Vitest,
        "/q/suite/cassettes/notes.test/writes_one_note.jsonl")]
    fn a_test_gets_its_cassette(
        #[case] project: ProjectFile,
        #[case] file: &str,
        #[case] names: &[&str],
        #[case] runner: TestRunner,
        #[case] want: &str,
    ) {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let got = test_cassette(&project, Some(Path::new(file)), &names, runner);
        assert_eq!(got, Path::new(want));
    }

    #[rstest]
    #[case::none_missing(RecordMode::None, false, (false, true, false))]
    #[case::none_there(RecordMode::None, true, (false, false, true))]
    #[case::once_missing(RecordMode::Once, false, (true, false, false))]
    #[case::once_there(RecordMode::Once, true, (false, false, true))]
    #[case::new_episodes_there(RecordMode::NewEpisodes, true, (true, false, true))]
    #[case::new_episodes_missing(RecordMode::NewEpisodes, false, (true, false, false))]
    #[case::all_there(RecordMode::All, true, (true, false, false))]
    fn what_a_plan_asks_of_the_harness(
        #[case] mode: RecordMode,
        #[case] exists: bool,
        #[case] want: (bool, bool, bool),
    ) {
        let plan = TestPlan {
            mode,
            source: String::new(),
            cassette: Some(PathBuf::from("/p/c.jsonl")),
            exists,
        };
        assert_eq!((plan.records(), plan.missing(), plan.check_unused()), want);
    }

    #[test]
    fn a_name_without_a_test_file_sits_in_the_cassette_folder() {
        let names = vec!["my session".to_owned()];
        let got = test_cassette(&project(false), None, &names, TestRunner::Vitest);
        assert_eq!(got, Path::new("/p/cassettes/my_session.jsonl"));
    }

    #[test]
    fn a_vitest_segment_is_cut_at_120_characters_and_never_empty() {
        assert_eq!(vitest_safe(&"x".repeat(130)).len(), 120);
        assert_eq!(vitest_safe(" ... "), "_");
        assert_eq!(vitest_safe("a_ !b"), "a__b");
        assert_eq!(without_script_extension("a.test.cts"), "a.test");
        assert_eq!(without_script_extension("a.test.json"), "a.test.json");
    }
}
