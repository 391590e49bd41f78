//! `prompt-diary record`: run a session and record it into a cassette, either from a scripted
//! scenario (the real binary driven by the scripted local model) or from one prompt against the
//! user's own Codex configuration (the live tier; never in CI).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use super::here::Here;
use crate::cassette::{CassetteSettings, FlagMode, ModeFrom, RecordMode, Resolved, WriteOutcome};
use crate::cli::fixtures;
use crate::codex::CodexBackendConfig;
use crate::replay::driver::{Progress, RunnerOutcome};
use crate::rerecord::recording::{PromptRecording, record_prompt, workspaces_in};

/// Arguments of `record`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["prompt", "script"])))]
pub(crate) struct Record {
    /// One prompt for the user's own Codex (configuration and login from ~/.codex): live, may
    /// spend tokens, refused when `CI` is set.
    #[arg(long)]
    prompt: Option<String>,
    /// A scenario file (its `client` section says what the client does), or the name of one in
    /// `fixtures/scenarios/` at the project's root: the real Codex binary (the project's pin)
    /// driven by the scripted local model.
    #[arg(long)]
    script: Option<String>,
    /// The working directory of the agent (one `runner-N` folder inside it per conversation when
    /// the script has several); created if missing. Start from an empty folder: files already
    /// there are not in the cassette, and the agent may act differently around them.
    #[arg(long)]
    workspace: PathBuf,
    /// The cassette to write; with `--script`, `<the project's cassette folder>/<scenario
    /// name>.jsonl` by default.
    #[arg(long, required_unless_present = "script")]
    out: Option<PathBuf>,
    /// Replace a differing cassette instead of writing `<out>.new` for review.
    #[arg(long)]
    overwrite: bool,
    /// `all` (record again, the default) or `once` (record only a cassette that does not exist
    /// yet). Refused when `CI` is set: CI never records. (`new_episodes` appends conversations
    /// during a test run, through the adapter or the stand-in.)
    #[arg(long, value_name = "MODE", value_parser = parse_mode)]
    record_mode: Option<RecordMode>,
    /// The turn's timeout with `--prompt`, in seconds.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// With `--prompt`: the model (your Codex default when unset).
    #[arg(long, conflicts_with = "script")]
    model: Option<String>,
    /// With `--prompt`: `untrusted`, `on-request` or `never` (your Codex default when unset).
    /// Approval requests are declined, so `never` lets the agent act without asking.
    #[arg(long, conflicts_with = "script")]
    approval_mode: Option<String>,
    /// With `--prompt`: `read-only`, `workspace-write` or `danger-full-access`.
    #[arg(long, conflicts_with = "script")]
    sandbox: Option<String>,
}

impl Record {
    /// Records; progress per turn on stderr, the outcome on stdout.
    pub(super) async fn run(self, here: &Here) -> anyhow::Result<()> {
        let progress: Progress = Arc::new(|line: &str| super::print_err(&format!("  {line}")));
        let (written, outcomes) = match (&self.script, &self.prompt) {
            (Some(script), _) => self.scripted(here, script, progress).await?,
            (None, Some(prompt)) => self.live(here, prompt, progress).await?,
            (None, None) => anyhow::bail!("give --prompt \"...\" (live) or --script <fixture>"),
        };
        let failed = outcomes
            .iter()
            .flat_map(|o| &o.turns)
            .filter(|t| !matches!(t, crate::replay::driver::TurnOutcome::Ok(_)))
            .count();
        if failed > 0 {
            super::print_err(&format!(
                "note: {failed} turn(s) ended with an error; the cassette records them"
            ));
        }
        match written {
            WriteOutcome::Unchanged(path) if outcomes.is_empty() => super::print_line(&format!(
                "kept {} (--record-mode once: it exists)",
                path.display()
            ))?,
            WriteOutcome::Written(path) => super::print_line(&format!("wrote {}", path.display()))?,
            WriteOutcome::Unchanged(path) => super::print_line(&format!(
                "unchanged {} (the recording is the same)",
                path.display()
            ))?,
            WriteOutcome::Pending { pending, .. } => super::print_line(&format!(
                "CHANGED: the new recording is {}; review it with `prompt-diary review {}`",
                pending.display(),
                parent_of(&pending).display()
            ))?,
        }
        Ok(())
    }

