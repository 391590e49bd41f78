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
    let target =
        std::fs::canonicalize(stand_in).map_err(|source| StandInError::StandInMissing {
            path: stand_in.to_owned(),
            source,
        })?;
    if !target.is_file() {
        return Err(StandInError::StandInNotFile { path: target });
    }
    std::fs::create_dir_all(dir).map_err(|source| StandInError::InstallDir {
        dir: dir.to_owned(),
        source,
    })?;
    let link = dir.join("codex");
    match std::fs::symlink_metadata(&link) {
        Ok(meta) if !meta.file_type().is_symlink() => {
            return Err(StandInError::NotALink { link });
        }
        _ => {}
    }
    let temporary = dir.join(format!(".codex.prompt-diary-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    if let Err(source) =
        link_to(&target, &temporary).and_then(|()| std::fs::rename(&temporary, &link))
    {
        let _ = std::fs::remove_file(&temporary);
        return Err(StandInError::Link {
            link,
            target,
            source,
        });
    }
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

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    /// A stand-in binary (any file will do) in a fresh folder.
    fn stand_in() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join(STAND_IN);
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        (dir, bin)
    }

    #[test]
    fn a_missing_stand_in_names_its_path_and_how_to_build_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = install_stand_in(&dir.path().join("bin"), &missing).unwrap_err();
        assert!(matches!(&err, StandInError::StandInMissing { path, .. } if *path == missing));
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "the stand-in {} is not there (",
                missing.display()
            )) && text.contains("build it with `cargo build`")
                && text.ends_with("or name it with --stand-in"),
            "{text}"
        );
        assert!(err.source().is_some(), "the io error is kept");
    }

    #[test]
    fn a_stand_in_that_is_a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = install_stand_in(&dir.path().join("bin"), dir.path()).unwrap_err();
        let real = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "the stand-in {} is not a file; name the `prompt-diary-codex` binary with \
                 --stand-in",
                real.display()
            )
        );
    }

    #[test]
    fn a_folder_that_cannot_be_created_is_named_with_its_io_error() {
        let (dir, bin) = stand_in();
        let under_a_file = bin.join("bin");
        let err = install_stand_in(&under_a_file, &bin).unwrap_err();
        let StandInError::InstallDir { dir: named, source } = &err else {
            panic!("{err}");
        };
        assert_eq!(named, &under_a_file);
        assert_eq!(
            err.to_string(),
            format!(
                "could not create {}: {source}; choose a folder you can write for the stand-in",
                under_a_file.display()
            )
        );
        drop(dir);
    }

    #[test]
    fn a_codex_that_is_no_link_is_left_alone_and_named() {
        let (dir, bin) = stand_in();
        let real = dir.path().join("bin/codex");
        std::fs::create_dir_all(real.parent().unwrap()).unwrap();
        std::fs::write(&real, "a real Codex\n").unwrap();
        let err = install_stand_in(real.parent().unwrap(), &bin).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} exists and is not a link (a real Codex?); it is left alone: remove it, or \
                 choose another folder for the stand-in",
                real.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "a real Codex\n");
    }
}
