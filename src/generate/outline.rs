//! The `outline` phase: the agent writes `outline.md`, a `# ` title and at least two list items.

use super::phase::{PhaseSpec, read_artifact, resume_prompt};
use super::{ArtifactVerdict, EntryRequest, ResumeContext};

/// The fewest list items an outline must have.
pub(super) const MIN_OUTLINE_ITEMS: usize = 2;

/// Declares the `outline` phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutlineSpec;

impl PhaseSpec for OutlineSpec {
    fn name(&self) -> &'static str {
        "outline"
    }

    fn artifact(&self) -> &'static str {
        "outline.md"
    }

    fn prompt(&self, entry: &EntryRequest) -> String {
        format!(
            "Outline the diary entry `{}` about: {}. Write outline.md in the working directory: \
             a `# ` title line, then at least {MIN_OUTLINE_ITEMS} `- ` list items.",
            entry.slug, entry.topic
        )
    }

    fn resume_prompt(&self, _entry: &EntryRequest, context: &ResumeContext<'_>) -> String {
        let reminder =
            format!("It needs a `# ` title line and at least {MIN_OUTLINE_ITEMS} `- ` list items.");
        resume_prompt(self.artifact(), &reminder, context)
    }

    fn check(&self, entry: &EntryRequest) -> ArtifactVerdict {
        match read_artifact(&entry.workspace, self.artifact()) {
            Ok(text) => check_outline(&text),
            Err(verdict) => verdict,
        }
    }
}

/// Checks the text of an outline.
pub(super) fn check_outline(text: &str) -> ArtifactVerdict {
    let mut findings = Vec::new();
    let title = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .and_then(|line| line.strip_prefix("# "))
        .is_some_and(|rest| !rest.trim().is_empty());
    if !title {
        findings.push("outline.md does not start with a `# ` title line".to_owned());
    }
    let items = text
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            (line.starts_with("- ") || line.starts_with("* ")) && line.len() > 2
        })
        .count();
    if items < MIN_OUTLINE_ITEMS {
        findings.push(format!(
            "outline.md has {items} list item(s); at least {MIN_OUTLINE_ITEMS} are needed"
        ));
    }
    ArtifactVerdict::needs_work(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_and_two_items_pass() {
        assert!(check_outline("# Walk\n\n- river\n- heron\n").is_complete());
    }

    #[test]
    fn a_missing_title_and_too_few_items_are_both_reported() {
        let verdict = check_outline("Walk\n- river\n");
        assert_eq!(
            verdict.findings(),
            [
                "outline.md does not start with a `# ` title line",
                "outline.md has 1 list item(s); at least 2 are needed"
            ]
        );
    }
}