    async fn scripted(
        &self,
        here: &Here,
        script: &str,
        progress: Progress,
    ) -> anyhow::Result<(WriteOutcome, Vec<RunnerOutcome>)> {
        let path = Path::new(script);
        let fixture = if path.is_file() {
            fixtures::from_scenario_file(path)?
        } else {
            let root = here.root();
            fixtures::find(&root, script).with_context(|| {
                format!(
                    "--script {script:?} is neither a scenario file nor a fixture name in {}",
                    root.join("fixtures/scenarios").display()
                )
            })?
        };
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| here.cassette_dir().join(format!("{}.jsonl", fixture.name)));
        if !self.mode_records(&out)? {
            return Ok((WriteOutcome::Unchanged(out), Vec::new()));
        }
        let record_command = match here.record_command() {
            Some(command) => command.to_owned(),
            None if path.is_file() => format!(
                "prompt-diary record --script {script} --workspace {} --out {}",
                self.workspace.display(),
                out.display()
            ),
            None => fixtures::RECORD_FIXTURES_COMMAND.to_owned(),
        };
        let fixture = fixture.with_record_command(record_command);
        let codex_bin = here.codex_bin(None)?;
        let workspaces = workspaces_in(&self.workspace, fixture.client.runners.len())
            .with_context(|| format!("creating the workspace {}", self.workspace.display()))?;
        super::print_err(&format!(
            "recording {} with {} and the scripted model into {} ...",
            fixture.name,
            codex_bin.display(),
            out.display()
        ));
        let cassette = self.cassette(here, &out);
        let recorded = fixture
            .record_in(&codex_bin, &cassette, &workspaces, progress)
            .await
            .with_context(|| format!("recording {}", fixture.scenario_path.display()))?;
        Ok(recorded)
    }

    async fn live(
        &self,
        here: &Here,
        prompt: &str,
        progress: Progress,
    ) -> anyhow::Result<(WriteOutcome, Vec<RunnerOutcome>)> {
        let Some(out) = &self.out else {
            anyhow::bail!("give --out CASSETTE, the cassette to record into");
        };
        if !self.mode_records(out)? {
            return Ok((WriteOutcome::Unchanged(out.clone()), Vec::new()));
        }
        let mut recording = PromptRecording::new(prompt);
        recording.timeout_secs = self.timeout_secs;
        recording.model = self.model.clone();
        recording.approval_mode = self.approval_mode.clone();
        recording.sandbox = self.sandbox.clone();
        super::print_err(&format!(
            "recording one live turn with your Codex configuration into {} ...",
            out.display()
        ));
        let recorded = record_prompt(
            CodexBackendConfig::default(),
            &recording,
            &self.cassette(here, out),
            &self.workspace,
            progress,
        )
        .await
        .map_err(|err| {
            // A cassette that could not be written (a secret left, a pending review) is not a
            // sign-in problem: its own message says what to do.
            let cassette = err
                .backend_error::<crate::cassette::CassetteError>()
                .is_some();
            let err = anyhow::Error::new(err);
            if cassette {
                err.context("recording against your Codex")
            } else {
                err.context("recording against your Codex (is it logged in? try `codex login`)")
            }
        })?;
        Ok(recorded)
    }
}

impl Record {
    /// The cassette `out` as the project file says (its `[[volatile]]` and `[[redact]]` rules),
    /// with `--overwrite`: what every recording of `record` starts from.
    fn cassette(&self, here: &Here, out: &Path) -> CassetteSettings {
        let mut cassette = CassetteSettings::for_project(out, here.file.as_ref());
        cassette.overwrite = self.overwrite;
        cassette
    }

    /// Whether `--record-mode` lets this run record `out`: `once` keeps a cassette that exists;
    /// under `CI` the flag is refused (CI never records); `none` and `new_episodes` are refused
    /// with what to use instead.
    fn mode_records(&self, out: &Path) -> anyhow::Result<bool> {
        let Some(mode) = self.record_mode else {
            // No flag: still never in CI, for `--script` as for `--prompt`.
            crate::cassette::refuse_recording_in_ci(out, |key| std::env::var(key).ok())?;
            return Ok(true);
        };
        let settings = CassetteSettings::new(out, RecordMode::All);
        let flag = FlagMode {
            flag: "--record-mode",
            mode,
        };
        let resolved =
            settings.resolve_with(Some(flag), &|key| std::env::var(key).ok(), &mut |note| {
                super::print_err(&format!("note: {note}"))
            })?;
        match (mode, resolved) {
            (RecordMode::None, _) => anyhow::bail!(
                "--record-mode none records nothing; replay the cassette with `prompt-diary \
                 replay {}`",
                out.display()
            ),
            (RecordMode::NewEpisodes, _) => anyhow::bail!(
                "--record-mode new_episodes appends the conversations a test run adds: run the \
                 tests with PROMPT_DIARY_RECORD_MODE=new_episodes; `record` records whole \
                 sessions (once or all)"
            ),
            (_, Resolved::Replay) => {
                super::print_err(&format!(
                    "{} exists and --record-mode once records only missing cassettes",
                    out.display()
                ));
                Ok(false)
            }
            _ => Ok(true),
        }
    }
}

/// Reads `--record-mode`: a mode name, or an old alias (said as a note).
fn parse_mode(text: &str) -> Result<RecordMode, crate::cassette::RecordModeError> {
    let (mode, note) = RecordMode::parse_from(text, ModeFrom::Flag("--record-mode"))?;
    if let Some(note) = note {
        super::print_err(&format!("note: {note}"));
    }
    Ok(mode)
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}
