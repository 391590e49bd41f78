//! The `review` phase: the agent writes `review.md`, notes and a `Verdict: approve` or
//! `Verdict: revise` line. [`parse_review`] is shared with the rendering phase.

use super::phase::{PhaseSpec, read_artifact, resume_prompt};
use super::{ArtifactVerdict, EntryRequest, ResumeContext};

/// Declares the `review` phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewSpec;

/// A valid review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// `approve` or `revise`.
    pub verdict: String,
    /// The other non-empty lines, trimmed, list markers removed.
    pub notes: Vec<String>,
}

impl PhaseSpec for ReviewSpec {
    fn name(&self) -> &'static str {
        "review"
    }

    fn artifact(&self) -> &'static str {
        "review.md"
    }

    fn prompt(&self, entry: &EntryRequest) -> String {
        format!(
            "Review the diary entry `{}` in draft.md. Write review.md: short notes, then a line \
             `Verdict: approve` or `Verdict: revise`.",
            entry.slug
        )
    }

    fn resume_prompt(&self, _entry: &EntryRequest, context: &ResumeContext<'_>) -> String {
        let reminder = "It holds short notes and a line `Verdict: approve` or `Verdict: revise`.";
        resume_prompt(self.artifact(), reminder, context)
    }

    fn check(&self, entry: &EntryRequest) -> ArtifactVerdict {
        match read_artifact(&entry.workspace, self.artifact()) {
            Ok(text) => match parse_review(&text) {
                Ok(_) => ArtifactVerdict::complete(),
                Err(findings) => findings,
            },
            Err(verdict) => verdict,
        }
    }
}

/// Parses a review, or says what is wrong with it.
pub(super) fn parse_review(text: &str) -> Result<Review, ArtifactVerdict> {
    if text.trim().is_empty() {
        return Err(ArtifactVerdict::needs_work(["review.md is empty"]));
    }
    let mut verdict = None;
    let mut notes = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.strip_prefix("Verdict:").map(str::trim) {
            Some(v @ ("approve" | "revise")) => verdict = Some(v.to_owned()),
            Some(other) => {
                return Err(ArtifactVerdict::needs_work([format!(
                    "review.md's verdict is {other:?}; use `approve` or `revise`"
                )]));
            }
            None => notes.push(line.trim_start_matches(['-', '*', ' ']).to_owned()),
        }
    }
    match verdict {
        Some(verdict) => Ok(Review { verdict, notes }),
        None => Err(ArtifactVerdict::needs_work([
            "review.md has no `Verdict: approve` or `Verdict: revise` line",
        ])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_and_a_verdict_parse() {
        let review = parse_review("- vivid\n- short\n\nVerdict: approve\n").unwrap();
        assert_eq!(review.verdict, "approve");
        assert_eq!(review.notes, ["vivid", "short"]);
    }

    #[test]
    fn a_missing_verdict_is_named() {
        let verdict = parse_review("Nice.\n").unwrap_err();
        assert_eq!(
            verdict.findings(),
            ["review.md has no `Verdict: approve` or `Verdict: revise` line"]
        );
    }
}
