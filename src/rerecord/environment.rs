//! The environment a re-recording starts Codex with: a cassette may come from anyone, and its
//! commands run again, so nothing of the user's environment reaches them but what Codex needs.
//!
//! - Both kinds start Codex with [`minimal`] only (the exec kind's runs start the stand-in,
//!   and so Codex, with it; the app-server kind's Codex with it and its `CODEX_HOME`): `PATH`
//!   (to find Codex's sandbox and the shell), `HOME` pointing into the scratch folder and the
//!   locale, so neither the commands nor an MCP server Codex starts inherit a key of the user's.
//! - Every re-recording's Codex home sets `[shell_environment_policy] inherit = "core"`
//!   ([`SHELL_POLICY`]), so a command sees only the core variables (`HOME`, `PATH`, `USER`,
//!   `SHELL`, `TMPDIR`, ...), never a key or token of the user's, whatever Codex itself was started
//!   with. The scratch `HOME` ([`scratch_home`]) means no rc file of the user's is read (a login
//!   shell's, or Codex's snapshot of the shell).
//! - A cassette that sets `shell_environment_policy` (a `-c` in its header or argv, a
//!   `thread/start` or `turn/start` `config`) is refused before anything runs (`untrusted.rs`).

use std::ffi::OsString;
use std::path::Path;

/// The variables passed on from the user's environment, when set: the search path and the
/// locale.
const PASSED_ON: &[&str] = &["PATH", "LANG", "LC_ALL", "LC_CTYPE", "LANGUAGE"];

/// The `config.toml` table that keeps the user's environment from the commands Codex runs.
pub(crate) const SHELL_POLICY: &str = "[shell_environment_policy]\ninherit = \"core\"\n";

/// The whole environment of a re-recorded run: [`PASSED_ON`] from this process, `HOME` = `home`.
pub(crate) fn minimal(home: &Path) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = PASSED_ON
        .iter()
        .filter_map(|name| Some((OsString::from(name), std::env::var_os(name)?)))
        .collect();
    env.push(("HOME".into(), home.as_os_str().to_owned()));
    env
}

/// [`minimal`] as text, for a [`CodexBackendConfig`](crate::codex::CodexBackendConfig) or an
/// endpoint: a variable whose value is not UTF-8 is left out.
pub(crate) fn minimal_text(home: &Path) -> Vec<(String, String)> {
    minimal(home)
        .into_iter()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// An empty folder to pass as `HOME` (deleted on drop).
pub(crate) fn scratch_home() -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("prompt-diary-rerecord-home-")
        .tempdir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_search_path_the_locale_and_the_scratch_home_pass() {
        let env = minimal(Path::new("/scratch/home"));
        let names: Vec<_> = env.iter().map(|(k, _)| k.to_string_lossy()).collect();
        assert!(
            names
                .iter()
                .all(|n| PASSED_ON.contains(&n.as_ref()) || n == "HOME"),
            "{names:?}"
        );
        assert!(env.contains(&("HOME".into(), "/scratch/home".into())));
    }
}
