//! Failure reports: printed on stderr, and, when `PROMPT_DIARY_REPORT_DIR` names a folder, also
//! written there, one new file per report (`report-XXXXXXXX.txt`), so a test harness (the pytest
//! plugin) can show them beside the failed test whatever the client did with the stand-in's
//! stderr. A divergence in app-server mode also gets its page (`report-XXXXXXXX.html`, the
//! cassette drawn by `view` with the divergence marked), named at the end of the text report.
//!
//! Writing a report never changes the session's outcome: a folder that cannot be written is said
//! on stderr and the stand-in goes on.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::cassette::{Cassette, Divergence};
use crate::transport::TransportError;

/// The environment variable naming the folder that failure reports are written to.
const REPORT_DIR_ENV: &str = "PROMPT_DIARY_REPORT_DIR";

/// Prints `report` on stderr (`prompt-diary stand-in: ...`) and writes it to a new file in
/// `PROMPT_DIARY_REPORT_DIR` when that is set.
pub(super) fn failure(report: &dyn std::fmt::Display) {
    let text = report.to_string();
    eprintln!("prompt-diary stand-in: {text}");
    if let Some(dir) = report_dir() {
        keep(&dir, "txt", &text);
    }
}

/// [`failure`] for a transport's error; a divergence's page is written beside its report.
pub(super) fn transport_failure(err: &TransportError) {
    let text = err.to_string();
    eprintln!("prompt-diary stand-in: {text}");
    let Some(dir) = report_dir() else { return };
    let page = divergence_of(err).and_then(|d| page(d).map(|html| keep(&dir, "html", &html)));
    match page.flatten() {
        Some(path) => keep(
            &dir,
            "txt",
            &format!("{text}\ndivergence page: {}", path.display()),
        ),
        None => keep(&dir, "txt", &text),
    };
}

/// The report folder, when one is asked for.
fn report_dir() -> Option<PathBuf> {
    std::env::var_os(REPORT_DIR_ENV)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// The divergence a transport's error carries, if it is one.
fn divergence_of(err: &TransportError) -> Option<&Divergence> {
    let TransportError::Other(inner) = err else {
        return None;
    };
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
    while let Some(err) = current {
        if let Some(divergence) = err.downcast_ref::<Divergence>() {
            return Some(divergence);
        }
        current = err.source();
    }
    None
}

/// The divergence page: the cassette as `view` draws it, the divergence marked.
fn page(divergence: &Divergence) -> Option<String> {
    match Cassette::load(&divergence.cassette, "") {
        Ok(cassette) => Some(crate::view::render_divergence(&cassette, divergence)),
        Err(err) => {
            eprintln!("prompt-diary stand-in: no divergence page ({err})");
            None
        }
    }
}

/// Writes `text` to a new file `report-XXXXXXXX.EXT` in `dir` (written under a hidden name, then
/// renamed, so a reader never sees half a report); says on stderr when it cannot.
fn keep(dir: &Path, ext: &str, text: &str) -> Option<PathBuf> {
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let mut file = tempfile::Builder::new()
            .prefix(".report-")
            .suffix(&format!(".{ext}"))
            .tempfile_in(dir)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        let hidden = file
            .path()
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let path = dir.join(hidden.trim_start_matches('.'));
        file.persist(&path).map_err(|e| e.error)?;
        Ok(path)
    });
    match written {
        Ok(path) => Some(path),
        Err(err) => {
            eprintln!(
                "prompt-diary stand-in: could not write a report to {} ({REPORT_DIR_ENV}): {err}",
                dir.display()
            );
            None
        }
    }
}
