//! `prompt-diary rerecord` of an exec cassette compares what it re-recorded, however the cassette
//! is named (a relative file, a relative folder, `.`, no argument: the runs start in a scratch
//! workspace, so a relative path once recorded there and always said "unchanged"), and runs the
//! cassette's commands with a minimal environment: a made-up secret set in the user's shell never
//! reaches the `.new` (the cassette's command is `env`).

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use tokio::process::Command;

use prompt_diary::testing::conformance::codex_for_conformance;

/// No process of this test may take longer than this.
const BUDGET: Duration = Duration::from_secs(300);

/// A hand-written exec cassette: one run whose model ran `env` and said it was done; the output
/// recorded (`RECORDED=1`) is not what `env` prints now, so a re-recording differs.
const CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"env","codex_version":"0.171.0","recorded_at":"2026-12-07","redactions":[],"record_command":"r"}
{"kind":"invocation","args":["exec","--json","--skip-git-repo-check","-"],"stdin":"Show the environment.","output_schema":null}
{"kind":"stdout","json":{"item":{"aggregated_output":"RECORDED=1\n","command":"/bin/bash -lc env","exit_code":0,"id":"item_0","status":"completed","type":"command_execution"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"id":"item_1","text":"Done.","type":"agent_message"},"type":"item.completed"}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

/// A name and a value nobody else uses, made from the clock and this process's id.
fn made_up(prefix: &str) -> (String, String) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tag = format!("{:x}{:x}", std::process::id(), nanos);
    (format!("{prefix}_{tag}"), format!("s3cr3t-{tag}-value"))
}

/// `prompt-diary rerecord ARGS` run in `cwd` with the user's secrets in its environment.
async fn rerecord(cwd: &Path, args: &[&str], secrets: &[(String, String)]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .arg("rerecord")
        .args(args)
        .current_dir(cwd)
        .envs(secrets.iter().map(|(k, v)| (k, v)))
        .env_remove("CI")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(BUDGET, out)
        .await
        .expect("prompt-diary ends in time")
        .expect("prompt-diary runs")
}

/// Re-records `cassettes/env.jsonl` in a fresh project named as `named` says, from the project's
/// root, with two made-up secrets set: the run differs, so the line says CHANGED and a `.new`
/// waits, holding what `env` printed but neither secret.
async fn changed_and_isolated(test: &str, named: &[&str]) {
    let Some(bin) = codex_for_conformance(test) else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let folder = project.path().join("cassettes");
    std::fs::create_dir(&folder).unwrap();
    let cassette = folder.join("env.jsonl");
    std::fs::write(&cassette, CASSETTE).unwrap();
    let secrets = [made_up("HOSTILE_API_KEY"), made_up("HOSTILE_NOTE")];
    let mut args = named.to_vec();
    let bin = bin.display().to_string();
    args.extend(["--codex-bin", &bin]);
    let out = rerecord(project.path(), &args, &secrets).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("CHANGED"), "{named:?}: {stdout}\n{stderr}");
    assert!(!stdout.contains("unchanged"), "{named:?}: {stdout}");
    assert_eq!(std::fs::read_to_string(&cassette).unwrap(), CASSETTE);
    let new = std::fs::read_to_string(folder.join("env.jsonl.new")).expect("a .new waits");
    assert!(
        new.contains("PATH="),
        "the re-recorded run printed the environment: {new}"
    );
    for (name, value) in &secrets {
        assert!(!new.contains(name), "{name} leaked into the .new: {new}");
        assert!(!new.contains(value), "{name}'s value leaked: {new}");
    } // `review` shows the command's output that changed.
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(["review", "cassettes"])
        .current_dir(project.path())
        .output()
        .await
        .expect("review runs");
    let review = String::from_utf8_lossy(&out.stdout);
    let command = "command: /bin/bash -lc env (exit 0, completed), output: ";
    let shown = |sign: &str, output: &str| {
        review
            .lines()
            .any(|l| l.starts_with(sign) && l.contains(&format!("{command}{output}")))
    };
    assert!(shown("-", r"RECORDED=1\n"), "{review}");
    assert!(shown("+", "") && !shown("+", "RECORDED"), "{review}");
}

#[tokio::test]
async fn a_relative_file_rerecords_changed_without_the_users_environment() {
    changed_and_isolated("rerecord_relative_file", &["cassettes/env.jsonl"]).await;
}

