//! The `draft` phase: the agent writes `draft.md`, YAML-style front matter with `title` and
//! `date`, then the body. [`parse_draft`] is shared with the rendering phase.

use super::phase::{PhaseSpec, read_artifact, resume_prompt};
use super::{ArtifactVerdict, EntryRequest, ResumeContext};

/// Declares the `draft` phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct DraftSpec;

/// A valid draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The front matter's `title`.
    pub title: String,
    /// The front matter's `date` (`YYYY-MM-DD`).
    pub date: String,
    /// The text after the front matter, trimmed.
    pub body: String,
}

impl PhaseSpec for DraftSpec {
    fn name(&self) -> &'static str {
        "draft"
    }

    fn artifact(&self) -> &'static str {
        "draft.md"
    }

    fn prompt(&self, entry: &EntryRequest) -> String {
        format!(
            "Draft the diary entry `{}` from outline.md. Write draft.md: front matter between \
             `---` lines with `title: ...` and `date: {}`, then the body.",
            entry.slug, entry.date
        )
    }

    fn resume_prompt(&self, entry: &EntryRequest, context: &ResumeContext<'_>) -> String {
        let reminder = format!(
            "It starts with front matter between `---` lines holding `title: ...` and `date: {}`, \
             then the body.",
            entry.date
        );
        resume_prompt(self.artifact(), &reminder, context)
    }

    fn check(&self, entry: &EntryRequest) -> ArtifactVerdict {
        match read_artifact(&entry.workspace, self.artifact()) {
            Ok(text) => match parse_draft(&text) {
                Ok(_) => ArtifactVerdict::complete(),
                Err(findings) => findings,
            },
            Err(verdict) => verdict,
        }
    }
}

/// Parses a draft, or says everything that is wrong with it.
pub(super) fn parse_draft(text: &str) -> Result<Draft, ArtifactVerdict> {
    let Some(rest) = text.strip_prefix("---\n") else {
        return Err(ArtifactVerdict::needs_work([
            "draft.md does not start with a `---` front matter line",
        ]));
    };
    let Some((front, body)) = rest
        .split_once("\n---\n")
        .or_else(|| rest.strip_suffix("\n---").map(|f| (f, "")))
    else {
        return Err(ArtifactVerdict::needs_work([
            "draft.md's front matter is not closed by a `---` line",
        ]));
    };
    let field = |key: &str| {
        front.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
        })
    };
    let mut findings = Vec::new();
    let title = field("title").filter(|t| !t.is_empty());
    if title.is_none() {
        findings.push("front matter lacks `title`".to_owned());
    }
    let date = field("date");
    match &date {
        None => findings.push("front matter lacks `date`".to_owned()),
        Some(date) if !is_iso_date(date) => findings.push(format!(
            "front matter `date` is {date:?}, not a YYYY-MM-DD date"
        )),
        Some(_) => {}
    }
    let body = body.trim();
    if body.is_empty() {
        findings.push("draft.md has no body after the front matter".to_owned());
    }
    match (title, date) {
        (Some(title), Some(date)) if findings.is_empty() => Ok(Draft {
            title,
            date,
            body: body.to_owned(),
        }),
        _ => Err(ArtifactVerdict::needs_work(findings)),
    }
}

fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_draft_parses() {
        let draft = parse_draft("---\ntitle: Walk\ndate: 2026-11-24\n---\n\nRiver.\n").unwrap();
        assert_eq!(
            draft,
            Draft {
                title: "Walk".into(),
                date: "2026-11-24".into(),
                body: "River.".into()
            }
        );
    }

    #[test]
    fn a_missing_date_is_named() {
        let verdict = parse_draft("---\ntitle: Walk\n---\n\nRiver.\n").unwrap_err();
        assert_eq!(verdict.findings(), ["front matter lacks `date`"]);
    }

    #[test]
    fn a_malformed_date_and_empty_body_are_named() {
        let verdict = parse_draft("---\ntitle: Walk\ndate: 24.11.2026\n---\n").unwrap_err();
        assert_eq!(
            verdict.findings(),
            [
                "front matter `date` is \"24.11.2026\", not a YYYY-MM-DD date",
                "draft.md has no body after the front matter"
            ]
        );
    }
}
