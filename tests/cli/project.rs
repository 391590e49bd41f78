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

fn project_with(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prompt-diary"));
    command
        .args(["project", "--json", "--dir"])
        .arg(dir)
        .args(args)
        .env_remove("CI")
        .env_remove("PROMPT_DIARY_RECORD_MODE")
        .env_remove("PROMPT_DIARY_CODEX_BIN");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[test]
fn a_test_s_plan_says_the_mode_what_follows_and_the_real_codex() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("prompt-diary.toml"),
        "record_mode = \"once\"\n",
    )
    .unwrap();
    let codex = dir.path().join("codex");
    std::fs::write(&codex, "").unwrap();
    let test = ["--test-file", "tests/test_a.py", "--test", "test_x"];
    let codex_env = [("PROMPT_DIARY_CODEX_BIN", codex.to_str().unwrap())];
    let out = project_with(dir.path(), &test, &codex_env);
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["mode"], "once", "{value}");
    assert!(
        value["mode_source"]
            .as_str()
            .unwrap()
            .starts_with("record_mode in "),
        "{value}"
    );
    assert_eq!(
        (&value["missing"], &value["records"]),
        (&false.into(), &true.into())
    );
    assert_eq!(value["real_codex"]["path"], codex.display().to_string());
    assert_eq!(value["real_codex"]["source"], "PROMPT_DIARY_CODEX_BIN");

    let mut flagged = test.to_vec();
    flagged.extend(["--record-mode", "none"]);
    let value: serde_json::Value =
        serde_json::from_slice(&project_with(dir.path(), &flagged, &[]).stdout).unwrap();
    assert_eq!(value["mode_source"], "--codex-record-mode");
    assert_eq!(
        (&value["missing"], &value["real_codex"]),
        (&true.into(), &serde_json::Value::Null)
    );

    flagged.truncate(test.len());
    flagged.extend(["--record-mode", "all"]);
    let out = project_with(dir.path(), &flagged, &[("CI", "true")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("CI is set, and CI never records, but --codex-record-mode all asks"),
        "{stderr}"
    );
}

#[test]
fn unused_runs_lists_the_exec_runs_the_ledger_does_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("c.jsonl");
    let run = |prompt: &str, stdin: &str| {
        format!(
            "{}\n{{\"kind\":\"exit\",\"code\":0,\"status\":\"exit status: 0\",\"stderr_tail\":[]}}\n",
            serde_json::json!({"kind": "invocation", "args": ["exec", "--json", prompt], "stdin": stdin, "output_schema": null})
        )
    };
    let header = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"0.171.0","recorded_at":"2026-12-08","redactions":[],"record_command":"r"}"#;
    let text = format!(
        "{header}\n{}{}{}",
        run("First\nmore", ""),
        run("-", "From stdin\nx"),
        run("Third", "")
    );
    std::fs::write(&cassette, text).unwrap();
    let ledger = dir.path().join("used.runs");
    std::fs::write(&ledger, "1\n3\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .arg("unused-runs")
        .arg(&cassette)
        .arg("--used")
        .arg(&ledger)
        .arg("--json")
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["runs"], 3, "{value}");
    assert_eq!(
        value["unused"],
        serde_json::json!([{"run": 2, "prompt": "From stdin"}])
    );
    let app_server = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.171.0","schema_fingerprint":"sha256:0","recorded_at":"2026-12-08","redactions":[],"record_command":"r"}"#;
    std::fs::write(&cassette, format!("{app_server}\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(["unused-runs", "--json"])
        .arg(&cassette)
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        value["unused"],
        serde_json::json!([]),
        "an app-server cassette: nothing to list"
    );
}