#[tokio::test]
async fn a_relative_folder_rerecords_changed_without_the_users_environment() {
    changed_and_isolated("rerecord_relative_folder", &["cassettes"]).await;
}

#[tokio::test]
async fn the_working_directory_rerecords_changed_without_the_users_environment() {
    changed_and_isolated("rerecord_dot", &["."]).await;
}

#[tokio::test]
async fn no_argument_rerecords_the_cassette_folder_changed() {
    changed_and_isolated("rerecord_no_argument", &[]).await;
}

#[tokio::test]
async fn a_cassette_that_widens_the_commands_environment_is_refused() {
    let project = tempfile::tempdir().unwrap();
    let cassette = project.path().join("wide.jsonl");
    let widened = CASSETTE.replace(
        r#""args":["exec","#,
        r#""args":["exec","-c","shell_environment_policy.inherit=\"all\"","#,
    );
    std::fs::write(&cassette, widened).unwrap();
    let out = rerecord(
        project.path(),
        &["wide.jsonl", "--codex-bin", "/bin/true"],
        &[],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "wide.jsonl:2: re-recording refuses the setting \
             `shell_environment_policy.inherit=\"all\"` (the environment the commands see: \
             re-recording runs them with a minimal environment"
        ),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!project.path().join("wide.jsonl.new").exists());
}

/// The cassette with a date rule in its header and a recorded date in its prompt.
fn with_a_date_rule() -> String {
    CASSETTE
        .replace(
            r#""redactions":[],"#,
            r#""redactions":[],"volatile":[{"name":"date","pattern":"\\d{4}-\\d{2}-\\d{2}"}],"#,
        )
        .replace("Show the environment.", "Summarise {{date:1}} now.")
}

