//! What an artifact check says: [`ArtifactVerdict`], and what a resume prompt is built from:
//! [`ResumeContext`].

/// The result of re-reading a phase's durable artifacts: complete, or a list of findings that
/// say what still needs work (each one readable line, e.g. "front matter lacks `date`").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArtifactVerdict {
    findings: Vec<String>,
}

impl ArtifactVerdict {
    /// The artifact is complete.
    pub fn complete() -> Self {
        Self::default()
    }

    /// The artifact needs work, for these reasons.
    pub fn needs_work<I, S>(findings: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            findings: findings.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether nothing is left to do.
    pub fn is_complete(&self) -> bool {
        self.findings.is_empty()
    }

    /// What is still wrong (empty when complete).
    pub fn findings(&self) -> &[String] {
        &self.findings
    }

    /// The findings joined with `; ` (for prompts and messages).
    pub fn summary(&self) -> String {
        self.findings.join("; ")
    }
}

/// What a phase's resume prompt is built from: why another turn is needed.
#[derive(Debug, Clone, Copy)]
pub struct ResumeContext<'a> {
    /// The number of the turn about to be sent (2 for the first resume).
    pub attempt: usize,
    /// The check's findings after the previous turn.
    pub findings: &'a [String],
    /// How the previous turn failed, as one line (the error's kind and message), or `None` when
    /// it completed.
    pub failure: Option<&'a str>,
}

impl ResumeContext<'_> {
    /// A bulleted list of the findings, one per line (`- ...`).
    pub fn findings_list(&self) -> String {
        self.findings
            .iter()
            .map(|f| format!("- {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}
