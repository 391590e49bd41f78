//! An exec run's command line in the form a cassette keeps and matches: paths and the thread id
//! replaced by placeholders, the schema file by a placeholder (its contents are kept beside).

use std::path::Path;

use serde_json::Value;

use crate::cassette::exec::format::ExecCall;
use crate::cassette::normalize::redact::{redact_json, redact_with};
use crate::cassette::normalize::rules::Rules;
use crate::cassette::normalize::volatile::{self, Numbering};
use crate::cassette::normalize::{HOME, Scope, WORKSPACE};

/// What `--output-schema FILE` becomes in a cassette's command line.
pub(crate) const OUTPUT_SCHEMA: &str = "{{output_schema}}";
/// What `-o FILE` becomes.
pub(crate) const LAST_MESSAGE: &str = "{{last_message}}";
/// What a temporary path outside the workspace becomes.
pub(crate) const TEMP_PATH: &str = "{{temp_path}}";

/// One argument of a `codex exec` command line, as the stand-in's parser classified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExecArg {
    /// A flag or a value kept as written (known paths inside still become placeholders).
    Literal(String),
    /// A directory or file path (`--cd`, `--add-dir`, `--image`).
    Path(String),
    /// The `--output-schema` file.
    OutputSchema,
    /// The `-o` / `--output-last-message` file.
    LastMessage,
    /// The thread id after `resume`.
    Thread(String),
}

/// The scope that knows the paths no exec cassette keeps: the working directory and the home.
pub(crate) fn path_scope(workspace: &Path, home: Option<&str>) -> Scope {
    let mut scope = Scope::new();
    scope.bind_path(&workspace.display().to_string(), WORKSPACE);
    if let Some(codex_home) = std::env::var("CODEX_HOME").ok().filter(|h| h.len() > 1) {
        scope.bind_path(&codex_home, crate::cassette::normalize::CODEX_HOME);
    }
    if let Some(home) = home {
        scope.bind_path(home, HOME);
    }
    scope
}

/// The caller's home directory, if it is worth replacing.
pub(crate) fn home() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| h.len() > 1)
}

/// The normalised call: `args` through `scope` (the thread id through `thread`), stdin and the
/// schema's contents redacted (the built-in kinds and `rules.redact`); then what `rules.volatile`
/// match in the command line's literal arguments, stdin and schema becomes its value's
/// placeholder (`{{name:N}}`), numbered in `found`.
pub(crate) fn normalize_call(
    args: &[ExecArg],
    stdin: &str,
    output_schema: Option<&Value>,
    scope: &Scope,
    thread: &dyn Fn(&str) -> String,
    rules: &Rules,
    found: &mut Numbering,
) -> ExecCall {
    let home = home();
    let home = home.as_deref();
    let temp = std::env::temp_dir().display().to_string();
    let clean = |text: &str| redact_with(&scope.substitute(text), home, &rules.redact).into_owned();
    let mut vary = |text: String| match volatile::apply(&rules.volatile, &text, found) {
        std::borrow::Cow::Owned(changed) => changed,
        std::borrow::Cow::Borrowed(_) => text,
    };
    let args = args
        .iter()
        .enumerate()
        .map(|(index, arg)| match arg {
            // The program and its flags are the envelope: the project's rules leave them alone.
            ExecArg::Literal(text) if index == 0 || text.starts_with('-') => {
                redact_with(&scope.substitute(text), home, &[]).into_owned()
            }
            ExecArg::Literal(text) => vary(clean(text)),
            ExecArg::Path(path) => {
                let substituted = scope.substitute(path);
                if substituted.starts_with(&temp) || substituted.starts_with("/tmp/") {
                    TEMP_PATH.to_owned()
                } else {
                    redact_with(&substituted, home, &rules.redact).into_owned()
                }
            }
            ExecArg::OutputSchema => OUTPUT_SCHEMA.to_owned(),
            ExecArg::LastMessage => LAST_MESSAGE.to_owned(),
            ExecArg::Thread(id) => thread(id),
        })
        .collect();
    let stdin = vary(clean(stdin));
    let output_schema = output_schema.map(|schema| {
        let mut schema = schema.clone();
        redact_json(&mut schema, home, &rules.redact);
        each_string_mut(&mut schema, &mut |text| *text = vary(std::mem::take(text)));
        schema
    });
    ExecCall {
        args,
        stdin,
        output_schema,
    }
}

/// Calls `f` on every string in `value` (not on keys).
pub(crate) fn each_string_mut(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::String(text) => f(text),
        Value::Array(items) => items.iter_mut().for_each(|v| each_string_mut(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| each_string_mut(v, f)),
        _ => {}
    }
}