#[tokio::test]
async fn an_exec_cassettes_volatile_rules_are_carried_into_the_rerecording() {
    let Some(bin) = codex_for_conformance("rerecord_exec_volatile") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("d.jsonl"), with_a_date_rule()).unwrap();
    let bin = bin.display().to_string();
    let out = rerecord(project.path(), &["d.jsonl", "--codex-bin", &bin], &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let new = std::fs::read_to_string(project.path().join("d.jsonl.new")).expect("a .new");
    let header = new.lines().next().unwrap_or_default();
    assert!(
        header.contains(r#""volatile":[{"name":"date","pattern":"\\d{4}-\\d{2}-\\d{2}"}]"#),
        "{header}"
    );
    assert!(
        new.contains(r#""stdin":"Summarise {{date:1}} now.""#),
        "{new}"
    );
    assert!(!new.contains("lbrace"), "{new}");

    // The `.new` replays with another date.
    let args = ["exec", "--json", "--skip-git-repo-check", "-"].map(str::to_owned);
    let new_path = project.path().join("d.jsonl.new").display().to_string();
    let env = [
        ("PROMPT_DIARY_CASSETTE", new_path.as_str()),
        ("PROMPT_DIARY_RECORD_MODE", "none"),
    ];
    let out = crate::stand_in_run::run_stand_in(&args, "Summarise 2031-02-03 now.", &env).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Done."));
}

/// A cassette the Python SDK recorded through the stand-in, its prompt given a recorded date
/// and its header a date rule.
fn app_server_with_a_date_rule() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/python/tests/cassettes/test_sdk/test_sdk_default_lookup.jsonl");
    std::fs::read_to_string(path)
        .expect("the SDK cassette")
        .replace(
            r#""home-directory"],"#,
            r#""home-directory"],"volatile":[{"name":"date","pattern":"\\d{4}-\\d{2}-\\d{2}"}],"#,
        )
        .replace(
            "[default] Reply with the word ready.",
            "[default] Summarise {{date:1}}: reply ready.",
        )
}

#[tokio::test]
async fn an_app_server_cassettes_volatile_rules_are_carried_into_the_rerecording() {
    let Some(bin) = codex_for_conformance("rerecord_app_server_volatile") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let cassette = project.path().join("a.jsonl");
    let recorded = app_server_with_a_date_rule();
    assert!(recorded.contains(r#""volatile":[{"name":"date""#));
    std::fs::write(&cassette, &recorded).unwrap();
    let bin = bin.display().to_string();
    let out = rerecord(project.path(), &["a.jsonl", "--codex-bin", &bin], &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let pending = project.path().join("a.jsonl.new");
    let new = std::fs::read_to_string(&pending).unwrap_or_else(|_| {
        assert!(stdout.contains("unchanged"), "{stdout}");
        std::fs::read_to_string(&cassette).unwrap()
    });
    let header = new.lines().next().unwrap_or_default();
    assert!(header.contains(r#""volatile":[{"name":"date""#), "{header}");
    assert!(new.contains("Summarise {{date:1}}: reply ready."), "{new}");
    assert!(!new.contains("lbrace"), "{new}");
}

/// An exec cassette recorded in a project with an `acme` `[[redact]]` rule: its command prints a
/// key of that rule (made by `printf`, so the command line holds none), recorded redacted.
const ACME_CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"acme","codex_version":"0.171.0","recorded_at":"2026-12-07","redactions":["acme"],"record_command":"r"}
{"kind":"invocation","args":["exec","--json","--skip-git-repo-check","-"],"stdin":"Print the key.","output_schema":null}
{"kind":"stdout","json":{"item":{"aggregated_output":"{{redacted}}","command":"/bin/bash -lc \"printf 'acme_%s' 0123456789abcdefABCDEF0123456789\"","exit_code":0,"id":"item_0","status":"completed","type":"command_execution"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"id":"item_1","text":"Done.","type":"agent_message"},"type":"item.completed"}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

#[tokio::test]
async fn a_rerecording_applies_the_projects_redact_rules() {
    let Some(bin) = codex_for_conformance("rerecord_project_redact") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("prompt-diary.toml"),
        "[[redact]]\nname = \"acme\"\npattern = 'acme_[A-Za-z0-9]{32}'\n",
    )
    .unwrap();
    let folder = project.path().join("cassettes");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("acme.jsonl"), ACME_CASSETTE).unwrap();
    let bin = bin.display().to_string();
    let out = rerecord(project.path(), &["cassettes", "--codex-bin", &bin], &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let key = "acme_0123456789abcdefABCDEF0123456789";
    assert!(
        !stdout.contains(key) && !stderr.contains(key),
        "{stdout}\n{stderr}"
    );
    let mut written = 0;
    for entry in std::fs::read_dir(&folder).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(
            !text.contains(key),
            "the project's key reached a file: {text}"
        );
        assert!(text.contains("{{redacted}}"), "{text}");
        written += 1;
    }
    assert!(written >= 1, "{stdout}");
    assert!(stdout.contains("acme.jsonl"), "{stdout}");
}

/// An app-server cassette recorded with `record --script` whose model runs `env`, re-recorded
/// with two made-up secrets in the environment of `prompt-diary rerecord`: neither reaches a
/// file (Codex, its commands and any MCP server it starts get only the search path, the locale
/// and a scratch `HOME`), and the re-recorded command did run.
#[tokio::test]
async fn an_app_server_rerecording_runs_its_commands_without_the_users_environment() {
    let Some(bin) = codex_for_conformance("rerecord_app_server_environment") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("env.json"),
        r#"{"name": "env", "conversations": [{"replies": [{"shell": "env"}, {"message": "Done."}]}],
            "client": {"runners": [{"turns": [{"prompt": "Show the environment."}]}]}}"#,
    )
    .unwrap();
    let recorded = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(["record", "--script", "env.json", "--workspace", "work"])
        .args(["--out", "cassettes/env.jsonl"])
        .current_dir(project.path())
        .env("PROMPT_DIARY_CODEX_BIN", &bin)
        .env_remove("CI")
        .kill_on_drop(true)
        .output();
    let recorded = tokio::time::timeout(BUDGET, recorded)
        .await
        .expect("record ends in time")
        .expect("record runs");
    assert!(
        recorded.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&recorded.stdout),
        String::from_utf8_lossy(&recorded.stderr)
    );
    let secrets = [made_up("HOSTILE_API_KEY"), made_up("HOSTILE_NOTE")];
    let bin = bin.display().to_string();
    let out = rerecord(
        project.path(),
        &["cassettes", "--codex-bin", &bin],
        &secrets,
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let folder = project.path().join("cassettes");
    let new = folder.join("env.jsonl.new");
    let written = std::fs::read_to_string(if new.exists() {
        new
    } else {
        folder.join("env.jsonl")
    })
    .unwrap();
    assert!(written.contains("PATH="), "the command ran: {written}");
    for (name, value) in &secrets {
        assert!(!written.contains(name), "{name} leaked: {written}");
        assert!(!written.contains(value), "{name}'s value leaked: {written}");
        assert!(
            !stdout.contains(value) && !stderr.contains(value),
            "{stdout}\n{stderr}"
        );
    }
}
