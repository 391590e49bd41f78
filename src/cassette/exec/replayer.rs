//! Replaying `codex exec` runs: each run (a separate process) is matched by content against the
//! recorded ones: its normalised command line, stdin and schema. A first run matches a recorded
//! run without `resume`; a `resume` names a thread id this replay printed, which carries the
//! number of its placeholder, so it matches the recorded run that resumed that thread.

use std::path::Path;

use serde_json::Value;

use crate::cassette::divergence::{DivergenceLocation, Location};
use crate::cassette::exec::call::{ExecArg, each_string_mut, home, normalize_call, path_scope};
use crate::cassette::exec::format::{ExecCall, ExecCassette, ExecInvocation, StdoutLine};
use crate::cassette::normalize::placeholder::{Fresh, ThreadIds, tagged_thread};
use crate::cassette::normalize::rules::Rules;
use crate::cassette::normalize::volatile::{self, Numbering};
use crate::cassette::normalize::{Bindings, CODEX_HOME, HOME, WORKSPACE};
use crate::cassette::{CassetteError, Divergence, RedactRule};

/// A run of the caller, ready to be matched.
#[derive(Debug, Clone)]
pub(crate) struct ExecRequest<'a> {
    /// The command line, classified.
    pub args: &'a [ExecArg],
    /// What the caller wrote on stdin.
    pub stdin: &'a str,
    /// The `--output-schema` file's contents.
    pub output_schema: Option<&'a Value>,
    /// The run's working directory.
    pub workspace: &'a Path,
}

/// An exec cassette being replayed.
#[derive(Debug)]
pub(crate) struct ExecReplay {
    cassette: ExecCassette,
    record_command: String,
    /// The volatile rules the header recorded, and the project's own secret patterns.
    rules: Rules,
}

impl ExecReplay {
    /// Loads the exec cassette at `path`; `record_command` re-records it (shown in reports).
    pub(crate) fn load(path: &Path, record_command: &str) -> Result<Self, CassetteError> {
        let cassette = ExecCassette::load(path, record_command)?;
        let rules = Rules::new(&cassette.header.volatile, &[]);
        Ok(Self {
            cassette,
            record_command: record_command.to_owned(),
            rules,
        })
    }

    /// How this replay makes fresh values: thread ids tagged with their placeholder's number, so
    /// a later run's `resume` names the thread back.
    pub(crate) fn fresh(&self) -> Fresh<'_> {
        Fresh {
            label: "replay",
            codex_version: &self.cassette.header.codex_version,
            threads: ThreadIds::Tagged,
        }
    }

    /// The replay with the project's own secret patterns (`[[redact]]`), which the caller's
    /// command line and stdin are redacted with before they are matched.
    pub(crate) fn with_redact(mut self, redact: &[RedactRule]) -> Self {
        self.rules = Rules::new(&self.cassette.header.volatile, redact);
        self
    }

    /// `request`'s call as the cassette keeps it, and the volatile values it held.
    fn call_of(&self, request: &ExecRequest<'_>) -> (ExecCall, Numbering) {
        let scope = path_scope(request.workspace, home().as_deref());
        let thread = |id: &str| tagged_thread(id).unwrap_or_else(|| id.to_owned());
        let mut found = Numbering::default();
        let call = normalize_call(
            request.args,
            request.stdin,
            request.output_schema,
            &scope,
            &thread,
            &self.rules,
            &mut found,
        );
        (call, found)
    }

    /// Each value `request` sent for a volatile placeholder, bound in `bindings` (and a rule's
    /// first value to its unnumbered `{{name}}` too, which cassettes recorded before the
    /// numbering wrote): the run's recorded output says these where it repeated the recorded
    /// ones.
    pub(crate) fn bind_volatile(&self, request: &ExecRequest<'_>, bindings: &mut Bindings) {
        if self.rules.volatile.is_empty() {
            return;
        }
        for (placeholder, value) in self.call_of(request).1.values() {
            bindings.bind(placeholder, value);
            if let Some(alias) = volatile::legacy_alias(placeholder) {
                if bindings.get(&alias).is_none() {
                    bindings.bind(&alias, value);
                }
            }
        }
    }

    /// The recorded run `request` stands for, or the divergence report against the nearest one.
    /// The 1-based number of `run` (one [`find`](Self::find) returned) among the cassette's runs.
    pub(crate) fn run_number(&self, run: &ExecInvocation) -> Option<usize> {
        self.cassette
            .invocations
            .iter()
            .position(|recorded| std::ptr::eq(recorded, run))
            .map(|index| index + 1)
    }

    pub(crate) fn find(
        &self,
        request: &ExecRequest<'_>,
    ) -> Result<&ExecInvocation, Box<Divergence>> {
        let (call, _) = self.call_of(request);
        let runs = &self.cassette.invocations;
        if let Some(run) = runs.iter().find(|run| run.call == call) {
            return Ok(run);
        }
        // A run recorded before the numbering wrote each rule's values unnumbered (`{{date}}`).
        if !self.rules.volatile.is_empty() {
            let legacy = legacy_call(&self.rules, &call);
            if let Some(run) = runs.iter().find(|run| run.call == legacy) {
                return Ok(run);
            }
        }
        // The nearest: the same thread (or a first run), then the same command line.
        let resumed = |args: &[String]| {
            args.iter()
                .position(|a| a == "resume")
                .and_then(|i| args.get(i + 1).cloned())
        };
        let same_thread: Vec<(usize, &ExecInvocation)> = runs
            .iter()
            .enumerate()
            .filter(|(_, run)| resumed(&run.call.args) == resumed(&call.args))
            .collect();
        let nearest = same_thread
            .iter()
            .find(|(_, run)| run.call.args == call.args)
            .or_else(|| same_thread.first())
            .copied()
            .or_else(|| runs.first().map(|run| (0, run)));
        let sent = call.to_json();
        Err(Box::new(match nearest {
            Some((index, run)) => {
                let at = self.location(run.line, index);
                let recorded = run.call.to_json();
                Divergence::mismatch(&at, &recorded, &sent, &self.record_command)
            }
            None => Divergence::unexpected(
                &self.location(0, 0),
                "nothing to replay this `codex exec` invocation against",
                &sent,
                &self.record_command,
            ),
        }))
    }

    fn location(&self, line: usize, index: usize) -> Location {
        Location {
            path: self.cassette.path.clone(),
            line,
            at: DivergenceLocation::ExecRun {
                number: index + 1,
                of: self.cassette.invocations.len(),
            },
        }
    }
}

