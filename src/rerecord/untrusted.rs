//! A cassette may come from anyone (a pull request), and re-recording runs what it says: the
//! commands its model ran, the client messages it sent, the `-c` settings the app-server or
//! `codex exec` started with. Codex runs the commands in its `workspace-write` sandbox confined
//! to the scratch workspace ([`CodexHome`](super::CodexHome)); this module refuses, before
//! anything starts, what a cassette could use to get past that:
//!
//! - an MCP server (`mcp_servers.NAME...`: a process Codex starts outside its sandbox) that the
//!   user did not name with `--allow-mcp-server NAME`;
//! - other settings that start processes, write files or loosen the sandbox (`notify`, `hooks`,
//!   `sandbox_mode = "danger-full-access"`, network access, writable roots, log folders, model
//!   providers, profiles, ...): only settings known to be harmless pass
//!   ([`SAFE_SETTINGS`], a workspace-write or read-only sandbox without network);
//! - a client that asks for full access or another working directory (`thread/start`'s `sandbox`,
//!   `cwd` and `config`, `turn/start`'s `sandboxPolicy`), accepts an approval (an accepted
//!   command may run again outside the sandbox), or sends a request other than the session's own
//!   (`command/exec`, `fs/writeFile`, `config/value/write`, ...: [`CLIENT_METHODS`] pass);
//! - a file change or `apply_patch` command outside the workspace (`patches.rs`): Codex applies
//!   patches itself, and one outside asks for approval, which a reviewer model may give
//!   (`approvalsReviewer: "auto_review"`, the Python SDK's default, passes: under the sandbox
//!   nothing else the scripted model can do asks for approval);
//! - `codex exec` flags that do the same (`--cd` to a folder above or beside the workspace, an
//!   `-o` file other than the re-recording's own, `--remote`, `--profile`, ...).
//!
//! What only loosens the sandbox (`danger-full-access`, network access, writable folders outside
//! the workspace, `--dangerously-bypass-approvals-and-sandbox`, `--add-dir` elsewhere) is not
//! refused: `policy.rs` tightens it to the re-recording sandbox first, and says so. A relative
//! `--cd DIR` (`-C ws`) is re-recorded with the scratch workspace as that folder.

use serde_json::Value;

use crate::cassette::{Cassette, Entry, ExecCassette, WORKSPACE};

/// The first key of a `-c` setting a cassette may pass on as it is. (`features` is not one: a
/// feature such as Codex's network proxy could open what the sandbox closes.)
const SAFE_SETTINGS: &[&str] = &[
    "model",
    "model_reasoning_effort",
    "model_reasoning_summary",
    "model_verbosity",
    "model_context_window",
    "model_auto_compact_token_limit",
    "plan_mode_reasoning_effort",
    "approval_policy",
    "personality",
    "service_tier",
    "web_search",
    "tools",
    "developer_instructions",
    "instructions",
    "base_instructions",
    "hide_agent_reasoning",
    "show_raw_agent_reasoning",
    "project_doc_max_bytes",
    "tool_output_token_limit",
    "analytics",
    "check_for_update_on_startup",
    "suppress_unstable_features_warning",
    "openai_base_url",
    "include_apps_instructions",
    "include_collaboration_mode_instructions",
    "include_environment_context",
];

/// The client requests (and notifications) re-recording sends again from a cassette: the
/// session's own, and ones that only read.
const CLIENT_METHODS: &[&str] = &[
    "initialize",
    "initialized",
    "thread/start",
    "thread/resume",
    "thread/fork",
    "thread/archive",
    "thread/unarchive",
    "thread/unsubscribe",
    "thread/name/set",
    "thread/list",
    "thread/loaded/list",
    "thread/read",
    "thread/turns/list",
    "thread/items/list",
    "thread/compact/start",
    "turn/start",
    "turn/steer",
    "turn/interrupt",
    "review/start",
    "model/list",
    "modelProvider/list",
    "experimentalFeature/list",
    "permissionProfile/list",
    "skills/list",
    "hooks/list",
    "plugin/list",
    "plugin/installed",
    "app/list",
    "app/installed",
    "mcpServerStatus/list",
    "config/read",
    "configRequirements/read",
    "account/read",
    "account/rateLimits/read",
];

/// The requests whose parameters may set a working directory, a sandbox or settings.
const SESSION_METHODS: &[&str] = &["thread/start", "thread/resume", "thread/fork", "turn/start"];

/// The answers to an approval request that grant nothing.
const DECLINES: &[&str] = &["decline", "cancel", "denied", "abort", "timed_out"];

