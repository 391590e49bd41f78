//! [`CassetteSettings::for_project`]: cassette settings as a project file says. Here, in the
//! project file's room, which sits above the cassette layer (it reads into the cassette's modes
//! and rules).

use std::path::PathBuf;

use crate::cassette::{CassetteSettings, RecordMode};
use crate::project::ProjectFile;

impl CassetteSettings {
    /// Settings for the cassette at `path` as the project file says: its `record_mode`,
    /// `record_command`, `[[volatile]]` and `[[redact]]` rules. Without a project file, the
    /// defaults (`none`, the default commands, no rules of the project's own).
    pub fn for_project(path: impl Into<PathBuf>, project: Option<&ProjectFile>) -> Self {
        let mut settings = Self::new(path, RecordMode::None);
        if let Some(project) = project {
            settings.mode = project.record_mode.unwrap_or_default();
            settings.record_command.clone_from(&project.record_command);
            settings.volatile.clone_from(&project.volatile);
            settings.redact.clone_from(&project.redact);
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::cassette::{CassetteSettings, RecordMode, RedactRule, VolatileRule};
    use crate::project::ProjectFile;

    #[test]
    fn project_settings_are_copied_from_the_file() {
        let project = ProjectFile {
            path: PathBuf::from("/p/prompt-diary.toml"),
            record_command: Some("just record".into()),
            record_mode: Some(RecordMode::NewEpisodes),
            volatile: vec![VolatileRule::new("date", r"\d{4}-\d{2}-\d{2}").unwrap()],
            redact: vec![RedactRule::new("acme", "acme_[a-z]{8}").unwrap()],
            ..ProjectFile::default()
        };
        let settings = CassetteSettings::for_project("/p/c.jsonl", Some(&project));
        assert_eq!(settings.mode, RecordMode::NewEpisodes);
        assert_eq!(settings.record_command(), "just record");
        assert_eq!(settings.volatile, project.volatile);
        assert_eq!(settings.redact, project.redact);
        let bare = CassetteSettings::for_project("/p/c.jsonl", None);
        assert_eq!(bare, CassetteSettings::new("/p/c.jsonl", RecordMode::None));
    }
}
