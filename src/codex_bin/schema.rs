//! The protocol schema of a Codex binary, and its fingerprint.

use std::path::Path;
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

/// Runs `<codex> app-server generate-json-schema` into a temp dir and returns `sha256:<hex>` over
/// every file (sorted by name). `None` if the binary cannot produce a schema.
pub fn schema_fingerprint(codex_bin: &Path) -> Option<String> {
    let dir = write_schema(codex_bin).ok()?;
    let mut files = Vec::new();
    collect(dir.path(), dir.path(), &mut files).ok()?;
    files.sort();
    let mut hasher = Sha256::new();
    for (name, bytes) in files {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(&bytes);
    }
    let digest = hasher.finalize();
    Some(format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    ))
}

/// Runs `<codex> app-server generate-json-schema` into a fresh temp dir and returns it.
pub(crate) fn write_schema(codex_bin: &Path) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let status = Command::new(codex_bin)
        .args(["app-server", "generate-json-schema", "--out"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(std::io::Error::other(format!(
            "`{} app-server generate-json-schema` ended with {status}",
            codex_bin.display()
        )));
    }
    Ok(dir)
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            out.push((name, std::fs::read(&path)?));
        }
    }
    Ok(())
}
