//! [`EntryRequest`]: what one diary entry is about and where it is written.

use std::path::PathBuf;

/// One diary entry to generate: the workflow's unit of work. Its phases run in order in its
/// workspace; different entries run concurrently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRequest {
    /// A short identifier (used in prompts and messages), e.g. `morning-walk`.
    pub slug: String,
    /// What the entry is about.
    pub topic: String,
    /// The entry's date, `YYYY-MM-DD` (the draft's front matter must carry it).
    pub date: String,
    /// The folder the agent works in and the artifacts are checked in.
    pub workspace: PathBuf,
}

impl EntryRequest {
    /// An entry request.
    pub fn new(
        slug: impl Into<String>,
        topic: impl Into<String>,
        date: impl Into<String>,
        workspace: impl Into<PathBuf>,
    ) -> Self {
        Self {
            slug: slug.into(),
            topic: topic.into(),
            date: date.into(),
            workspace: workspace.into(),
        }
    }
}
