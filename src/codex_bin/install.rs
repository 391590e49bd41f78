//! Installing the pinned Codex CLI into the project with npm.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::resolve::{binary_in_install, install_dir};

/// Installing Codex failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// npm is not installed or could not be started.
    #[error(
        "could not run `npm` ({source}). Install Node.js and npm (e.g. `apt-get install nodejs npm`), then run this again"
    )]
    NpmMissing {
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// npm ran but failed.
    #[error(
        "`{command}` failed ({status}). npm said:\n{output}\nCheck your network access to the npm registry and run it again"
    )]
    NpmFailed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// The last lines it printed.
        output: String,
    },
    /// The version is not a plain release version (it would reach npm and the file system).
    #[error(
        "`{version}` is not a Codex release version ({reason}): give X.Y.Z, such as 0.171.0, \
         optionally with a prerelease suffix such as -alpha.2 (or `latest` where a command takes \
         it); nothing was installed"
    )]
    BadVersion {
        /// The version as given.
        version: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// npm succeeded but no binary for this platform appeared.
    #[error(
        "npm installed @openai/codex@{version} into {dir} but no `codex` binary for this platform is there \
             (looked for node_modules/@openai/codex-*/vendor/*/bin/codex). This platform may not be supported"
    )]
    NoBinary {
        /// The version installed.
        version: String,
        /// The install folder.
        dir: String,
    },
}

/// Checks that `version` is a plain release version, `X.Y.Z` with an optional prerelease suffix
/// of letters, digits and dots after `-` (`0.171.0`, `0.172.0-alpha.2`), before it reaches npm
/// or names a folder: a path (`../x`), an npm spec (`file:x`, a URL, a git spec), spaces or
/// flags are refused with the reason.
pub(crate) fn check_version(version: &str) -> Result<(), InstallError> {
    let bad = |reason| {
        Err(InstallError::BadVersion {
            version: version.to_owned(),
            reason,
        })
    };
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    if numbers.len() != 3 {
        return bad("a release version has three numbers, X.Y.Z");
    }
    if numbers
        .iter()
        .any(|n| n.is_empty() || n.len() > 9 || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad("X, Y and Z must be numbers");
    }
    if let Some(pre) = pre {
        let fine = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric());
        if pre.len() > 32 || !pre.split('.').all(fine) {
            return bad("a prerelease suffix is letters and digits in dot-separated parts");
        }
    }
    Ok(())
}

/// Installs `@openai/codex@<version>` under `root` (in `.prompt-diary/codex/<version>/`) unless it is already
/// there, and returns the binary's path. `progress` receives one line per step and every line npm
/// prints.
pub fn install_codex(
    root: &Path,
    version: &str,
    mut progress: impl FnMut(&str),
) -> Result<PathBuf, InstallError> {
    check_version(version)?;
    let dir = install_dir(root, version);
    if let Some(bin) = binary_in_install(&dir) {
        progress(&format!("Codex {version} is already installed"));
        return Ok(bin);
    }
    let package = format!("@openai/codex@{version}");
    let args = [
        "install",
        "--prefix",
        &dir.display().to_string(),
        &package,
        "--no-audit",
        "--no-fund",
    ]
    .map(str::to_owned);
    let command = format!("npm {}", args.join(" "));
    progress(&format!("installing {package} into {} ...", dir.display()));
    progress(&format!("$ {command}"));
    let _ = std::fs::create_dir_all(&dir);
    let mut child = Command::new("npm")
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| InstallError::NpmMissing { source })?;
    let mut output = Vec::new();
    let stderr = child.stderr.take();
    let stderr_lines = std::thread::spawn(move || {
        stderr
            .map(|s| {
                BufReader::new(s)
                    .lines()
                    .map_while(Result::ok)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            progress(&format!("  npm: {line}"));
            output.push(line);
        }
    }
    let status = child
        .wait()
        .map_err(|source| InstallError::NpmMissing { source })?;
    for line in stderr_lines.join().unwrap_or_default() {
        progress(&format!("  npm: {line}"));
        output.push(line);
    }
    if !status.success() {
        let tail: Vec<_> = output.iter().rev().take(20).rev().cloned().collect();
        return Err(InstallError::NpmFailed {
            command,
            status: status.to_string(),
            output: tail.join("\n"),
        });
    }
    let bin = binary_in_install(&dir).ok_or_else(|| InstallError::NoBinary {
        version: version.to_owned(),
        dir: dir.display().to_string(),
    })?;
    progress(&format!("installed Codex {version}: {}", bin.display()));
    Ok(bin)
}

/// The project root for a local install: the nearest ancestor of `start` holding `Cargo.toml`
/// or `.git`, else `start` itself.
#[cfg(feature = "rerecord")]
pub(crate) fn project_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file() || dir.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_release_versions_reach_npm() {
        for good in ["0.171.0", "0.163.0", "0.172.0-alpha.2", "1.0.0-rc1"] {
            assert!(check_version(good).is_ok(), "{good}");
        }
        for (bad, reason) in [
            ("../../../x", "three numbers"),
            ("file:x", "three numbers"),
            ("https://example.com/codex.tgz", "must be numbers"),
            ("github:openai/codex", "three numbers"),
            ("0.171.0 --foo", "must be numbers"),
            ("--registry=x", "three numbers"),
            ("0.171", "three numbers"),
            ("0.171.0-", "prerelease suffix"),
            ("0.171.0-a/b", "prerelease suffix"),
            ("0.1x.0", "must be numbers"),
            ("latest", "three numbers"),
        ] {
            let err = check_version(bad).unwrap_err().to_string();
            assert!(
                err.contains(reason) && err.contains("nothing was installed"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_bad_version_is_refused_before_any_folder_is_made() {
        let root = tempfile::tempdir().unwrap();
        let err = install_codex(root.path(), "../../../x", |_| {}).unwrap_err();
        assert!(matches!(err, InstallError::BadVersion { .. }), "{err}");
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }
}
