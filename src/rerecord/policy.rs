//! The sandbox and approval policy a re-recording runs a cassette under: the cassette's own when
//! it is at least as strict as the re-recording sandbox (`workspace-write` confined to the scratch
//! workspace, no network, `/tmp` and `$TMPDIR` not writable), tightened to that otherwise.
//!
//! - A cassette recorded with Codex's defaults (read-only, `approvalPolicy: on-request`) re-records
//!   with the same: the Codex home's `sandbox_mode` and `approval_policy` are those the recording's
//!   `thread/start` answer reports for a thread that did not name its own ([`HomePolicy`]), and
//!   Codex's own default sandbox is left to Codex (no `sandbox_mode` at all).
//! - What asks for more (`danger-full-access`, network access, writable folders outside the
//!   workspace, in the header's `-c` overrides, a `thread/start` or `turn/start`, the answer of the
//!   Codex that recorded, or an exec run's flags) is rewritten to the re-recording sandbox before
//!   anything runs, and named ([`Tightened`]): `rerecord` and `review` say "re-recorded in the
//!   workspace-write sandbox; the cassette asked for danger-full-access".

use serde_json::{Value, json};

use super::untrusted::in_workspace;
use crate::cassette::{AnyCassette, Cassette, Entry, ExecCassette};

/// The re-recording sandbox, as `sandbox_mode` and `--sandbox` spell it.
const SANDBOX: &str = "workspace-write";

/// What a cassette asked for that the re-recording did not give, one phrase each
/// (`danger-full-access`, `network access`, ...), in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tightened(pub(crate) Vec<String>);

impl Tightened {
    fn add(&mut self, what: impl Into<String>) {
        let what = what.into();
        if !self.0.contains(&what) {
            self.0.push(what);
        }
    }
}

/// The Codex home settings a re-recording starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HomePolicy {
    /// `sandbox_mode`: `read-only` or `workspace-write`; `None` leaves Codex's default (its
    /// built-in read-only permission profile, which the answer names as
    /// `activePermissionProfile: {"id": ":read-only"}` where a set `sandbox_mode` gives `null`).
    pub sandbox: Option<&'static str>,
    /// `approval_policy` (`never`, `on-request`, `untrusted`, `on-failure`).
    pub approval: String,
}

impl Default for HomePolicy {
    fn default() -> Self {
        Self {
            sandbox: Some(SANDBOX),
            approval: "never".to_owned(),
        }
    }
}

/// Rewrites what `cassette` asks for beyond the re-recording sandbox (header overrides, client
/// requests) to that sandbox, and reads the home settings its recording ran with; what was
/// tightened is in the second value.
pub(crate) fn app_server(cassette: &mut Cassette) -> (HomePolicy, Tightened) {
    let mut tightened = Tightened::default();
    if let Some(overrides) = cassette.header.backend_overrides_mut() {
        *overrides = std::mem::take(overrides)
            .into_iter()
            .filter_map(|setting| tighten_override(setting, &mut tightened))
            .collect();
    }
    let mut home = HomePolicy::default();
    let (mut sandbox_read, mut approval_read) = (false, false);
    let answers = answers_by_request(cassette);
    for (at, (_, entry)) in cassette.entries.iter_mut().enumerate() {
        let Entry::C2s { msg, .. } = entry else {
            continue;
        };
        let method = msg
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let method = method.as_str();
        let Some(params) = msg.get_mut("params").and_then(Value::as_object_mut) else {
            continue;
        };
        if matches!(method, "thread/start" | "thread/resume" | "thread/fork") {
            if params.get("sandbox").and_then(Value::as_str) == Some("danger-full-access") {
                tightened.add("danger-full-access");
                params.insert("sandbox".to_owned(), Value::from(SANDBOX));
            }
            if let Some(Value::Object(config)) = params.get_mut("config") {
                tighten_config(config, &mut tightened);
            }
            // The home's own settings show in the answer of a thread that did not name its own.
            let answer = answers.get(&at).map(|a| &a.1);
            if !sandbox_read && !params.contains_key("sandbox") {
                if let Some(sandbox) = answer.and_then(|a| a.get("sandbox")) {
                    sandbox_read = true;
                    let mode = sandbox_of_answer(sandbox, &mut tightened);
                    let profile = answer.and_then(|a| a.pointer("/activePermissionProfile/id"));
                    let default = profile.and_then(Value::as_str) == Some(":read-only");
                    home.sandbox = Some(mode).filter(|m| !(default && *m == "read-only"));
                }
            }
            if !approval_read && !params.contains_key("approvalPolicy") {
                if let Some(policy) = answer.and_then(|a| a.get("approvalPolicy")) {
                    approval_read = true;
                    if let Some(policy) = policy.as_str() {
                        home.approval = policy.to_owned();
                    }
                }
            }
        }
        if method == "turn/start" {
            if let Some(policy) = params.get_mut("sandboxPolicy").filter(|p| !p.is_null()) {
                tighten_sandbox_policy(policy, &mut tightened);
            }
        }
    }
    (home, tightened)
}

