//! The `render` phase: deterministic, no agent. Renders `draft.md` and `review.md` into
//! `entry.html`.

use std::path::PathBuf;

use super::draft::{Draft, parse_draft};
use super::review::{Review, parse_review};
use super::{EntryRequest, GenerateError};

/// The rendered file's name, in the entry's workspace.
pub(super) const RENDERED_FILE: &str = "entry.html";

/// The rendering phase. It takes no session factory.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderPhase;

/// What rendering produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Where it was written.
    pub path: PathBuf,
    /// The HTML.
    pub html: String,
}

impl RenderPhase {
    /// Renders the entry's draft and review into `entry.html`.
    ///
    /// # Errors
    /// [`GenerateError::Render`] when an input is missing or invalid, or the output cannot be
    /// written.
    pub fn run(&self, entry: &EntryRequest) -> Result<Rendered, GenerateError> {
        let fail = |path: PathBuf, reason: String| GenerateError::Render {
            entry: entry.slug.clone(),
            path,
            reason,
        };
        let read = |name: &str| {
            let path = entry.workspace.join(name);
            std::fs::read_to_string(&path)
                .map_err(|err| fail(path, format!("cannot read {name}: {err}")))
        };
        let draft = parse_draft(&read("draft.md")?).map_err(|v| {
            fail(
                entry.workspace.join("draft.md"),
                format!("draft.md is invalid: {}", v.summary()),
            )
        })?;
        let review = parse_review(&read("review.md")?).map_err(|v| {
            fail(
                entry.workspace.join("review.md"),
                format!("review.md is invalid: {}", v.summary()),
            )
        })?;
        let html = render_html(&draft, &review);
        let path = entry.workspace.join(RENDERED_FILE);
        std::fs::write(&path, &html)
            .map_err(|err| fail(path.clone(), format!("cannot write {RENDERED_FILE}: {err}")))?;
        Ok(Rendered { path, html })
    }
}

/// The entry as a standalone HTML page: title, date, one paragraph per blank-line-separated
/// block of the body, and the review as an aside.
pub(super) fn render_html(draft: &Draft, review: &Review) -> String {
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n</head>\n<body>\n<article>\n",
        escape(&draft.title)
    ));
    out.push_str(&format!("<h1>{}</h1>\n", escape(&draft.title)));
    out.push_str(&format!(
        "<p><time datetime=\"{0}\">{0}</time></p>\n",
        escape(&draft.date)
    ));
    for block in draft
        .body
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        let text = block.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        out.push_str(&format!("<p>{}</p>\n", escape(&text)));
    }
    out.push_str(&format!(
        "<aside class=\"review\" data-verdict=\"{}\">\n",
        escape(&review.verdict)
    ));
    out.push_str(&format!("<p>Review: {}</p>\n", escape(&review.verdict)));
    if !review.notes.is_empty() {
        out.push_str("<ul>\n");
        for note in &review.notes {
            out.push_str(&format!("<li>{}</li>\n", escape(note)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</aside>\n</article>\n</body>\n</html>\n");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_title_date_paragraphs_and_review_escaped() {
        let draft = Draft {
            title: "Rain & <wind>".into(),
            date: "2026-11-24".into(),
            body: "One\nline.\n\nTwo.".into(),
        };
        let review = Review {
            verdict: "approve".into(),
            notes: vec!["tight".into()],
        };
        let html = render_html(&draft, &review);
        assert!(html.contains("<h1>Rain &amp; &lt;wind&gt;</h1>"), "{html}");
        assert!(html.contains("<p>One line.</p>\n<p>Two.</p>"), "{html}");
        assert!(html.contains("data-verdict=\"approve\""), "{html}");
        assert!(html.contains("<li>tight</li>"), "{html}");
    }
}