/// Why a cassette is not re-recorded as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// It starts an MCP server the user did not name.
    McpServer {
        /// The cassette line that names it.
        line: usize,
        /// The server's name.
        server: String,
        /// The setting, as the cassette has it.
        setting: String,
    },
    /// It asks for something that would run or write outside the sandboxed scratch workspace.
    Unsafe {
        /// The cassette line.
        line: usize,
        /// What it asks for.
        what: String,
    },
}

/// Checks an app-server cassette: its header's `-c` overrides and every client message.
pub(crate) fn check_app_server(cassette: &Cassette, allowed: &[String]) -> Result<(), Refusal> {
    for setting in cassette.header.backend_overrides() {
        check_override(1, setting, allowed)?;
    }
    for (line, entry) in &cassette.entries {
        match entry {
            Entry::C2s { msg, .. } => check_client_message(*line, msg, allowed)?,
            Entry::S2c { msg, .. } => patches::check_item(*line, msg)?,
            Entry::Effects { .. } | Entry::Exit { .. } => {}
        }
    }
    Ok(())
}

/// Checks an exec cassette: every run's command line.
pub(crate) fn check_exec(cassette: &ExecCassette, allowed: &[String]) -> Result<(), Refusal> {
    for run in &cassette.invocations {
        check_exec_args(run.line, &run.call.args, allowed)?;
    }
    Ok(())
}

/// The settings that let the tools of each MCP server `overrides` start be called without asking
/// (`mcp_servers.NAME.default_tools_approval_mode="approve"`), for the servers that do not say
/// already. In the sandbox Codex asks before an MCP tool call, and with `approval_policy =
/// "never"` the call fails; a server the user allowed is called as the cassette shows. (Only
/// servers the user allowed get this far: [`check_app_server`] refused the others.)
pub(crate) fn tool_approvals(overrides: &[String]) -> Vec<String> {
    let mut servers: Vec<String> = Vec::new();
    let mut decided: Vec<String> = Vec::new();
    for setting in overrides {
        let (key, _) = setting.split_once('=').unwrap_or((setting, ""));
        let keys = key_segments(key);
        let (Some("mcp_servers"), Some(server)) = (keys.first().map(String::as_str), keys.get(1))
        else {
            continue;
        };
        if keys
            .get(2)
            .is_some_and(|k| k == "default_tools_approval_mode")
        {
            decided.push(server.clone());
        }
        let bare = server
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if bare && !servers.contains(server) {
            servers.push(server.clone());
        }
    }
    servers
        .into_iter()
        .filter(|server| !decided.contains(server))
        .map(|server| format!("mcp_servers.{server}.default_tools_approval_mode=\"approve\""))
        .collect()
}

/// Checks one `-c key=value` override.
fn check_override(line: usize, setting: &str, allowed: &[String]) -> Result<(), Refusal> {
    let (key, value) = setting.split_once('=').unwrap_or((setting, ""));
    check_setting(line, &key_segments(key), unquote(value), setting, allowed)
}

/// Checks the setting at the dotted key `keys` with the value `value` (TOML or JSON text, quotes
/// removed); `shown` is how the cassette writes it.
fn check_setting(
    line: usize,
    keys: &[String],
    value: &str,
    shown: &str,
    allowed: &[String],
) -> Result<(), Refusal> {
    let unsafe_setting = |why: &str| {
        Err(Refusal::Unsafe {
            line,
            what: format!("the setting `{shown}` ({why})"),
        })
    };
    let first = keys.first().map_or("", String::as_str);
    let second = keys.get(1).map(String::as_str);
    match (first, second) {
        ("mcp_servers", Some(server)) => {
            if allowed.iter().any(|name| name == server) {
                Ok(())
            } else {
                Err(Refusal::McpServer {
                    line,
                    server: server.to_owned(),
                    setting: shown.to_owned(),
                })
            }
        }
        ("mcp_servers", None) => {
            unsafe_setting("MCP servers as a whole table; give each as `mcp_servers.NAME.KEY=...`")
        }
        ("sandbox_mode", None) if matches!(value, "workspace-write" | "read-only") => Ok(()),
        ("sandbox_mode", _) => unsafe_setting("a sandbox other than workspace-write or read-only"),
        ("sandbox_workspace_write", Some("network_access")) if value == "false" => Ok(()),
        ("sandbox_workspace_write", Some("exclude_slash_tmp" | "exclude_tmpdir_env_var"))
            if value == "true" =>
        {
            Ok(())
        }
        ("sandbox_workspace_write", _) => {
            unsafe_setting("network access or more writable folders for the sandbox")
        }
        ("approvals_reviewer", None) => Ok(()),
        ("shell_environment_policy", _) => unsafe_setting(
            "the environment the commands see: re-recording runs them with a minimal \
             environment, nothing of the user's but the search path, home and locale; remove \
             the setting from the cassette",
        ),
        (key, _) if SAFE_SETTINGS.contains(&key) => Ok(()),
        _ => unsafe_setting(
            "not one re-recording passes on: it could start a process, write outside the \
             workspace or loosen the sandbox",
        ),
    }
}

