//! Per-conversation configuration: [`AgentConfig`] and the typed values it is parsed into.

use std::collections::BTreeMap;
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
    /// The MCP tools this conversation may use, per server (server name → tool names). A server
    /// not named here keeps every tool the backend gives it; a server named with no tools gets
    /// none. Set with [`with_mcp_tools`](Self::with_mcp_tools). The server must be one the
    /// backend configures, or the first turn fails with [`AgentError::InvalidConfig`] naming
    /// the configured ones.
    pub mcp_tools: BTreeMap<String, Vec<String>>,
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
    /// See [`AgentConfig::mcp_tools`]: `SERVER=TOOL,TOOL` entries separated by `;`, e.g.
    /// `docs=search,read; notes=write` (`docs=` allows no tool of `docs`).
    pub mcp_tools: Option<String>,
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
            mcp_tools: BTreeMap::new(),
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
            mcp_tools: present(raw.mcp_tools)
                .map(|text| parse_mcp_tools(&text))
                .transpose()?
                .unwrap_or_default(),
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

    /// Lets this conversation use only `tools` of the MCP server `server` (sent as the thread's
    /// `mcp_servers.<server>.enabled_tools`), so each phase sees only its own tools. Calling it
    /// again for the same server replaces its list.
    ///
    /// ```
    /// use prompt_diary::agent::AgentConfig;
    ///
    /// let config = AgentConfig::new("/tmp/workspace").with_mcp_tools("diary", ["write_entry"]);
    /// assert_eq!(config.mcp_tools["diary"], ["write_entry"]);
    /// ```
    pub fn with_mcp_tools<I, T>(mut self, server: impl Into<String>, tools: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        self.mcp_tools
            .insert(server.into(), tools.into_iter().map(Into::into).collect());
        self
    }
}

/// Parses `SERVER=TOOL,TOOL; SERVER=...` into the per-server tool lists.
fn parse_mcp_tools(text: &str) -> Result<BTreeMap<String, Vec<String>>, AgentError> {
    let bad = || AgentError::InvalidConfig {
        field: "mcp_tools",
        value: text.to_owned(),
        accepted:
            "`SERVER=TOOL,TOOL` entries separated by `;`, e.g. `docs=search,read; notes=write`"
                .to_owned(),
    };
    let mut servers = BTreeMap::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (server, tools) = entry.split_once('=').ok_or_else(bad)?;
        let server = server.trim();
        if server.is_empty() || server.contains(char::is_whitespace) {
            return Err(bad());
        }
        let tools: Vec<String> = tools
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        servers.insert(server.to_owned(), tools);
    }
    Ok(servers)
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
    fn mcp_tools_parse_per_server_and_a_bad_entry_names_the_format() {
        let config = AgentConfig::parse(RawAgentConfig {
            working_directory: Some("/work".into()),
            mcp_tools: Some("docs = search, read ; notes=".into()),
            ..Default::default()
        })
        .expect("valid mcp_tools");
        assert_eq!(config.mcp_tools["docs"], ["search", "read"]);
        assert!(config.mcp_tools["notes"].is_empty());
        assert_eq!(
            config,
            AgentConfig::new("/work")
                .with_mcp_tools("docs", ["search", "read"])
                .with_mcp_tools("notes", Vec::<String>::new())
        );
        let err = AgentConfig::parse(RawAgentConfig {
            working_directory: Some("/work".into()),
            mcp_tools: Some("search,read".into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("`mcp_tools`") && err.contains("SERVER=TOOL,TOOL"),
            "{err}"
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
