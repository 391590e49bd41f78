//! A recorded `fileChange` item made again: the `apply_patch` command that has Codex write the
//! same changes. Codex takes `apply_patch` run through its shell tool as a patch (and reports a
//! `fileChange`, not a command), so the scripted model asks for exactly that.
//!
//! Codex reports an added file with its contents, a deleted one with its last contents, and an
//! update as unified diff hunks (a move adds `Moved to: PATH` after them); the patch language
//! wants `+` lines for an added file and `@@` hunks of ` `, `-` and `+` lines for an update.

use serde_json::Value;

use crate::cassette::WORKSPACE;

/// The heredoc delimiter the patch is passed in (a line of a file can never be it: each patch
/// line starts with `+`, `-`, ` ` or `*`).
const END: &str = "PROMPT_DIARY_PATCH";

/// The shell command that applies the `changes` of a recorded `fileChange` item, or why there
/// is none (a path outside the workspace, a diff the patch language cannot say).
pub(super) fn apply_patch_command(changes: &Value) -> Result<String, String> {
    let mut patch = String::from("*** Begin Patch\n");
    for change in changes
        .as_array()
        .ok_or("a file change without `changes`")?
    {
        let path = relative(change.get("path").and_then(Value::as_str).unwrap_or(""))?;
        let diff = change.get("diff").and_then(Value::as_str).unwrap_or("");
        let kind = change.get("kind").unwrap_or(&Value::Null);
        match kind.get("type").and_then(Value::as_str).or(kind.as_str()) {
            Some("add") => {
                patch.push_str(&format!("*** Add File: {path}\n"));
                for line in diff.lines() {
                    patch.push('+');
                    patch.push_str(line);
                    patch.push('\n');
                }
            }
            Some("delete") => patch.push_str(&format!("*** Delete File: {path}\n")),
            Some("update") => {
                patch.push_str(&format!("*** Update File: {path}\n"));
                let mut hunks = diff;
                if let Some(to) = kind.get("move_path").and_then(Value::as_str) {
                    patch.push_str(&format!("*** Move to: {}\n", relative(to)?));
                    hunks = diff.split("\n\nMoved to: ").next().unwrap_or(diff);
                }
                for line in hunks.lines() {
                    if line.starts_with("@@") {
                        patch.push_str("@@\n");
                    } else if line.starts_with([' ', '-', '+']) || line.is_empty() {
                        patch.push_str(if line.is_empty() { " " } else { line });
                        patch.push('\n');
                    } else {
                        return Err(format!(
                            "a file change to {path} whose diff holds `{line}`, which a patch cannot say"
                        ));
                    }
                }
            }
            other => return Err(format!("a file change of kind {other:?} to {path}")),
        }
    }
    patch.push_str("*** End Patch\n");
    Ok(format!("apply_patch <<'{END}'\n{patch}{END}"))
}

/// `path` relative to the workspace the recording ran in.
fn relative(path: &str) -> Result<&str, String> {
    path.strip_prefix(WORKSPACE)
        .and_then(|p| p.strip_prefix('/'))
        .filter(|p| !p.is_empty() && !p.split('/').any(|part| part == ".."))
        .ok_or_else(|| format!("a file change outside the workspace: {path}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_kind_of_change_becomes_its_patch_section() {
        let changes = json!([
            {"diff": "one\ntwo\n", "kind": {"type": "add"}, "path": "{{workspace}}/a.md"},
            {"diff": "@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n", "kind": {"type": "update", "move_path": null}, "path": "{{workspace}}/a.md"},
            {"diff": "@@ -1 +1 @@\n-x\n+y\n\n\nMoved to: {{workspace}}/d/c.md", "kind": {"type": "update", "move_path": "{{workspace}}/d/c.md"}, "path": "{{workspace}}/b.md"},
            {"diff": "bee\n", "kind": {"type": "delete"}, "path": "{{workspace}}/e.md"},
        ]);
        assert_eq!(
            apply_patch_command(&changes).unwrap(),
            "apply_patch <<'PROMPT_DIARY_PATCH'\n*** Begin Patch\n\
             *** Add File: a.md\n+one\n+two\n\
             *** Update File: a.md\n@@\n one\n-two\n+TWO\n\
             *** Update File: b.md\n*** Move to: d/c.md\n@@\n-x\n+y\n\
             *** Delete File: e.md\n\
             *** End Patch\nPROMPT_DIARY_PATCH"
        );
    }

    #[test]
    fn a_path_outside_the_workspace_is_refused_by_name() {
        for path in ["/etc/passwd", "{{workspace}}/../x"] {
            let changes = json!([{"diff": "", "kind": {"type": "add"}, "path": path}]);
            let err = apply_patch_command(&changes).unwrap_err();
            assert_eq!(err, format!("a file change outside the workspace: {path}"));
        }
    }
}