/// The segments of a dotted TOML key (`mcp_servers."a.b".command` → `mcp_servers`, `a.b`,
/// `command`).
fn key_segments(key: &str) -> Vec<String> {
    let mut segments = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in key.trim().chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '.') => segments.push(String::new()),
            (None, c) if c.is_whitespace() => {}
            (_, c) => {
                if let Some(segment) = segments.last_mut() {
                    segment.push(c);
                }
            }
        }
    }
    segments
}

/// `value` without surrounding spaces and quotes.
fn unquote(value: &str) -> &str {
    let value = value.trim();
    ["\"", "'"]
        .iter()
        .find_map(|q| value.strip_prefix(q).and_then(|v| v.strip_suffix(q)))
        .unwrap_or(value)
}

/// Checks one client message: its method, a session request's parameters, an approval's answer.
fn check_client_message(line: usize, msg: &Value, allowed: &[String]) -> Result<(), Refusal> {
    let refuse = |what: String| Err(Refusal::Unsafe { line, what });
    let Some(method) = msg.get("method").and_then(Value::as_str) else {
        return check_answer(line, msg.get("result").unwrap_or(&Value::Null));
    };
    if !CLIENT_METHODS.contains(&method) {
        return refuse(format!(
            "the client request `{method}`, which re-recording does not send from a cassette \
             (it could run or write something outside the scratch workspace)"
        ));
    }
    if !SESSION_METHODS.contains(&method) {
        return Ok(());
    }
    let params = msg.get("params").unwrap_or(&Value::Null);
    if let Some(cwd) = params.get("cwd").and_then(Value::as_str) {
        if !in_workspace(cwd) {
            return refuse(format!(
                "`{method}` in the working directory {cwd:?}, outside the scratch workspace"
            ));
        }
    }
    if params.get("sandbox").and_then(Value::as_str) == Some("danger-full-access") {
        return refuse(format!(
            "`{method}` with full access (`danger-full-access`)"
        ));
    }
    if let Some(policy) = params.get("sandboxPolicy").filter(|p| !p.is_null()) {
        check_sandbox_policy(line, method, policy)?;
    }
    if let Some(config) = params.get("config").and_then(Value::as_object) {
        for (keys, value) in flatten(config) {
            let shown = format!("{}={value}", keys.join("."));
            check_setting(line, &keys, unquote(&value), &shown, allowed)?;
        }
    }
    Ok(())
}

/// Checks a `turn/start` sandbox policy: read-only or workspace-write, without network, with no
/// writable folder outside the workspace.
fn check_sandbox_policy(line: usize, method: &str, policy: &Value) -> Result<(), Refusal> {
    let kind = policy.get("type").and_then(Value::as_str).unwrap_or("?");
    let roots_inside = policy
        .get("writableRoots")
        .and_then(Value::as_array)
        .is_none_or(|roots| roots.iter().all(|r| r.as_str().is_some_and(in_workspace)));
    let network = policy.get("networkAccess").and_then(Value::as_bool) == Some(true);
    if matches!(kind, "readOnly" | "workspaceWrite") && roots_inside && !network {
        return Ok(());
    }
    Err(Refusal::Unsafe {
        line,
        what: format!(
            "`{method}` with the sandbox policy {policy} (full access, network, or writable \
             folders outside the workspace)"
        ),
    })
}

/// Checks the client's answer to a server request: an approval must not be granted.
fn check_answer(line: usize, result: &Value) -> Result<(), Refusal> {
    let granted = match result.get("decision") {
        None | Some(Value::Null) => false,
        Some(Value::String(decision)) => !DECLINES.contains(&decision.as_str()),
        Some(_) => true,
    } || result.get("permissions").is_some_and(grants_anything);
    if granted {
        return Err(Refusal::Unsafe {
            line,
            what: format!(
                "an approval the client granted ({result}): an approved command may run again \
                 outside the sandbox"
            ),
        });
    }
    Ok(())
}

