//! Two protocol schemas compared (`codex app-server generate-json-schema` of two Codex
//! versions): client requests, server notifications and server requests added or removed, and
//! the fields of the types the adapter reads or sends added, removed or changed. What the adapter
//! uses is marked, so an upgrade's review starts where it matters.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde_json::Value;

use super::subset::{CLIENT_REQUESTS, SERVER_NOTIFICATIONS};

/// The v2 schema file holding every type definition.
const DEFINITIONS: &str = "codex_app_server_protocol.v2.schemas.json";

/// The types whose fields the adapter sends or reads.
const ADAPTER_TYPES: &[&str] = &[
    "ThreadStartParams",
    "TurnStartParams",
    "TurnInterruptParams",
    "InitializeResponse",
    "ThreadStartResponse",
    "TurnStartResponse",
    "TurnCompletedNotification",
    "ItemStartedNotification",
    "ItemCompletedNotification",
    "ErrorNotification",
    "Turn",
    "TurnError",
    "ThreadItem",
];

/// How two protocol schemas differ.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SchemaDiff {
    /// One line per difference, `*` marking what the adapter uses.
    pub lines: Vec<String>,
}

impl SchemaDiff {
    /// Whether the adapter uses anything that changed.
    pub(crate) fn touches_the_adapter(&self) -> bool {
        self.lines.iter().any(|line| line.starts_with('*'))
    }
}

impl fmt::Display for SchemaDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lines.is_empty() {
            return writeln!(
                f,
                "protocol schema: no difference in methods or adapter types"
            );
        }
        writeln!(f, "protocol schema (* = used by the adapter):")?;
        for line in &self.lines {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Compares the schema folders `old` and `new`.
pub(crate) fn compare(old: &Path, new: &Path) -> std::io::Result<SchemaDiff> {
    let mut lines = Vec::new();
    for (file, what, used) in [
        ("ClientRequest.json", "client request", CLIENT_REQUESTS),
        (
            "ServerNotification.json",
            "notification",
            SERVER_NOTIFICATIONS,
        ),
        ("ServerRequest.json", "server request", &[][..]),
    ] {
        let (before, after) = (methods(&load(old, file)?), methods(&load(new, file)?));
        for method in after.difference(&before) {
            lines.push(format!("{} {what} added: `{method}`", mark(used, method)));
        }
        for method in before.difference(&after) {
            lines.push(format!("{} {what} removed: `{method}`", mark(used, method)));
        }
    }
    let (before, after) = (load(old, DEFINITIONS)?, load(new, DEFINITIONS)?);
    let (before, after) = (&before["definitions"], &after["definitions"]);
    let names: BTreeSet<&String> = before
        .as_object()
        .into_iter()
        .chain(after.as_object())
        .flat_map(|defs| defs.keys())
        .collect();
    for name in names {
        let used = ADAPTER_TYPES.contains(&name.as_str());
        let (old_fields, new_fields) = (fields(&before[name]), fields(&after[name]));
        let star = if used { '*' } else { ' ' };
        let added: Vec<&String> = new_fields
            .keys()
            .filter(|f| !old_fields.contains_key(*f))
            .collect();
        let changed: Vec<&String> = new_fields
            .iter()
            .filter(|(f, schema)| old_fields.get(*f).is_some_and(|old| old != *schema))
            .map(|(f, _)| f)
            .collect();
        let removed: Vec<&String> = old_fields
            .keys()
            .filter(|f| !new_fields.contains_key(*f))
            .collect();
        for (what, list) in [("added", added), ("changed", changed), ("removed", removed)] {
            if list.is_empty() {
                continue;
            }
            let names: Vec<String> = list.iter().map(|f| format!("`{f}`")).collect();
            let plural = if names.len() == 1 { "field" } else { "fields" };
            lines.push(format!(
                "{star} `{name}`: {plural} {what}: {}",
                names.join(", ")
            ));
        }
    }
    // What the adapter uses first.
    lines.sort_by_key(|line| !line.starts_with('*'));
    Ok(SchemaDiff { lines })
}

fn mark(used: &[&str], method: &str) -> char {
    if used.contains(&method) { '*' } else { ' ' }
}

fn load(dir: &Path, name: &str) -> std::io::Result<Value> {
    let text = std::fs::read_to_string(dir.join(name))?;
    serde_json::from_str(&text)
        .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
}

fn methods(schema: &Value) -> BTreeSet<String> {
    schema["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|variant| variant.pointer("/properties/method/enum/0")?.as_str())
        .map(str::to_owned)
        .collect()
}

fn fields(definition: &Value) -> BTreeMap<String, Value> {
    definition["properties"]
        .as_object()
        .map(|props| props.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, methods: &[&str], turn_fields: &[&str]) {
        let one_of = |ms: &[&str]| json!({"oneOf": ms.iter().map(|m| json!({"properties": {"method": {"enum": [m]}}})).collect::<Vec<_>>()});
        std::fs::write(dir.join("ClientRequest.json"), one_of(methods).to_string()).unwrap();
        std::fs::write(
            dir.join("ServerNotification.json"),
            one_of(&["turn/completed"]).to_string(),
        )
        .unwrap();
        std::fs::write(dir.join("ServerRequest.json"), one_of(&[]).to_string()).unwrap();
        let props: serde_json::Map<String, Value> = turn_fields
            .iter()
            .map(|f| ((*f).to_owned(), json!({"type": "string"})))
            .collect();
        std::fs::write(
            dir.join(DEFINITIONS),
            json!({"definitions": {"Turn": {"properties": props}, "Other": {"properties": {}}}})
                .to_string(),
        )
        .unwrap();
    }

    #[test]
    fn added_and_removed_methods_and_fields_are_listed_with_the_adapters_first() {
        let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        write(
            old.path(),
            &["initialize", "thread/start", "fs/read"],
            &["id", "status"],
        );
        write(
            new.path(),
            &["initialize", "fs/read", "fs/write"],
            &["id", "status", "startedAtMs"],
        );
        let diff = compare(old.path(), new.path()).unwrap();
        assert!(diff.touches_the_adapter());
        assert_eq!(
            diff.lines,
            [
                "* client request removed: `thread/start`",
                "* `Turn`: field added: `startedAtMs`",
                "  client request added: `fs/write`",
            ]
        );
        let same = compare(old.path(), old.path()).unwrap();
        assert!(same.lines.is_empty());
        assert!(same.to_string().contains("no difference"));
    }
}
