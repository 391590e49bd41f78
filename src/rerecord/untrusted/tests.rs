use std::path::Path;

use serde_json::json;

use super::*;
use crate::cassette::AnyCassette;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn is_unsafe(result: Result<(), Refusal>) -> String {
    match result {
        Err(Refusal::Unsafe { what, .. }) => what,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_committed_cassette_passes_with_its_mcp_server_allowed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let allowed = names(&["echo"]);
        let result = match AnyCassette::load(&path, "").unwrap() {
            AnyCassette::AppServer(cassette) => check_app_server(&cassette, &allowed),
            AnyCassette::Exec(cassette) => check_exec(&cassette, &allowed),
        };
        assert_eq!(result, Ok(()), "{}", path.display());
    }
    let mcp = match AnyCassette::load(&dir.join("mcp_tool_call.jsonl"), "").unwrap() {
        AnyCassette::AppServer(cassette) => cassette,
        AnyCassette::Exec(_) => unreachable!(),
    };
    assert_eq!(
        check_app_server(&mcp, &[]),
        Err(Refusal::McpServer {
            line: 1,
            server: "echo".to_owned(),
            setting: "mcp_servers.echo.command=\"python3\"".to_owned(),
        })
    );
}

#[test]
fn settings_pass_only_when_known_to_be_harmless() {
    let allowed = names(&["docs"]);
    for fine in [
        "model_reasoning_effort=\"high\"",
        "sandbox_mode=\"workspace-write\"",
        "sandbox_workspace_write.network_access=false",
        "mcp_servers.docs.command=\"npx\"",
        "mcp_servers.\"docs\".args=[\"-y\"]",
    ] {
        assert_eq!(check_override(1, fine, &allowed), Ok(()), "{fine}");
    }
    for refused in [
        "notify=[\"sh\",\"-c\",\"touch /tmp/x\"]",
        "hooks.pre_tool_use=\"x\"",
        "sandbox_mode=\"danger-full-access\"",
        "sandbox_workspace_write.network_access=true",
        "sandbox_workspace_write.writable_roots=[\"/\"]",
        "log_dir=\"/home/me\"",
        "model_provider=\"openai\"",
        "mcp_servers={x={command=\"sh\"}}",
        "features.network_proxy=true",
    ] {
        is_unsafe(check_override(1, refused, &allowed));
    }
    assert!(matches!(
        check_override(3, "mcp_servers.evil.command=\"/bin/sh\"", &allowed),
        Err(Refusal::McpServer { line: 3, ref server, .. }) if server == "evil"
    ));
}

#[test]
fn a_client_that_asks_for_more_than_the_sandbox_is_refused() {
    let ok = [
        json!({"method": "thread/start", "params": {"cwd": "{{workspace}}", "sandbox": "workspace-write"}}),
        json!({"method": "turn/start", "params": {"sandboxPolicy": {"type": "workspaceWrite", "writableRoots": ["{{workspace}}/out"]}}}),
        json!({"id": "{{req:2}}", "result": {"decision": "decline"}}),
        json!({"id": "{{req:3}}", "result": {"permissions": {}}}),
        json!({"method": "initialized"}),
        json!({"method": "thread/start", "params": {"approvalPolicy": "on-request", "approvalsReviewer": "auto_review"}}),
    ];
    for msg in &ok {
        assert_eq!(check_client_message(1, msg, &[]), Ok(()), "{msg}");
    }
    let refused = [
        (
            json!({"method": "thread/start", "params": {"sandbox": "danger-full-access"}}),
            "full access",
        ),
        (
            json!({"method": "thread/start", "params": {"cwd": "/home/me"}}),
            "outside",
        ),
        (
            json!({"method": "thread/start", "params": {"cwd": "{{workspace}}/../x"}}),
            "outside",
        ),
        (
            json!({"method": "turn/start", "params": {"sandboxPolicy": {"type": "dangerFullAccess"}}}),
            "sandbox policy",
        ),
        (
            json!({"method": "turn/start", "params": {"sandboxPolicy": {"type": "workspaceWrite", "networkAccess": true}}}),
            "sandbox policy",
        ),
        (
            json!({"method": "thread/start", "params": {"config": {"notify": ["sh"]}}}),
            "notify",
        ),
        (
            json!({"method": "command/exec", "params": {"command": ["touch", "/x"]}}),
            "command/exec",
        ),
        (
            json!({"method": "fs/writeFile", "params": {}}),
            "fs/writeFile",
        ),
        (
            json!({"id": "{{req:2}}", "result": {"decision": "accept"}}),
            "approval",
        ),
        (
            json!({"id": "{{req:2}}", "result": {"decision": {"acceptWithExecpolicyAmendment": {}}}}),
            "approval",
        ),
        (
            json!({"id": "{{req:2}}", "result": {"permissions": {"network": {"enabled": true}}}}),
            "approval",
        ),
    ];
    for (msg, words) in &refused {
        let what = is_unsafe(check_client_message(7, msg, &[]));
        assert!(what.contains(words), "{msg}: {what}");
    }
    assert!(matches!(
        check_client_message(
            2,
            &json!({"method": "thread/start", "params": {"config": {"mcp_servers": {"evil": {"command": "sh"}}}}}),
            &[]
        ),
        Err(Refusal::McpServer { ref server, .. }) if server == "evil"
    ));
}

