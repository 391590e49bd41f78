//! Workspace effects: the files a turn created, changed or deleted, captured when recording and
//! applied when replaying.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Text files up to this size are stored whole; larger or binary files only by hash.
pub(super) const TEXT_CAP: usize = 64 * 1024;
/// At most this many files are looked at in one workspace.
pub(super) const MAX_FILES: usize = 10_000;
/// The longest path the platform takes, in bytes, its terminating NUL excluded (Linux's
/// `PATH_MAX` is 4096 with the NUL).
const PATH_MAX: usize = 4095;
/// The longest name of one path component, in bytes (Linux's `NAME_MAX`).
const NAME_MAX: usize = 255;

/// One file's state in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileState {
    sha256: String,
    len: u64,
    text: Option<String>,
}

/// The files under a workspace at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    files: BTreeMap<String, FileState>,
}

/// One change to one file, with `/`-separated paths relative to the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Effect {
    /// The file was created or changed and now holds `text`.
    Write {
        /// Relative path.
        path: String,
        /// The whole content.
        text: String,
    },
    /// The file was created or changed; it is binary or over the text cap (64 KiB), so only its hash is kept.
    Hashed {
        /// Relative path.
        path: String,
        /// SHA-256 of the content, hex.
        sha256: String,
        /// Size in bytes.
        len: u64,
    },
    /// The file was deleted.
    Delete {
        /// Relative path.
        path: String,
    },
}

impl Effect {
    /// The relative path this effect touches.
    pub fn path(&self) -> &str {
        match self {
            Self::Write { path, .. } | Self::Hashed { path, .. } | Self::Delete { path } => path,
        }
    }
}

/// A workspace effect could not be applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EffectError {
    /// The path would land outside the workspace.
    #[error(
        "refusing workspace effect on {path:?}: {reason}. A cassette may only touch files inside the replay working directory"
    )]
    UnsafePath {
        /// The path in the cassette.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Writing or deleting failed.
    #[error("could not apply the workspace effect on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `bytes`, hex.
pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

impl Snapshot {
    /// Reads every regular file under `root` (symlinks are not followed). A missing root is an
    /// empty snapshot.
    pub(crate) fn take(root: &Path) -> std::io::Result<Self> {
        let mut files = BTreeMap::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let dir = root.join(&rel);
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err),
            };
            for entry in entries {
                let entry = entry?;
                let kind = entry.file_type()?;
                let child = rel.join(entry.file_name());
                if kind.is_dir() {
                    stack.push(child);
                } else if kind.is_file() {
                    if files.len() >= MAX_FILES {
                        tracing::warn!(
                            "workspace {} has over {MAX_FILES} files; the rest are not recorded",
                            root.display()
                        );
                        return Ok(Self { files });
                    }
                    let bytes = std::fs::read(root.join(&child))?;
                    let text = String::from_utf8(bytes.clone())
                        .ok()
                        .filter(|_| bytes.len() <= TEXT_CAP);
                    let key = child
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/");
                    files.insert(
                        key,
                        FileState {
                            sha256: sha256_hex(&bytes),
                            len: bytes.len() as u64,
                            text,
                        },
                    );
                }
            }
        }
        Ok(Self { files })
    }

    /// What changed from `self` to `after`, in path order.
    pub(crate) fn diff(&self, after: &Snapshot) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (path, state) in &after.files {
            if self.files.get(path) == Some(state) {
                continue;
            }
            effects.push(match &state.text {
                Some(text) => Effect::Write {
                    path: path.clone(),
                    text: text.clone(),
                },
                None => Effect::Hashed {
                    path: path.clone(),
                    sha256: state.sha256.clone(),
                    len: state.len,
                },
            });
        }
        for path in self.files.keys() {
            if !after.files.contains_key(path) {
                effects.push(Effect::Delete { path: path.clone() });
            }
        }
        effects.sort_by(|a, b| a.path().cmp(b.path()));
        effects
    }
}

