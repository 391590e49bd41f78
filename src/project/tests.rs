use std::path::Path;

use rstest::rstest;

use super::*;

fn parse(text: &str) -> Result<ProjectFile, ProjectFileError> {
    parse::parse(Path::new("/p/prompt-diary.toml"), text)
}

#[test]
fn every_key_is_read() {
    let file = parse(
        r#"
codex = "0.171.0"
cassettes = "tests/cassettes"
record_command = "just record"
record_mode = "once"

[[volatile]]
name = "date"
pattern = '\d{4}-\d{2}-\d{2}'

[[redact]]
pattern = 'acme_[A-Za-z0-9]{32}'
"#,
    )
    .unwrap();
    assert_eq!(file.codex_version(), "0.171.0");
    assert_eq!(file.cassette_dir(), Path::new("/p/tests/cassettes"));
    assert_eq!(file.record_command.as_deref(), Some("just record"));
    assert_eq!(file.record_mode, Some(RecordMode::Once));
    assert_eq!(file.volatile[0].name(), "date");
    assert!(file.volatile[0].pattern().is_match("2026-12-02"));
    assert_eq!(file.redact[0].name(), "project-pattern-1");
}

#[test]
fn an_empty_file_keeps_the_defaults() {
    let file = parse("").unwrap();
    assert_eq!(file.codex_version(), crate::codex_bin::PINNED_CODEX_VERSION);
    assert_eq!(file.cassette_dir(), Path::new("/p/cassettes"));
    assert_eq!(file.record_mode, None);
}

#[rstest]
#[case::unknown_key(
    "codex = \"0.171.0\"\nrecod_mode = \"once\"\n",
    2,
    "recod_mode",
    "unknown field"
)]
#[case::bad_version("\ncodex = \"../../x\"\n", 2, "codex", "three numbers")]
#[case::flag_in_version("codex = \"0.171.0 --foo\"\n", 1, "codex", "must be numbers")]
#[case::bad_mode(
    "record_mode = \"sometimes\"\n",
    1,
    "record_mode",
    "invalid record mode \"sometimes\" in the project file: accepted values are none, once, new_episodes, all"
)]
#[case::bad_pattern(
    "[[volatile]]\nname = \"date\"\npattern = '(\\d'\n",
    3,
    "volatile[0].pattern",
    "does not compile"
)]
#[case::built_in_name(
    "[[volatile]]\nname = \"workspace\"\npattern = 'x'\n",
    2,
    "volatile[0].name",
    "collides with a built-in placeholder"
)]
#[case::unknown_rule_key(
    "[[volatile]]\nname = \"d\"\npatern = 'x'\n",
    3,
    "patern",
    "unknown field"
)]
#[case::wrong_type("codex = 171\n", 1, "codex", "")]
#[case::bad_redact(
    "[[redact]]\npattern = '['\n",
    2,
    "redact[0].pattern",
    "does not compile"
)]
#[case::empty_folder("cassettes = \" \"\n", 1, "cassettes", "empty")]
#[case::name_saying_pattern(
    "[[volatile]]\npattern = 'x'\nname = \"my-pattern\"\n",
    3,
    "volatile[0].name",
    "volatile rule name \"my-pattern\": use lowercase letters and `_`"
)]
#[case::built_in_name_after_its_pattern(
    "[[volatile]]\npattern = '(x'\nname = \"thread\"\n",
    3,
    "volatile[0].name",
    "\"thread\" collides with a built-in placeholder ({{thread}}); choose another name"
)]
#[case::redact_named_pattern(
    "[[redact]]\nname = \"pattern\"\npattern = '.'\n",
    3,
    "redact[0].pattern",
    "the pattern \".\" matches `{`, a character of the cassette's own JSON structure"
)]
#[case::redact_empty_pattern(
    "[[redact]]\nname = \"no-pattern\"\npattern = ''\n",
    3,
    "redact[0].pattern",
    "the pattern is empty"
)]
fn a_bad_file_names_the_file_the_line_and_the_key(
    #[case] text: &str,
    #[case] line: usize,
    #[case] key: &str,
    #[case] says: &str,
) {
    let err = parse(text).unwrap_err();
    let ProjectFileError::Invalid {
        line: at, key: k, ..
    } = &err
    else {
        panic!("{err}");
    };
    let shown = err.to_string();
    assert_eq!((*at, k.as_str()), (line, key), "{shown}");
    assert!(
        shown.starts_with(&format!("/p/prompt-diary.toml:{line}: `{key}`")),
        "{shown}"
    );
    assert!(shown.contains(says), "{shown}");
}

#[test]
fn two_rules_with_one_name_are_refused() {
    let err = parse(
        "[[volatile]]\nname = \"d\"\npattern = 'a'\n[[volatile]]\nname = \"d\"\npattern = 'b'\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(
            "/p/prompt-diary.toml:5: `volatile[1].name`: two volatile rules are named \"d\""
        ),
        "the second rule's name, on its line: {err}"
    );
}

#[test]
fn the_file_is_found_upwards() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(PROJECT_FILE), "cassettes = \"tests/c\"\n").unwrap();
    let deep = dir.path().join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let found = ProjectFile::find(&deep).unwrap().unwrap();
    assert_eq!(found.path, dir.path().join(PROJECT_FILE));
    assert_eq!(found.cassette_dir(), dir.path().join("tests/c"));
}

#[test]
fn an_unreadable_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = ProjectFile::load(&dir.path().join(PROJECT_FILE))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("could not read the project file") && err.contains(PROJECT_FILE),
        "{err}"
    );
}

#[test]
fn the_file_init_writes_reads_back_with_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = template("0.163.0", "spec/\"odd\" cassettes");
    let path = write_new(dir.path(), &text).unwrap();
    let file = ProjectFile::load(&path).unwrap();
    assert_eq!(file.codex_version(), "0.163.0");
    assert_eq!(
        file.cassette_dir(),
        dir.path().join("spec/\"odd\" cassettes")
    );
    assert_eq!(file.record_mode, Some(RecordMode::None));
    assert!(file.record_command.is_some());
    assert!(file.volatile.is_empty() && file.redact.is_empty());
    for commented in [
        "# [[volatile]]",
        "# [[redact]]",
        "pattern = '\\d{4}-\\d{2}-\\d{2}'",
    ] {
        assert!(text.contains(commented), "{commented}: {text}");
    }
    let uncommented: String = text
        .lines()
        .map(|line| {
            let example = ["# [[", "# name = ", "# pattern = "]
                .iter()
                .any(|start| line.starts_with(start));
            let line = if example { &line[2..] } else { line };
            format!("{line}\n")
        })
        .collect();
    let rules = parse::parse(&path, &uncommented).unwrap();
    assert_eq!(rules.volatile[0].name(), "date");
    assert_eq!(rules.redact[0].name(), "acme-token");

    let err = write_new(dir.path(), "codex = \"1.0.0\"\n").unwrap_err();
    assert!(matches!(err, ProjectFileError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("never overwrites it"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "unchanged");
}

#[test]
fn the_search_stops_at_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(PROJECT_FILE), "codex = \"1.0.0\"\n").unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("src")).unwrap();
    assert_eq!(ProjectFile::find(&repo.join("src")).unwrap(), None);
    assert!(ProjectFile::find(dir.path()).unwrap().is_some());
}