/// Rewrites an exec cassette's run flags that ask for more than the re-recording sandbox:
/// `--sandbox danger-full-access` (and `-c sandbox_mode=...`) become `workspace-write`,
/// `--dangerously-bypass-approvals-and-sandbox` is dropped, `--add-dir` outside the workspace
/// and network settings are dropped.
pub(crate) fn exec(cassette: &mut ExecCassette) -> Tightened {
    let mut tightened = Tightened::default();
    for run in &mut cassette.invocations {
        let args = std::mem::take(&mut run.call.args);
        let mut out = Vec::with_capacity(args.len());
        let mut rest = args.into_iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--dangerously-bypass-approvals-and-sandbox" | "--yolo" => {
                    tightened.add("danger-full-access");
                }
                "-s" | "--sandbox" => {
                    let value = rest.next().unwrap_or_default();
                    out.push(arg);
                    out.push(if value == "danger-full-access" {
                        tightened.add("danger-full-access");
                        SANDBOX.to_owned()
                    } else {
                        value
                    });
                }
                "--add-dir" => match rest.next() {
                    Some(dir) if !in_workspace(&dir) => {
                        tightened.add(format!("the folder {dir} besides the workspace"));
                    }
                    dir => out.extend([arg].into_iter().chain(dir)),
                },
                "-c" | "--config" => match rest.next() {
                    Some(setting) => {
                        if let Some(setting) = tighten_override(setting, &mut tightened) {
                            out.extend([arg, setting]);
                        }
                    }
                    None => out.push(arg),
                },
                _ => out.push(arg),
            }
        }
        run.call.args = out;
    }
    tightened
}

/// What `cassette` asks for beyond the re-recording sandbox (nothing is changed).
pub(crate) fn asked(cassette: &AnyCassette) -> Tightened {
    match cassette {
        AnyCassette::AppServer(cassette) => app_server(&mut cassette.clone()).1,
        AnyCassette::Exec(cassette) => exec(&mut cassette.clone()),
    }
}

/// The line `rerecord` and `review` add when `pending` was re-recorded in the sandbox where
/// `committed` asked for more; `None` otherwise.
pub(crate) fn note(committed: &AnyCassette, pending: &AnyCassette) -> Option<String> {
    let before = asked(committed);
    (!before.0.is_empty() && asked(pending).0.is_empty()).then(|| {
        format!(
            "re-recorded in the {SANDBOX} sandbox; the cassette asked for {}",
            before.0.join(", ")
        )
    })
}

/// [`note`] for the cassette at `committed` and its re-recording at `pending`; `None` when either
/// cannot be read.
pub(crate) fn note_for(committed: &std::path::Path, pending: &std::path::Path) -> Option<String> {
    let committed = AnyCassette::load(committed, "").ok()?;
    let pending = AnyCassette::load(pending, "").ok()?;
    note(&committed, &pending)
}

/// The answer to each session request, by the request's index in `cassette.entries`.
fn answers_by_request(cassette: &Cassette) -> std::collections::HashMap<usize, (usize, Value)> {
    let mut answers = std::collections::HashMap::new();
    for (at, (_, entry)) in cassette.entries.iter().enumerate() {
        let Entry::C2s { conv, msg, .. } = entry else {
            continue;
        };
        let Some(id) = msg.get("id").filter(|_| msg.get("method").is_some()) else {
            continue;
        };
        let answer = cassette.entries[at..]
            .iter()
            .find_map(|(line, later)| match later {
                Entry::S2c {
                    conv: c, msg: m, ..
                } if c == conv && m.get("id") == Some(id) && m.get("method").is_none() => {
                    Some((*line, m.get("result").cloned().unwrap_or(Value::Null)))
                }
                _ => None,
            });
        if let Some(answer) = answer {
            answers.insert(at, answer);
        }
    }
    answers
}

