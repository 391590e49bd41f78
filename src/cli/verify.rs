//! `prompt-diary verify`: every cassette in a folder loads, is current, holds no secret, and
//! matches the pinned Codex and (with the binary present) its protocol schema.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::cassette::{Expectations, verify_dir};
use crate::codex_bin::{PINNED_CODEX_VERSION, resolve_codex_bin, schema_fingerprint};

/// Arguments of `verify`.
#[derive(Debug, Args)]
pub struct Verify {
    /// The folder of cassettes.
    #[arg(default_value = "cassettes")]
    dir: PathBuf,
}

impl Verify {
    /// Checks the folder; one paragraph per problem on stderr, non-zero exit if any.
    pub fn run(self) -> anyhow::Result<()> {
        let schema = match resolve_codex_bin(None) {
            Ok((bin, _)) => match schema_fingerprint(&bin) {
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
            codex_version: PINNED_CODEX_VERSION.to_owned(),
            schema,
        };
        let report = verify_dir(&self.dir, &expect)?;
        for problem in &report.problems {
            super::print_err(&format!("{problem}\n"));
        }
        for pending in &report.pending {
            super::print_line(&format!(
                "pending re-recording: {} (see it with `prompt-diary review {}`)",
                pending.pending.display(),
                self.dir.display()
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
                self.dir.display()
            );
        }
        super::print_line(&format!(
            "verified {} cassette(s) in {}: format, secrets, Codex {PINNED_CODEX_VERSION}{}",
            report.checked.len(),
            self.dir.display(),
            if expect.schema.is_some() {
                ", protocol schema"
            } else {
                ""
            }
        ))?;
        Ok(())
    }
}