/// Checks that `path` is a plain relative path: not empty, not absolute, no `.` or `..`, no NUL
/// or backslash, and within the platform's limits (4095 bytes whole, 255 bytes a component), so
/// a cassette that names one the file system would refuse fails when it loads, with its line.
pub(super) fn check_path(path: &str) -> Result<(), EffectError> {
    let unsafe_path = |reason| EffectError::UnsafePath {
        path: path.to_owned(),
        reason,
    };
    if path.is_empty() {
        return Err(unsafe_path("the path is empty"));
    }
    if path.contains('\0') || path.contains('\\') {
        return Err(unsafe_path("the path contains a NUL or a backslash"));
    }
    if path.len() > PATH_MAX {
        return Err(unsafe_path(
            "the path is longer than the platform allows (4095 bytes)",
        ));
    }
    for component in Path::new(path).components() {
        match component {
            Component::Normal(name) if name.len() > NAME_MAX => {
                return Err(unsafe_path(
                    "a folder or file name in it is longer than the platform allows (255 bytes)",
                ));
            }
            Component::Normal(_) => {}
            Component::CurDir => return Err(unsafe_path("the path contains `.`")),
            Component::ParentDir => return Err(unsafe_path("the path contains `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_path("the path is absolute"));
            }
        }
    }
    Ok(())
}

/// Checks that `path` is a plain relative path and joins it to `root`; the joined path must be
/// within the platform's limit too.
pub(super) fn safe_join(root: &Path, path: &str) -> Result<PathBuf, EffectError> {
    check_path(path)?;
    let joined = root.join(path);
    if joined.as_os_str().len() > PATH_MAX {
        return Err(EffectError::UnsafePath {
            path: path.to_owned(),
            reason: "inside the replay working directory it is longer than the platform allows \
                     (4095 bytes); replay in a folder with a shorter path",
        });
    }
    Ok(joined)
}

/// Refuses a path that passes through (or ends at) a symbolic link already in the workspace: a
/// link could point anywhere, and writing through it would land outside.
fn no_symlink_on_the_way(root: &Path, path: &str) -> Result<(), EffectError> {
    let mut at = root.to_path_buf();
    for component in Path::new(path).components() {
        at.push(component);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(EffectError::UnsafePath {
                    path: path.to_owned(),
                    reason: "it goes through a symbolic link in the workspace",
                });
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(EffectError::Io { path: at, source }),
        }
    }
    Ok(())
}

/// Applies `effects` under `root`. Every path is checked before anything is written.
/// Hash-only entries cannot be reproduced and are skipped with a warning.
pub(crate) fn apply(root: &Path, effects: &[Effect]) -> Result<(), EffectError> {
    let targets = effects
        .iter()
        .map(|effect| {
            let target = safe_join(root, effect.path())?;
            no_symlink_on_the_way(root, effect.path())?;
            Ok((effect, target))
        })
        .collect::<Result<Vec<_>, EffectError>>()?;
    for (effect, target) in targets {
        let io = |source| EffectError::Io {
            path: target.clone(),
            source,
        };
        match effect {
            Effect::Write { text, .. } => write_by_rename(&target, text).map_err(io)?,
            Effect::Hashed { path, len, .. } => {
                tracing::warn!(
                    "{path} ({len} bytes) was recorded by hash only; replay cannot recreate it"
                );
            }
            Effect::Delete { .. } => match std::fs::remove_file(&target) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(io(err)),
                _ => {}
            },
        }
    }
    Ok(())
}

