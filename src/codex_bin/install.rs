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

/// Installs `@openai/codex@<version>` under `root` (in `.prompt-diary/codex/<version>/`) unless it is already
/// there, and returns the binary's path. `progress` receives one line per step and every line npm
/// prints.
pub fn install_codex(
    root: &Path,
    version: &str,
    mut progress: impl FnMut(&str),
) -> Result<PathBuf, InstallError> {
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
pub(crate) fn project_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file() || dir.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}