/// `call` with its volatile placeholders unnumbered ([`volatile::legacy_form`]), as a run
/// recorded before the numbering keeps it.
fn legacy_call(rules: &Rules, call: &ExecCall) -> ExecCall {
    let unnumbered = |text: &str| volatile::legacy_form(&rules.volatile, text).into_owned();
    let mut output_schema = call.output_schema.clone();
    if let Some(schema) = &mut output_schema {
        each_string_mut(schema, &mut |text| *text = unnumbered(text));
    }
    ExecCall {
        args: call.args.iter().map(|arg| unnumbered(arg)).collect(),
        stdin: unnumbered(&call.stdin),
        output_schema,
    }
}

/// Fresh values for a replayed run: the working directory, the homes, and the thread id a
/// `resume` named (so the run prints the thread id it was given); other thread ids are made
/// fresh by [`fresh_value`](crate::cassette::normalize::placeholder::fresh_value) (as [`ExecReplay::fresh`] says).
pub(crate) fn bindings(workspace: &Path, resume: Option<&str>) -> Bindings {
    let mut bindings = Bindings::default();
    if let Some((id, placeholder)) = resume.and_then(|id| Some((id, tagged_thread(id)?))) {
        bindings.bind(&placeholder, id);
    }
    bindings.bind(WORKSPACE, &workspace.display().to_string());
    if let Some(home) = home() {
        bindings.bind(HOME, &home);
    }
    if let Some(codex_home) = std::env::var("CODEX_HOME").ok().filter(|h| h.len() > 1) {
        bindings.bind(CODEX_HOME, &codex_home);
    }
    bindings
}

/// A recorded stdout line with its placeholders filled (unbound ones by `fresh`: a
/// [`fresh_value`](crate::cassette::normalize::placeholder::fresh_value)), as text.
pub(crate) fn fill_line(
    line: &StdoutLine,
    bindings: &mut Bindings,
    fresh: &mut dyn FnMut(&str) -> String,
) -> String {
    match line {
        StdoutLine::Json(value) => {
            let mut value = value.clone();
            bindings.fill(&mut value, fresh);
            value.to_string()
        }
        StdoutLine::Text(text) => bindings.fill_text(text, fresh).into_owned(),
    }
}

#[cfg(test)]
#[path = "volatile_tests.rs"]
mod volatile_tests;