/// Writes `text` to `target` through a temporary file in the same folder renamed over it: the
/// name is replaced, so a hard link at `target` (whose other name may be outside the workspace)
/// keeps its old content instead of being written through. On Unix the file keeps the
/// permissions of the one it replaces; a new one gets what `std::fs::write` would give it.
fn write_by_rename(target: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let parent = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".prompt-diary-effect-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode =
            std::fs::symlink_metadata(target).map_or(0o666, |meta| meta.permissions().mode());
        builder.permissions(std::fs::Permissions::from_mode(mode & 0o777));
    }
    let mut temp = builder.tempfile_in(parent)?;
    temp.write_all(text.as_bytes())?;
    temp.persist(target).map_err(|err| err.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_reports_created_changed_and_deleted_files_and_apply_reproduces_them() {
        let live = tempfile::tempdir().unwrap();
        std::fs::write(live.path().join("keep.md"), "same").unwrap();
        std::fs::write(live.path().join("change.md"), "old").unwrap();
        std::fs::write(live.path().join("gone.md"), "bye").unwrap();
        let before = Snapshot::take(live.path()).unwrap();
        std::fs::write(live.path().join("change.md"), "new").unwrap();
        std::fs::remove_file(live.path().join("gone.md")).unwrap();
        std::fs::create_dir_all(live.path().join("sub")).unwrap();
        std::fs::write(live.path().join("sub/new.md"), "hello").unwrap();
        std::fs::write(live.path().join("blob.bin"), [0xff, 0xfe, 0x00]).unwrap();
        let effects = before.diff(&Snapshot::take(live.path()).unwrap());
        let paths: Vec<_> = effects.iter().map(Effect::path).collect();
        assert_eq!(paths, ["blob.bin", "change.md", "gone.md", "sub/new.md"]);
        assert!(matches!(&effects[0], Effect::Hashed { len: 3, .. }));

        let replay = tempfile::tempdir().unwrap();
        std::fs::write(replay.path().join("change.md"), "old").unwrap();
        std::fs::write(replay.path().join("gone.md"), "bye").unwrap();
        apply(replay.path(), &effects).unwrap();
        assert_eq!(
            std::fs::read_to_string(replay.path().join("change.md")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(replay.path().join("sub/new.md")).unwrap(),
            "hello"
        );
        assert!(!replay.path().join("gone.md").exists());
    }

    #[test]
    fn paths_past_the_platform_limits_are_refused() {
        let long_name = "n".repeat(256);
        let deep = vec!["d".repeat(255); 40].join("/");
        for (path, reason) in [
            (long_name.as_str(), "255 bytes"),
            (deep.as_str(), "4095 bytes"),
        ] {
            let err = check_path(path).unwrap_err().to_string();
            assert!(err.contains(reason), "{err}");
        }
        assert!(check_path(&"n".repeat(255)).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_in_the_workspace_is_replaced_not_written_through() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "keep me").unwrap();
        std::fs::hard_link(
            outside.path().join("secret.md"),
            root.path().join("notes.md"),
        )
        .unwrap();
        let effects = vec![Effect::Write {
            path: "notes.md".into(),
            text: "recorded".into(),
        }];
        apply(root.path(), &effects).unwrap();
        assert_eq!(
            std::fs::read_to_string(outside.path().join("secret.md")).unwrap(),
            "keep me"
        );
        assert_eq!(
            std::fs::read_to_string(root.path().join("notes.md")).unwrap(),
            "recorded"
        );
    }

    #[test]
    fn paths_outside_the_workspace_are_refused_before_anything_is_written() {
        let root = tempfile::tempdir().unwrap();
        for (path, reason) in [
            ("../escape.md", "`..`"),
            ("/etc/passwd", "absolute"),
            ("a/../../b", "`..`"),
            ("", "empty"),
        ] {
            let effects = vec![
                Effect::Write {
                    path: "fine.md".into(),
                    text: "x".into(),
                },
                Effect::Write {
                    path: path.into(),
                    text: "x".into(),
                },
            ];
            let err = apply(root.path(), &effects).unwrap_err().to_string();
            assert!(err.contains(reason), "{path}: {err}");
            assert!(
                !root.path().join("fine.md").exists(),
                "nothing is written when one path is unsafe"
            );
        }
    }
}
