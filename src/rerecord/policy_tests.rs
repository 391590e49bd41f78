use super::*;
use std::path::Path;

const HEADER: &str = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.171.0","schema_fingerprint":"unknown","recorded_at":"2026-11-28","redactions":[],"record_command":"r"}"#;

fn app_server(body: &str) -> Cassette {
    Cassette::parse(Path::new("c.jsonl"), &format!("{HEADER}\n{body}")).unwrap()
}

fn thread(params: &str, sandbox: &str, approval: &str) -> String {
    format!(
        r#"{{"kind":"c2s","conv":"c1","turn":null,"msg":{{"id":"{{{{req:1}}}}","method":"thread/start","params":{params}}}}}
{{"kind":"s2c","conv":"c1","turn":null,"msg":{{"id":"{{{{req:1}}}}","result":{{"approvalPolicy":"{approval}","sandbox":{sandbox}}}}}}}
"#
    )
}

#[test]
fn codex_defaults_re_record_as_they_were() {
    let mut cassette = app_server(&thread(
        r#"{"cwd":"{{workspace}}"}"#,
        r#"{"type":"readOnly","networkAccess":false}"#,
        "on-request",
    ));
    let before = cassette.clone();
    let (home, tightened) = super::app_server(&mut cassette);
    assert_eq!(home.sandbox, Some("read-only"));
    assert_eq!(home.approval, "on-request");
    assert_eq!(tightened, Tightened::default());
    assert_eq!(cassette, before, "nothing is rewritten");
}

#[test]
fn codex_default_profile_is_left_to_codex() {
    let mut cassette = app_server(&thread(
        r#"{"cwd":"{{workspace}}"}"#,
        r#"{"type":"readOnly","networkAccess":false},"activePermissionProfile":{"extends":null,"id":":read-only"}"#,
        "on-request",
    ));
    let (home, _) = super::app_server(&mut cassette);
    assert_eq!(home.sandbox, None);
}

#[test]
fn full_access_is_tightened_and_named_wherever_it_is_asked() {
    let mut cassette = app_server(&thread(
        r#"{"cwd":"{{workspace}}","sandbox":"danger-full-access"}"#,
        r#"{"type":"dangerFullAccess"}"#,
        "never",
    ));
    *cassette.header.backend_overrides_mut().unwrap() = vec![
        "sandbox_mode=\"danger-full-access\"".to_owned(),
        "sandbox_workspace_write.network_access=true".to_owned(),
        "sandbox_workspace_write.exclude_slash_tmp=false".to_owned(),
    ];
    let (home, tightened) = super::app_server(&mut cassette);
    assert_eq!(home, HomePolicy::default());
    assert_eq!(
        tightened.0,
        [
            "danger-full-access",
            "network access",
            "a writable temp folder"
        ]
        .map(str::to_owned)
    );
    assert_eq!(
        cassette.header.backend_overrides(),
        ["sandbox_mode=\"workspace-write\""]
    );
    let Entry::C2s { msg, .. } = &cassette.entries[0].1 else {
        panic!("the thread/start")
    };
    assert_eq!(msg["params"]["sandbox"], "workspace-write");
}

#[test]
fn the_default_sandbox_of_a_looser_home_is_tightened() {
    let mut cassette = app_server(&thread(
        r#"{"cwd":"{{workspace}}"}"#,
        r#"{"type":"workspaceWrite","networkAccess":false,"excludeSlashTmp":false,"writableRoots":["/srv"]}"#,
        "never",
    ));
    let (home, tightened) = super::app_server(&mut cassette);
    assert_eq!(home.sandbox, Some("workspace-write"));
    assert_eq!(
        tightened.0,
        [
            "writable folders outside the workspace",
            "a writable temp folder"
        ]
        .map(str::to_owned)
    );
}

#[test]
fn exec_flags_that_loosen_the_sandbox_are_rewritten() {
    let text = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"0.171.0","recorded_at":"2026-11-28","redactions":[],"record_command":"r"}
{"kind":"invocation","args":["exec","--json","--sandbox","danger-full-access","--add-dir","/srv","--add-dir","{{workspace}}/d","-C","ws","-"],"stdin":"Go","output_schema":null}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;
    let mut cassette = ExecCassette::parse(Path::new("c.jsonl"), text).unwrap();
    let tightened = super::exec(&mut cassette);
    assert_eq!(
        tightened.0,
        [
            "danger-full-access",
            "the folder /srv besides the workspace"
        ]
        .map(str::to_owned)
    );
    assert_eq!(
        cassette.invocations[0].call.args,
        [
            "exec",
            "--json",
            "--sandbox",
            "workspace-write",
            "--add-dir",
            "{{workspace}}/d",
            "-C",
            "ws",
            "-"
        ]
    );
}
