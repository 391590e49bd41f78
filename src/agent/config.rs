//! Per-conversation configuration: [`AgentConfig`] and the typed values it is parsed into.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::AgentError;

/// Declares a closed set of string-valued settings with parsing that names the field and the
/// accepted values on error.
macro_rules! closed_setting {
    (
        $(#[$meta:meta])*
        $name:ident, field = $field:literal, { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every accepted spelling, in documentation order.
            pub const ACCEPTED: &'static [&'static str] = &[$($text),+];

            /// The wire spelling of this value.
            pub fn as_str(self) -> &'static str {
                match self { $( Self::$variant => $text, )+ }
            }
        }

        impl FromStr for $name {
            type Err = AgentError;

            fn from_str(value: &str) -> Result<Self, AgentError> {
                match value.trim() {
                    $( $text => Ok(Self::$variant), )+
                    _ => Err(AgentError::InvalidConfig {
                        field: $field,
                        value: value.to_owned(),
                        accepted: Self::ACCEPTED.join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_setting! {
    /// When the agent must ask before running commands or editing files.
    ApprovalMode, field = "approval_mode", {
        /// Ask before anything that is not known to be safe.
        Untrusted => "untrusted",
        /// The model decides when to ask.
        OnRequest => "on-request",
        /// Never ask; failures are reported to the model instead.
        Never => "never",
    }
}

closed_setting! {
    /// What the agent's commands may touch.
    SandboxMode, field = "sandbox", {
        /// Read anywhere, write nowhere.
        ReadOnly => "read-only",
        /// Write inside the working directory only.
        WorkspaceWrite => "workspace-write",
        /// No sandbox at all.
        DangerFullAccess => "danger-full-access",
    }
}

closed_setting! {
    /// How much the model reasons before answering.
    ReasoningEffort, field = "reasoning_effort", {
        /// No reasoning.
        None => "none",
        /// Minimal reasoning.
        Minimal => "minimal",
        /// Low reasoning.
        Low => "low",
        /// Medium reasoning.
        Medium => "medium",
        /// High reasoning.
        High => "high",
        /// Extra-high reasoning.
        XHigh => "xhigh",
    }
}

closed_setting! {
    /// The conversational persona of the agent.
    Personality, field = "personality", {
        /// No persona instructions.
        None => "none",
        /// Friendly persona.
        Friendly => "friendly",
        /// Pragmatic persona.
        Pragmatic => "pragmatic",
    }
}

/// Everything one conversation needs: where it works and how the agent behaves.
///
/// Build it with [`AgentConfig::new`] and the `with_*` methods, or from loosely typed strings
/// (configuration files, command lines) with [`AgentConfig::parse`], which rejects a bad value with
/// an error naming the field and the accepted values before any conversation starts.
///
/// ```
/// use prompt_diary::agent::{AgentConfig, ApprovalMode, SandboxMode};
///
/// let config = AgentConfig::new("/tmp/workspace")
///     .with_model("gpt-5")
///     .with_approval_mode(ApprovalMode::Never)
///     .with_sandbox(SandboxMode::WorkspaceWrite);
/// assert_eq!(config.sandbox, Some(SandboxMode::WorkspaceWrite));
///
/// let err = "sometimes".parse::<ApprovalMode>().unwrap_err();
/// assert!(err.to_string().contains("approval_mode"));
/// assert!(err.to_string().contains("untrusted, on-request, never"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AgentConfig {
    /// The directory the agent works in; artifacts are checked here.
    pub working_directory: PathBuf,
    /// Model name; `None` uses the backend's default.
    pub model: Option<String>,
    /// Model provider id; `None` uses the backend's default.
    pub model_provider: Option<String>,
    /// Reasoning effort; `None` uses the backend's default.
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Approval policy; `None` uses the backend's default.
    pub approval_mode: Option<ApprovalMode>,
    /// Sandbox policy; `None` uses the backend's default.
    pub sandbox: Option<SandboxMode>,
    /// Replaces the agent's base instructions.
    pub base_instructions: Option<String>,
    /// Extra developer instructions added to the conversation.
    pub developer_instructions: Option<String>,
    /// Persona; `None` uses the backend's default.
    pub personality: Option<Personality>,
}

/// Loosely typed configuration, as read from a file or a command line, before validation.
///
/// Every field is an optional string; [`AgentConfig::parse`] turns it into an [`AgentConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawAgentConfig {
    /// See [`AgentConfig::working_directory`]. Required.
    pub working_directory: Option<String>,
    /// See [`AgentConfig::model`].
    pub model: Option<String>,
    /// See [`AgentConfig::model_provider`].
    pub model_provider: Option<String>,
    /// See [`AgentConfig::reasoning_effort`].
    pub reasoning_effort: Option<String>,
    /// See [`AgentConfig::approval_mode`].
    pub approval_mode: Option<String>,
    /// See [`AgentConfig::sandbox`].
    pub sandbox: Option<String>,
    /// See [`AgentConfig::base_instructions`].
    pub base_instructions: Option<String>,
    /// See [`AgentConfig::developer_instructions`].
    pub developer_instructions: Option<String>,
    /// See [`AgentConfig::personality`].
    pub personality: Option<String>,
}

impl AgentConfig {
    /// A configuration with only the working directory set; everything else is the backend's default.
    pub fn new(working_directory: impl Into<PathBuf>) -> Self {
        Self {
            working_directory: working_directory.into(),
            model: None,
            model_provider: None,
            reasoning_effort: None,
            approval_mode: None,
            sandbox: None,
            base_instructions: None,
            developer_instructions: None,
            personality: None,
        }
    }

    /// Parses loosely typed strings into a validated configuration.
    ///
    /// Empty strings count as unset. A missing working directory or a value outside a closed set
    /// is an [`AgentError::InvalidConfig`] naming the field and what is accepted.
    pub fn parse(raw: RawAgentConfig) -> Result<Self, AgentError> {
        fn present(value: Option<String>) -> Option<String> {
            value.filter(|v| !v.trim().is_empty())
        }
        fn typed<T: FromStr<Err = AgentError>>(
            value: Option<String>,
        ) -> Result<Option<T>, AgentError> {
            present(value).map(|v| v.parse()).transpose()
        }
        let working_directory =
            present(raw.working_directory).ok_or_else(|| AgentError::InvalidConfig {
                field: "working_directory",
                value: String::new(),
                accepted: "a path to an existing directory".to_owned(),
            })?;
        Ok(Self {
            working_directory: PathBuf::from(working_directory),
            model: present(raw.model),
            model_provider: present(raw.model_provider),
            reasoning_effort: typed(raw.reasoning_effort)?,
            approval_mode: typed(raw.approval_mode)?,
            sandbox: typed(raw.sandbox)?,
            base_instructions: present(raw.base_instructions),
            developer_instructions: present(raw.developer_instructions),
            personality: typed(raw.personality)?,
        })
    }

    /// Checks what can be checked before a conversation starts: the working directory exists.
    pub fn validate(&self) -> Result<(), AgentError> {
        if !self.working_directory.is_dir() {
            return Err(AgentError::InvalidConfig {
                field: "working_directory",
                value: self.working_directory.display().to_string(),
                accepted:
                    "a path to an existing directory (create it before starting the conversation)"
                        .to_owned(),
            });
        }
        Ok(())
    }

    /// Sets the model name.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    /// Sets the model provider id.
    pub fn with_model_provider(mut self, provider: impl Into<String>) -> Self {
        self.model_provider = Some(provider.into());
        self
    }

    /// Sets the reasoning effort.
    pub fn with_reasoning_effort(mut self, effort: ReasoningEffort) -> Self {
        self.reasoning_effort = Some(effort);
        self
    }

    /// Sets the approval policy.
    pub fn with_approval_mode(mut self, mode: ApprovalMode) -> Self {
        self.approval_mode = Some(mode);
        self
    }

    /// Sets the sandbox policy.
    pub fn with_sandbox(mut self, sandbox: SandboxMode) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    /// Replaces the base instructions.
    pub fn with_base_instructions(mut self, text: impl Into<String>) -> Self {
        self.base_instructions = Some(text.into());
        self
    }

    /// Adds developer instructions.
    pub fn with_developer_instructions(mut self, text: impl Into<String>) -> Self {
        self.developer_instructions = Some(text.into());
        self
    }

    /// Sets the persona.
    pub fn with_personality(mut self, personality: Personality) -> Self {
        self.personality = Some(personality);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_known_values_and_treats_empty_as_unset() {
        let config = AgentConfig::parse(RawAgentConfig {
            working_directory: Some("/work".into()),
            reasoning_effort: Some("high".into()),
            approval_mode: Some(" on-request ".into()),
            sandbox: Some("workspace-write".into()),
            personality: Some("".into()),
            model: Some("  ".into()),
            ..Default::default()
        })
        .expect("valid config");
        assert_eq!(config.reasoning_effort, Some(ReasoningEffort::High));
        assert_eq!(config.approval_mode, Some(ApprovalMode::OnRequest));
        assert_eq!(config.sandbox, Some(SandboxMode::WorkspaceWrite));
        assert_eq!(config.personality, None);
        assert_eq!(config.model, None);
    }

    #[test]
    fn bad_sandbox_names_field_value_and_accepted_values() {
        let err = AgentConfig::parse(RawAgentConfig {
            working_directory: Some("/work".into()),
            sandbox: Some("workspace".into()),
            ..Default::default()
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`sandbox`"), "{text}");
        assert!(text.contains("\"workspace\""), "{text}");
        assert!(
            text.contains("read-only, workspace-write, danger-full-access"),
            "{text}"
        );
    }

    #[test]
    fn missing_working_directory_is_rejected() {
        let err = AgentConfig::parse(RawAgentConfig::default()).unwrap_err();
        assert!(err.to_string().contains("working_directory"), "{err}");
    }

    #[test]
    fn validate_rejects_missing_directory() {
        let err = AgentConfig::new("/definitely/not/here")
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    }
}
