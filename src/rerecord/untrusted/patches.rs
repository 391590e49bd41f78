//! The patches a cassette makes Codex apply. The scripted model replays a file change as the
//! `apply_patch` command that makes it, and Codex applies a patch itself: one that reaches outside
//! the workspace asks for approval first, which a client may route to a reviewer model
//! (`approvalsReviewer: "auto_review"`, the Python SDK's default) that the scripted model would
//! answer from the cassette. So every path a recorded file change or `apply_patch` command names
//! must be inside the scratch workspace.

use serde_json::Value;

use super::{Refusal, in_workspace};

/// The lines of a patch that name a file.
const FILE_LINES: &[&str] = &[
    "*** Add File: ",
    "*** Update File: ",
    "*** Delete File: ",
    "*** Move to: ",
];

/// Checks a recorded server message: a file change item's paths, and a command item that runs
/// `apply_patch`.
pub(super) fn check_item(line: usize, msg: &Value) -> Result<(), Refusal> {
    let Some(item) = msg.pointer("/params/item") else {
        return Ok(());
    };
    let outside = |path: &str| Refusal::Unsafe {
        line,
        what: format!("a file change at {path:?}, outside the scratch workspace"),
    };
    match item.get("type").and_then(Value::as_str) {
        Some("fileChange") => {
            let changes = item.get("changes").and_then(Value::as_array);
            for change in changes.into_iter().flatten() {
                let paths = [change.get("path"), change.pointer("/kind/move_path")];
                for path in paths.into_iter().flatten().filter_map(Value::as_str) {
                    if !in_workspace(path) {
                        return Err(outside(path));
                    }
                }
            }
            Ok(())
        }
        Some("commandExecution") => {
            let command = item.get("command").and_then(Value::as_str).unwrap_or("");
            check_patch_command(line, command)
        }
        _ => Ok(()),
    }
}

/// Checks a command line that may run `apply_patch`: nothing may run before it (a `cd` would move
/// its relative paths), and each file it names is relative without `..`, or in the workspace.
fn check_patch_command(line: usize, command: &str) -> Result<(), Refusal> {
    let Some(at) = command.find("apply_patch") else {
        return Ok(());
    };
    let before = &command[..at];
    if before.contains("&&")
        || before.contains(';')
        || before.contains('|')
        || before.split_whitespace().any(|word| word == "cd")
    {
        return Err(Refusal::Unsafe {
            line,
            what: "a command that runs `apply_patch` after another command".to_owned(),
        });
    }
    for text in command.lines() {
        let text = text.trim();
        let Some(path) = FILE_LINES.iter().find_map(|p| text.strip_prefix(p)) else {
            continue;
        };
        let path = path.trim();
        let relative =
            !path.starts_with(['/', '~', '$', '{']) && !path.split('/').any(|part| part == "..");
        if !relative && !in_workspace(path) {
            return Err(Refusal::Unsafe {
                line,
                what: format!("a patch of {path:?}, outside the scratch workspace"),
            });
        }
    }
    Ok(())
}
