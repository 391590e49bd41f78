//! `prompt-diary verify`: every cassette in a folder loads, is current, holds no secret, and
//! matches the pinned Codex and (with the binary present) its protocol schema.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::here::Here;
use crate::cassette::{Expectations, verify_dir};
use crate::codex_bin::schema_fingerprint;

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub(crate) struct Verify {
    /// The folder of cassettes; the project's cassette folder by default.
    dir: Option<PathBuf>,
    /// Pass when the folder holds no cassette (by default that fails: a folder named wrong
    /// would otherwise pass).
    #[arg(long)]
    allow_empty: bool,
}

impl Verify {
    /// Checks the folder; one paragraph per problem on stderr, non-zero exit if any.
    pub(super) fn run(self, here: &Here) -> anyhow::Result<()> {
        let dir = self.dir.unwrap_or_else(|| here.cassette_dir());
        let pin = here.pin();
        let schema = match here.codex_bin(None) {
            Ok(bin) => match schema_fingerprint(&bin) {
                Some(fingerprint) => Some((fingerprint, bin)),
                None => {
                    super::print_err(&format!(
                        "note: {} did not produce a protocol schema; the schema check is skipped",
                        bin.display()
                    ));
                    None
                }
            },
            Err(_) => {
                super::print_err(
                    "note: no Codex binary found, so the protocol schema check is skipped \
                     (`prompt-diary install-codex` enables it)",
                );
                None
            }
        };
        let expect = Expectations {
            codex_version: pin.to_owned(),
            schema,
            redact: here
                .file
                .as_ref()
                .map(|f| f.redact.clone())
                .unwrap_or_default(),
        };
        let report = verify_dir(&dir, &expect)?;
        if report.checked.is_empty() && !self.allow_empty {
            bail!(
                "no cassette (*.jsonl) in {}: nothing was verified. Check the folder (the \
                 project file's `cassettes`, or the folder given), or pass --allow-empty if a \
                 project with no cassette yet is expected",
                dir.display()
            );
        }
        for problem in &report.problems {
            super::print_err(&format!("{problem}\n"));
        }
        for pending in &report.pending {
            super::print_line(&format!(
                "pending re-recording: {} (see it with `prompt-diary review {}`)",
                pending.pending.display(),
                dir.display()
            ))?;
        }
        if !report.ok() {
            bail!(
                "{} problem(s) in {} of {} cassette(s) in {}",
                report.problems.len(),
                report
                    .checked
                    .iter()
                    .filter(|p| report.problems.iter().any(|q| &q.path == *p))
                    .count(),
                report.checked.len(),
                dir.display()
            );
        }
        super::print_line(&format!(
            "verified {} cassette(s) in {}: format, secrets, Codex {pin}{}",
            report.checked.len(),
            dir.display(),
            if expect.schema.is_some() {
                ", protocol schema"
            } else {
                ""
            }
        ))?;
        Ok(())
    }
}
