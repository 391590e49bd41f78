//! Putting the stand-in first on `PATH` as `codex`, for shell scripts that call `codex exec`:
//! [`install_stand_in`] writes a `codex` symbolic link to the stand-in binary into a folder.

use std::path::{Path, PathBuf};

use super::StandInError;

use crate::codex_bin::STAND_IN_BIN as STAND_IN;

/// The stand-in binary installed beside `exe` (the `prompt-diary` binary: cargo builds and
/// installs both into one folder).
pub(crate) fn stand_in_beside(exe: &Path) -> PathBuf {
    exe.with_file_name(format!("{STAND_IN}{}", std::env::consts::EXE_SUFFIX))
}

/// Writes `dir/codex`, a symbolic link to `stand_in` (made absolute), creating `dir` if needed,
/// and returns the link's path. A link already there is replaced (atomically: a temporary link
/// renamed over it); anything else named `codex` there (a real Codex, say) is left alone and
/// refused.
pub(crate) fn install_stand_in(dir: &Path, stand_in: &Path) -> Result<PathBuf, StandInError> {
    let fail = |what: String| StandInError::Install(what);
    let target = std::fs::canonicalize(stand_in).map_err(|err| {
        fail(format!(
            "the stand-in {} is not there ({err}); build it with `cargo build` (it is the \
             `{STAND_IN}` binary) or name it with --stand-in",
            stand_in.display()
        ))
    })?;
    if !target.is_file() {
        return Err(fail(format!(
            "the stand-in {} is not a file",
            target.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|err| fail(format!("could not create {}: {err}", dir.display())))?;
    let link = dir.join("codex");
    match std::fs::symlink_metadata(&link) {
        Ok(meta) if !meta.file_type().is_symlink() => {
            return Err(fail(format!(
                "{} exists and is not a link (a real Codex?); it is left alone: remove it, or \
                 choose another folder for the stand-in",
                link.display()
            )));
        }
        _ => {}
    }
    let temporary = dir.join(format!(".codex.prompt-diary-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    link_to(&target, &temporary)
        .and_then(|()| std::fs::rename(&temporary, &link))
        .map_err(|err| {
            let _ = std::fs::remove_file(&temporary);
            fail(format!(
                "could not link {} to {}: {err}",
                link.display(),
                target.display()
            ))
        })?;
    Ok(link)
}

#[cfg(unix)]
fn link_to(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn link_to(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "symbolic links to the stand-in are written on Unix only; copy the binary as codex instead",
    ))
}