/// The home's `sandbox_mode` for a recorded `thread/start` answer's `sandbox`, noting what it
/// had beyond the re-recording sandbox.
fn sandbox_of_answer(sandbox: &Value, tightened: &mut Tightened) -> &'static str {
    match sandbox.get("type").and_then(Value::as_str) {
        Some("readOnly") => {
            if sandbox.get("networkAccess").and_then(Value::as_bool) == Some(true) {
                tightened.add("network access");
            }
            "read-only"
        }
        Some("workspaceWrite") => {
            if sandbox.get("networkAccess").and_then(Value::as_bool) == Some(true) {
                tightened.add("network access");
            }
            let roots = sandbox.get("writableRoots").and_then(Value::as_array);
            if roots.is_some_and(|r| r.iter().any(|r| !r.as_str().is_some_and(in_workspace))) {
                tightened.add("writable folders outside the workspace");
            }
            for key in ["excludeSlashTmp", "excludeTmpdirEnvVar"] {
                if sandbox.get(key).and_then(Value::as_bool) == Some(false) {
                    tightened.add("a writable temp folder");
                }
            }
            SANDBOX
        }
        Some("dangerFullAccess") => {
            tightened.add("danger-full-access");
            SANDBOX
        }
        other => {
            tightened.add(format!("the sandbox {}", other.unwrap_or("?")));
            SANDBOX
        }
    }
}

/// A `turn/start` sandbox policy within the re-recording sandbox.
fn tighten_sandbox_policy(policy: &mut Value, tightened: &mut Tightened) {
    let kind = policy.get("type").and_then(Value::as_str).unwrap_or("?");
    if !matches!(kind, "readOnly" | "workspaceWrite") {
        tightened.add(match kind {
            "dangerFullAccess" => "danger-full-access".to_owned(),
            other => format!("the sandbox {other}"),
        });
        *policy = json!({"type": "workspaceWrite", "networkAccess": false, "writableRoots": []});
        return;
    }
    if policy.get("networkAccess").and_then(Value::as_bool) == Some(true) {
        tightened.add("network access");
        policy["networkAccess"] = Value::Bool(false);
    }
    if let Some(roots) = policy
        .get_mut("writableRoots")
        .and_then(Value::as_array_mut)
    {
        let before = roots.len();
        roots.retain(|r| r.as_str().is_some_and(in_workspace));
        if roots.len() < before {
            tightened.add("writable folders outside the workspace");
        }
    }
}

/// A `thread/start` `config` object within the re-recording sandbox (its top-level sandbox keys).
fn tighten_config(config: &mut serde_json::Map<String, Value>, tightened: &mut Tightened) {
    if config.get("sandbox_mode").and_then(Value::as_str) == Some("danger-full-access") {
        tightened.add("danger-full-access");
        config.insert("sandbox_mode".to_owned(), Value::from(SANDBOX));
    }
    for key in [
        "sandbox_workspace_write.network_access",
        "sandbox_workspace_write.writable_roots",
    ] {
        if config.remove(key).is_some() {
            tightened.add(if key.ends_with("network_access") {
                "network access"
            } else {
                "writable folders outside the workspace"
            });
        }
    }
    if let Some(Value::Object(table)) = config.get_mut("sandbox_workspace_write") {
        if table
            .remove("network_access")
            .is_some_and(|v| v != json!(false))
        {
            tightened.add("network access");
        }
        if table.remove("writable_roots").is_some() {
            tightened.add("writable folders outside the workspace");
        }
    }
}

/// A `-c key=value` setting within the re-recording sandbox: `None` to drop it.
fn tighten_override(setting: String, tightened: &mut Tightened) -> Option<String> {
    let (key, value) = setting.split_once('=').unwrap_or((&setting, ""));
    let key: String = key
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect();
    let value = value.trim().trim_matches(['"', '\'']);
    match key.as_str() {
        "sandbox_mode" if value == "danger-full-access" => {
            tightened.add("danger-full-access");
            Some(format!("sandbox_mode=\"{SANDBOX}\""))
        }
        "sandbox_workspace_write.network_access" if value != "false" => {
            tightened.add("network access");
            None
        }
        "sandbox_workspace_write.writable_roots" => {
            tightened.add("writable folders outside the workspace");
            None
        }
        "sandbox_workspace_write.exclude_slash_tmp"
        | "sandbox_workspace_write.exclude_tmpdir_env_var"
            if value != "true" =>
        {
            tightened.add("a writable temp folder");
            None
        }
        _ => Some(setting),
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
