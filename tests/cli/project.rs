//! `prompt-diary project`: the project file as tools read it (`--json`), found upwards.

use std::process::Command;

fn project(dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(["project", "--json", "--dir"])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn project_json_reads_the_file_found_upwards_with_defaults_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("prompt-diary.toml"),
        "codex = \"0.163.0\"\ncassettes = \"tests/cassettes\"\nrecord_mode = \"once\"\n\n[[volatile]]\nname = \"date\"\npattern = '\\d{4}-\\d{2}-\\d{2}'\n",
    )
    .unwrap();
    let deep = dir.path().join("pkg/tests");
    std::fs::create_dir_all(&deep).unwrap();
    let out = project(&deep);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = dir.path().canonicalize().unwrap();
    assert_eq!(value["root"], root.display().to_string());
    assert_eq!(
        value["cassettes"],
        root.join("tests/cassettes").display().to_string()
    );
    assert_eq!(value["codex"], "0.163.0");
    assert_eq!(value["record_mode"], "once");
    assert_eq!(value["volatile"][0]["name"], "date");
}

#[test]
fn without_a_file_the_defaults_hold_and_a_bad_file_names_its_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = project(dir.path());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["file"], serde_json::Value::Null);
    assert_eq!(
        value["codex"],
        prompt_diary::codex_bin::PINNED_CODEX_VERSION
    );
    assert!(
        value["cassettes"].as_str().unwrap().ends_with("/cassettes"),
        "{value}"
    );

    std::fs::write(
        dir.path().join("prompt-diary.toml"),
        "codex = \"0.171.0\"\nrecod_mode = \"all\"\n",
    )
    .unwrap();
    let out = project(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("prompt-diary.toml:2: `recod_mode`: unknown field"),
        "{stderr}"
    );
}