#[test]
fn exec_flags_that_leave_the_sandbox_are_refused() {
    let args = |list: &[&str]| names(list);
    let ok = args(&[
        "exec",
        "--json",
        "--cd",
        "{{workspace}}",
        "--sandbox=workspace-write",
        "-o",
        "{{last_message}}",
        "--output-schema",
        "{{output_schema}}",
        "-c",
        "model_reasoning_effort=\"low\"",
        "resume",
        "{{thread:1}}",
        "-",
    ]);
    assert_eq!(check_exec_args(4, &ok, &[]), Ok(()));
    // A relative folder names the scratch workspace from the folder the run starts in.
    for relative in [&["exec", "-C", "ws"][..], &["exec", "--cd", "a/b"]] {
        assert_eq!(check_exec_args(4, &args(relative), &[]), Ok(()));
    }
    for (list, words) in [
        (
            &["exec", "--dangerously-bypass-approvals-and-sandbox"][..],
            "does not pass on",
        ),
        (&["exec", "-s", "danger-full-access"], "full access"),
        (&["exec", "--cd", "/home/me"], "outside"),
        (&["exec", "-C/home/me"], "outside"),
        (&["exec", "-C", "../x"], "outside"),
        (&["exec", "--cd", "ws/../.."], "outside"),
        (&["exec", "--add-dir={{workspace}}/../.."], "outside"),
        (&["exec", "-o", "/home/me/.bashrc"], "Codex would write"),
        (&["exec", "-c", "notify=[\"sh\"]"], "notify"),
        (&["exec", "--profile", "work"], "does not pass on"),
    ] {
        let what = is_unsafe(check_exec_args(4, &args(list), &[]));
        assert!(what.contains(words), "{list:?}: {what}");
    }
    assert!(matches!(
        check_exec_args(9, &args(&["exec", "-c", "mcp_servers.x.command=\"sh\""]), &[]),
        Err(Refusal::McpServer { line: 9, ref server, .. }) if server == "x"
    ));
    assert_eq!(
        check_exec_args(
            9,
            &args(&["exec", "-cmcp_servers.x.command=sh"]),
            &names(&["x"])
        ),
        Ok(())
    );
}

#[test]
fn allowed_servers_get_their_tools_approved_unless_the_cassette_says() {
    let overrides = names(&[
        "mcp_servers.echo.command=\"python3\"",
        "mcp_servers.echo.args=[\"x\"]",
        "mcp_servers.docs.command=\"npx\"",
        "mcp_servers.docs.default_tools_approval_mode=\"prompt\"",
        "model=\"m\"",
    ]);
    assert_eq!(
        tool_approvals(&overrides),
        ["mcp_servers.echo.default_tools_approval_mode=\"approve\""]
    );
}

#[test]
fn patches_outside_the_workspace_are_refused() {
    let change = |path: &str, moved: Option<&str>| {
        json!({"method": "item/completed", "params": {"item": {"type": "fileChange",
            "changes": [{"path": path, "kind": {"type": "update", "move_path": moved}}]}}})
    };
    let command = |cmd: &str| {
        json!({"method": "item/started", "params": {"item": {"type": "commandExecution",
            "command": cmd}}})
    };
    let patch = |path: &str| {
        format!(
            "/bin/bash -c \"apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: {path}\n+x\n*** End Patch\nEOF\""
        )
    };
    for fine in [
        change("{{workspace}}/a.md", Some("{{workspace}}/docs/c.md")),
        command(&patch("notes/a.md")),
        command(&patch("{{workspace}}/a.md")),
        command("/bin/bash -c \"printf x > a.md\""),
    ] {
        assert_eq!(patches::check_item(3, &fine), Ok(()), "{fine}");
    }
    for refused in [
        change("/home/me/.bashrc", None),
        change("{{workspace}}/a.md", Some("{{workspace}}/../b.md")),
        command(&patch("/home/me/.bashrc")),
        command(&patch("../../b.md")),
        command("/bin/bash -c \"cd /home/me && apply_patch <<'EOF'\n*** Add File: a\n\""),
    ] {
        let what = is_unsafe(patches::check_item(3, &refused));
        assert!(
            what.contains("outside") || what.contains("after another"),
            "{what}"
        );
    }
}

#[test]
fn a_cassette_that_sets_the_commands_environment_is_refused() {
    let reason = "re-recording runs them with a minimal environment";
    for setting in [
        "shell_environment_policy.inherit=\"all\"",
        "shell_environment_policy.set.HOSTILE=\"1\"",
    ] {
        let what = is_unsafe(check_override(1, setting, &[]));
        assert!(what.contains(setting) && what.contains(reason), "{what}");
        let argv = names(&["exec", "-c", setting, "-"]);
        let what = is_unsafe(check_exec_args(3, &argv, &[]));
        assert!(what.contains(reason), "{what}");
    }
    for method in ["thread/start", "turn/start"] {
        let msg = json!({"method": method, "params": {"config": {"shell_environment_policy": {"inherit": "all"}}}});
        let what = is_unsafe(check_client_message(5, &msg, &[]));
        assert!(
            what.contains("shell_environment_policy.inherit") && what.contains(reason),
            "{what}"
        );
    }
}