/// Whether a permissions grant holds anything (`{}`, nulls and `false` grant nothing).
fn grants_anything(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::Object(map) => map.values().any(grants_anything),
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

/// The leaves of a `config` object as dotted keys (`{"a": {"b": 1}, "c.d": 2}` → `a.b`, `c.d`)
/// and their values as text.
fn flatten(config: &serde_json::Map<String, Value>) -> Vec<(Vec<String>, String)> {
    let mut leaves = Vec::new();
    for (key, value) in config {
        let keys = key_segments(key);
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                for (mut tail, text) in flatten(inner) {
                    let mut full = keys.clone();
                    full.append(&mut tail);
                    leaves.push((full, text));
                }
            }
            Value::String(text) => leaves.push((keys, text.clone())),
            other => leaves.push((keys, other.to_string())),
        }
    }
    leaves
}

/// Whether `path` (as the cassette writes it) is the scratch workspace or inside it.
pub(super) fn in_workspace(path: &str) -> bool {
    path.strip_prefix(WORKSPACE).is_some_and(|rest| {
        (rest.is_empty() || rest.starts_with('/')) && !rest.split('/').any(|part| part == "..")
    })
}

/// A relative folder (`ws`, `a/b`: no `..`, not absolute, no placeholder) as its path, which a
/// re-recording makes the scratch workspace by starting the run in the folder above it.
pub(super) fn relative_folder(value: &str) -> Option<&std::path::Path> {
    let path = std::path::Path::new(value);
    let normal = path.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    });
    (normal && !value.is_empty() && !value.contains("{{")).then_some(path)
}

/// Checks one `codex exec` command line.
fn check_exec_args(line: usize, args: &[String], allowed: &[String]) -> Result<(), Refusal> {
    let refuse = |what: String| Err(Refusal::Unsafe { line, what });
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = split_flag(arg);
        let takes_value = matches!(
            flag,
            "-c" | "--config"
                | "-s"
                | "--sandbox"
                | "-C"
                | "--cd"
                | "--add-dir"
                | "-o"
                | "--output-last-message"
                | "--output-schema"
        );
        let value = match (takes_value, inline) {
            (false, _) => "",
            (true, Some(value)) => value,
            (true, None) => rest.next().map_or("", String::as_str),
        };
        match flag {
            "-c" | "--config" => check_override(line, value, allowed)?,
            "-s" | "--sandbox" if value == "danger-full-access" => {
                return refuse(format!("`{flag} {value}` (full access)"));
            }
            "-C" | "--cd" if !in_workspace(value) && relative_folder(value).is_none() => {
                return refuse(format!(
                    "`{flag} {value}`: a folder outside the scratch workspace"
                ));
            }
            "--add-dir" if !in_workspace(value) => {
                return refuse(format!(
                    "`{flag} {value}`: a folder outside the scratch workspace"
                ));
            }
            "-o" | "--output-last-message" if value != "{{last_message}}" => {
                return refuse(format!("`{flag} {value}`: a file Codex would write itself"));
            }
            "--output-schema" if value != "{{output_schema}}" => {
                return refuse(format!("`{flag} {value}`: a file of the user's"));
            }
            "--dangerously-bypass-approvals-and-sandbox"
            | "--enable"
            | "--yolo"
            | "--dangerously-bypass-hook-trust"
            | "--approve-for-me"
            | "--trust"
            | "--worktree"
            | "--oss"
            | "--local-provider"
            | "--remote"
            | "--remote-auth-token-env"
            | "-p"
            | "--profile" => {
                return refuse(format!(
                    "`{arg}`, which re-recording does not pass on (it could run commands out of \
                     the sandbox, reach the network or load other settings)"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// An argument as its flag and, when it carries one, its value (`--cd=X`, `-CX`, `-c=X`).
fn split_flag(arg: &str) -> (&str, Option<&str>) {
    if let Some((flag, value)) = arg.split_once('=').filter(|_| arg.starts_with("--")) {
        return (flag, Some(value));
    }
    let short = arg.len() > 2 && arg.starts_with('-') && !arg.starts_with("--");
    match arg.get(..2) {
        Some(flag @ ("-c" | "-C" | "-s" | "-o" | "-p")) if short => {
            let value = &arg[2..];
            (flag, Some(value.strip_prefix('=').unwrap_or(value)))
        }
        _ => (arg, None),
    }
}

mod patches;
#[cfg(test)]
mod tests;
