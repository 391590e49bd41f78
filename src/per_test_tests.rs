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
        settings.missing_command.as_deref(),
        Some(
            "PROMPT_DIARY_RECORD_MODE=once cargo test -p prompt-diary --lib -- --exact \
             per_test::tests::the_test_is_the_function_around_the_macro"
        )
    );
    assert_eq!(
        settings.record_command.as_deref(),
        Some(
            "PROMPT_DIARY_RECORD_MODE=all cargo test -p prompt-diary --lib -- --exact \
             per_test::tests::the_test_is_the_function_around_the_macro \
             && prompt-diary accept cassettes/per_test/tests \
             the_test_is_the_function_around_the_macro"
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
    let name = "the_folder_and_the_mode_come_from_the_project_file_above";
    assert_eq!(
        settings.path,
        root.join(format!("tests/cassettes/per_test/tests/{name}.jsonl"))
    );
    assert_eq!(settings.mode, crate::cassette::RecordMode::Once);
    let command = settings.record_command.unwrap();
    assert!(
        command.ends_with(&format!(
            " && prompt-diary accept ../../tests/cassettes/per_test/tests {name}"
        )),
        "the folder from the crate's folder: {command}"
    );
}

#[test]
fn a_project_record_command_replaces_both() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("prompt-diary.toml"),
        "record_command = \"just record-tests\"\n",
    )
    .unwrap();
    let settings = crate::test_cassette!(project.path()).unwrap();
    assert_eq!(settings.record_command(), "just record-tests");
    assert_eq!(settings.missing_command(), "just record-tests");
}

#[test]
fn a_broken_project_file_is_an_error_naming_the_test_and_the_file() {
    let project = tempfile::tempdir().unwrap();
    let file = project.path().join("prompt-diary.toml");
    std::fs::write(&file, "casettes = \"c\"\n").unwrap();
    let err = crate::test_cassette!(project.path()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "the cassette of test `per_test::tests::a_broken_project_file_is_an_error_naming_the_test_and_the_file`: "
        ) && text.contains(&file.display().to_string())
            && text.contains("casettes"),
        "{text}"
    );
    assert_eq!(format!("{err:?}"), text, "Debug reads like Display");
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
fn a_library_test_at_the_crate_root_gets_a_cassette_at_the_folder_root() {
    let lib = TestTarget::Lib;
    assert_eq!(
        cassette_path(Path::new("/p/c"), &lib, "notes", "works"),
        Path::new("/p/c/works.jsonl")
    );
    assert_eq!(
        cargo_test("notes", &lib, "notes", "works"),
        "PROMPT_DIARY_RECORD_MODE=once cargo test -p notes --lib -- --exact works"
    );
}

#[test]
fn two_integration_test_files_with_a_test_of_the_same_name_get_two_cassettes() {
    let notes = TestTarget::compiled(Some("notes"), None, true, "tests/notes.rs");
    let other = TestTarget::compiled(Some("other"), None, true, "tests/other.rs");
    assert_eq!(notes, TestTarget::Test("notes".into()));
    let dir = Path::new("/p/cassettes");
    assert_eq!(
        cassette_path(dir, &notes, "notes", "writes_notes"),
        Path::new("/p/cassettes/notes/writes_notes.jsonl")
    );
    assert_eq!(
        cassette_path(dir, &other, "other::agent", "writes_notes"),
        Path::new("/p/cassettes/other/agent/writes_notes.jsonl")
    );
    assert_eq!(
        cargo_test("app", &other, "other::agent", "writes_notes"),
        "PROMPT_DIARY_RECORD_MODE=once cargo test -p app --test other -- --exact agent::writes_notes"
    );
}

#[test]
fn a_target_is_selected_as_cargo_spells_it() {
    let compiled = TestTarget::compiled;
    assert_eq!(
        compiled(Some("my_notes"), None, true, "crates/app/tests/my-notes.rs"),
        TestTarget::Test("my-notes".into())
    );
    assert_eq!(
        compiled(Some("cli"), None, true, "tests/cli/journey.rs"),
        TestTarget::Test("cli".into())
    );
    assert_eq!(
        compiled(Some("odd"), None, true, "checks/odd_one.rs"),
        TestTarget::Test("odd".into()),
        "a [[test]] with a path of its own: the crate's name"
    );
    assert_eq!(
        compiled(Some("app"), Some("app-cli"), false, "src/main.rs"),
        TestTarget::Bin("app-cli".into())
    );
    assert_eq!(
        compiled(Some("app"), None, false, "src/lib.rs"),
        TestTarget::Lib
    );
    assert_eq!(TestTarget::Bin("x".into()).selector(), "--bin x");
}

#[test]
fn a_folder_is_named_from_where_cargo_test_runs() {
    assert_eq!(
        relative(Path::new("/a/b"), Path::new("/a/b/c/d")),
        Path::new("c/d")
    );
    assert_eq!(
        relative(Path::new("/a/b"), Path::new("/a/c")),
        Path::new("../c")
    );
    assert_eq!(
        relative(Path::new("/a/b"), Path::new("/a/b")),
        Path::new(".")
    );
}
