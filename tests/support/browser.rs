//! The browser tier's driver: Debian's headless Chromium, driven by npm's `playwright-core`
//! through `scripts/browser/drive.js`, both installed by `bash scripts/browser-env.sh` (Chromium
//! from Debian, playwright-core at the version pinned in `scripts/browser/` into
//! `.prompt-diary/browser`). Shared by `tests/cli/view_browser.rs` and `benches/view_scale.rs`.
//!
//! Where something is missing, the tier is required when `CI` or `PROMPT_DIARY_REQUIRE_BROWSER=1`
//! is set (the test fails) and skipped with a message that says how to enable it otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The project's root.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What drives a page: node with the driver script and playwright-core, and Chromium.
pub(crate) struct Browser {
    /// The Chromium binary (`/usr/bin/chromium`, or `PROMPT_DIARY_CHROMIUM`).
    pub chromium: PathBuf,
    playwright_core: PathBuf,
    driver: PathBuf,
}

/// The installed browser tier, or what is missing.
pub(crate) fn find_browser() -> Result<Browser, String> {
    let chromium = std::env::var_os("PROMPT_DIARY_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let root = Path::new(ROOT);
    let playwright_core = root.join(".prompt-diary/browser/node_modules/playwright-core");
    if !chromium.is_file() {
        return Err(format!("no Chromium at {}", chromium.display()));
    }
    if !playwright_core.join("package.json").is_file() {
        return Err(format!(
            "no playwright-core in {}",
            playwright_core.display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Err("no `node` on PATH".to_owned());
    }
    Ok(Browser {
        chromium,
        playwright_core,
        driver: root.join("scripts/browser/drive.js"),
    })
}

/// Whether a missing browser must fail the tier rather than skip it.
fn required() -> bool {
    let set =
        |key: &str| std::env::var(key).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set("PROMPT_DIARY_REQUIRE_BROWSER")
}

/// The browser for the browser test `test`, or `None` (with a message on stderr) to skip it.
///
/// # Panics
/// When something is missing and the tier is required.
#[allow(dead_code)] // the bench skips by itself
pub(crate) fn browser_for_tests(test: &str) -> Option<Browser> {
    match find_browser() {
        Ok(browser) => Some(browser),
        Err(missing) if required() => panic!(
            "browser test `{test}`: the browser tier is required here (CI or \
             PROMPT_DIARY_REQUIRE_BROWSER=1) but {missing}; install it with \
             `bash scripts/browser-env.sh`"
        ),
        Err(missing) => {
            eprintln!(
                "SKIPPED browser test `{test}`: {missing}. Enable the tier with \
                 `bash scripts/browser-env.sh` (Debian's chromium and npm's playwright-core)"
            );
            None
        }
    }
}

impl Browser {
    /// Runs the driver with `plan` (see `scripts/browser/drive.js`) and returns its report.
    /// Every wait inside is bounded by the plan's `timeout` (milliseconds, default 10 s), and
    /// the whole run by 5 minutes.
    pub(crate) fn drive(&self, plan: &Value) -> Result<Value, String> {
        let mut plan = plan.clone();
        plan["chromium"] = Value::String(self.chromium.display().to_string());
        let output = Command::new("timeout")
            .args(["300", "node"])
            .arg(&self.driver)
            .arg(plan.to_string())
            .env("PD_PLAYWRIGHT_CORE", &self.playwright_core)
            .output()
            .map_err(|err| format!("could not run node: {err}"))?;
        if !output.status.success() {
            return Err(format!(
                "the browser driver failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        serde_json::from_slice(&output.stdout).map_err(|err| {
            format!(
                "the browser driver printed no report ({err}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }
}
