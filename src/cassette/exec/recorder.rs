//! Recording `codex exec` runs: each run is its own process, so each appends itself to the
//! cassette. A first run (no `resume`) starts a new recording; a `resume` run appends to the
//! recording in progress (`<name>.jsonl.new` when it waits for review, else the cassette).
//!
//! The real thread ids of the recording in progress, which the cassette keeps only as
//! placeholders, wait in a small session file under the system temp dir, keyed by the cassette's
//! path, so that a later `resume <real id>` is recorded as `resume {{thread:N}}`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cassette::effects::Effect;
use crate::cassette::exec::call::{ExecArg, each_string_mut, home, normalize_call, path_scope};
use crate::cassette::exec::format::{
    ExecCassette, ExecExit, ExecInvocation, StdoutLine, new_header,
};
use crate::cassette::normalize::placeholder::Placeholder;
use crate::cassette::normalize::redact::rule_names;
use crate::cassette::normalize::rules::Rules;
use crate::cassette::normalize::volatile::{self, Numbering};
use crate::cassette::redact_stream::Redactor;
use crate::cassette::write::{
    SeenFiles, joined_outcome, pending_path, write_atomic, write_or_pend,
};
use crate::cassette::{CassetteError, CassetteLock, LOCK_WAIT, RecordOptions, WriteOutcome};

/// What one run did, as captured (nothing normalised yet).
#[derive(Debug, Clone)]
pub(crate) struct ExecCapture {
    /// The command line, classified.
    pub args: Vec<ExecArg>,
    /// Whether it is a `resume` run.
    pub resume: bool,
    /// What the caller wrote on stdin.
    pub stdin: String,
    /// The `--output-schema` file's contents.
    pub output_schema: Option<Value>,
    /// The run's working directory (`--cd`, else the caller's).
    pub workspace: PathBuf,
    /// Every stdout line, without its newline.
    pub stdout: Vec<String>,
    /// The last stderr lines.
    pub stderr_tail: Vec<String>,
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// The exit status as text.
    pub status: String,
    /// What changed in the working directory.
    pub effects: Vec<Effect>,
    /// The `-o` file's contents afterwards.
    pub last_message: Option<String>,
    /// The Codex version (`codex --version`).
    pub codex_version: String,
    /// The cassette and its `.new` as they were before the run (to tell another writer's
    /// recording of the same period from an older file).
    pub seen: SeenFiles,
}

/// The recording in progress, kept between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Session {
    /// Runs write the cassette directly: it did not exist when the recording started, or the
    /// recording appends to it (`new_episodes`).
    fresh: bool,
    /// Real thread id → placeholder.
    threads: BTreeMap<String, String>,
}

/// Where the session of the recording into `cassette` is kept.
fn session_path(cassette: &Path) -> PathBuf {
    let absolute = std::path::absolute(cassette).unwrap_or_else(|_| cassette.to_owned());
    let hash = crate::cassette::effects::sha256_hex(absolute.as_os_str().as_encoded_bytes());
    std::env::temp_dir().join(format!("prompt-diary-exec-{}.json", &hash[..16]))
}

fn load_session(cassette: &Path) -> Option<Session> {
    let text = std::fs::read_to_string(session_path(cassette)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Appends the captured run to the recording into `options.path` and writes it (atomically; a
/// differing re-recording of an existing cassette waits as `.new`). With `append`
/// (`new_episodes`), a first run joins the existing cassette, its thread numbered after the
/// cassette's, and the cassette is written directly.
pub(crate) fn record_run(
    options: &RecordOptions,
    capture: &ExecCapture,
    append: bool,
) -> Result<WriteOutcome, CassetteError> {
    let path = &options.path;
    // Other recorders of this cassette write one at a time, each to what the last wrote.
    let _lock = CassetteLock::acquire(path, LOCK_WAIT)?;
    // A first run that another writer's recording of the same period got ahead of joins it.
    let joined = (!capture.resume && !append)
        .then(|| capture.seen.written_since(path))
        .flatten();
    let session = if capture.resume {
        load_session(path).unwrap_or_else(|| {
            eprintln!(
                "prompt-diary stand-in: no recording in progress for {} knows this thread; \
                 record the thread's first run before its `resume` runs",
                path.display()
            );
            Session::default()
        })
    } else if let Some(target) = &joined {
        Session {
            fresh: target == path,
            threads: joined_threads(path, target),
        }
    } else if append {
        Session {
            fresh: true,
            threads: recorded_threads(path),
        }
    } else {
        Session {
            fresh: !path.exists(),
            threads: BTreeMap::new(),
        }
    };
    let rules = Rules::new(&options.volatile, &options.redact);
    let (mut invocation, session, found) = normalise(capture, session, &rules);
    let home = home();
    let mut redactor = Redactor::new(home.as_deref());
    redactor.extra = &options.redact;
    redactor.invocation(&mut invocation);
    volatile_values(&mut invocation, found.values());
    let mut cassette = if let Some(target) = &joined {
        let mut loaded = ExecCassette::load(target, &options.record_command)?;
        loaded.path = path.clone();
        loaded
    } else if capture.resume || append {
        let base = if session.fresh {
            vec![path.clone()]
        } else {
            vec![pending_path(path), path.clone()]
        };
        match base.into_iter().find(|p| p.exists()) {
            Some(base) => {
                let mut loaded = ExecCassette::load(&base, &options.record_command)?;
                loaded.path = path.clone();
                loaded
            }
            None => new_cassette(options, capture),
        }
    } else {
        new_cassette(options, capture)
    };
    cassette.invocations.push(invocation);
    // Earlier runs of a resumed recording lose fragments of this run's secrets too.
    redactor.strip_runs(&mut cassette.invocations);
    // The rules of this recording (a replay matches every run by them).
    cassette.header.volatile.clone_from(&options.volatile);
    cassette.header.redactions = rule_names(&options.redact);
    cassette.header = redactor.header(&cassette.header);
    let text = cassette.render();
    crate::cassette::normalize::secret_scan::refuse(path, &text, &options.redact)?;
    let outcome = match joined {
        Some(target) => {
            write_atomic(&target, &text)?;
            joined_outcome(path, target)
        }
        None => write_exec(&cassette, &text, options.overwrite || session.fresh)?,
    };
    let saved = serde_json::to_string(&session).unwrap_or_default();
    write_atomic(&session_path(path), &saved)?;
    Ok(outcome)
}

/// Stand-ins for the threads the cassette at `path` already holds (`{{thread:1}}` up to the
/// highest it names), so that a run appended to it numbers its own thread after them. Their keys
/// are no real thread id.
fn recorded_threads(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let highest = text
        .split("{{thread:")
        .skip(1)
        .filter_map(|rest| rest.split("}}").next()?.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    (1..=highest)
        .map(|n| {
            (
                format!("\u{0}recorded-thread-{n}"),
                format!("{{{{thread:{n}}}}}"),
            )
        })
        .collect()
}

/// The threads of `target`, the recording another writer made of the same cassette: as
/// [`recorded_threads`], with the real ids the session file knows for them.
fn joined_threads(path: &Path, target: &Path) -> BTreeMap<String, String> {
    let mut threads = recorded_threads(target);
    let known = load_session(path).map(|s| s.threads).unwrap_or_default();
    for (real, placeholder) in known {
        let stand_in = threads
            .iter()
            .find(|(_, p)| **p == placeholder)
            .map(|(key, _)| key.clone());
        if let Some(stand_in) = stand_in {
            threads.remove(&stand_in);
            threads.insert(real, placeholder);
        }
    }
    threads
}

fn new_cassette(options: &RecordOptions, capture: &ExecCapture) -> ExecCassette {
    let mut header = new_header(
        &options.scenario,
        &capture.codex_version,
        crate::cassette::envelope::today(),
    );
    header.record_command = options.record_command.clone();
    ExecCassette {
        path: options.path.clone(),
        header,
        invocations: Vec::new(),
    }
}

/// Writes `cassette` (whose text is `text`) as every recording is written
/// ([`write_or_pend`]): directly when `overwrite`, else unchanged, or `.new` beside a differing
/// cassette.
fn write_exec(
    cassette: &ExecCassette,
    text: &str,
    overwrite: bool,
) -> Result<WriteOutcome, CassetteError> {
    let path = &cassette.path;
    write_or_pend(path, text, overwrite, |old| {
        ExecCassette::parse(path, old)
            .is_ok_and(|old| old.comparable_text() == cassette.comparable_text())
    })
}

/// Where the run's output repeats a value a volatile rule matched in its call (`values`:
/// (placeholder, value) pairs), the value's placeholder instead, so a replay says the value sent
/// then.
fn volatile_values(run: &mut ExecInvocation, values: &[(String, String)]) {
    if values.is_empty() {
        return;
    }
    let mut swap = |text: &mut String| {
        if let Cow::Owned(changed) = volatile::substitute(values, text) {
            *text = changed;
        }
    };
    for line in &mut run.stdout {
        match line {
            StdoutLine::Json(value) => each_string_mut(value, &mut swap),
            StdoutLine::Text(text) => swap(text),
        }
    }
    for effect in &mut run.effects {
        if let Effect::Write { text, .. } = effect {
            swap(text);
        }
    }
    if let Some(text) = &mut run.last_message {
        swap(text);
    }
    run.exit.stderr_tail.iter_mut().for_each(swap);
}

/// The run normalised: thread ids (known from earlier runs, then new ones by first sight),
/// paths, times (redacted next, its streams whole: `Redactor::invocation`), and the volatile
/// values its call held (returned, numbered, for [`volatile_values`]).
fn normalise(
    capture: &ExecCapture,
    mut session: Session,
    rules: &Rules,
) -> (ExecInvocation, Session, Numbering) {
    let home = home();
    let home = home.as_deref();
    let mut scope = path_scope(&capture.workspace, home);
    let mut known: Vec<(usize, &String)> = session
        .threads
        .iter()
        .map(|(real, placeholder)| (placeholder_number(placeholder), real))
        .collect();
    known.sort();
    for (_, real) in known {
        scope.bind_id("thread", real);
    }
    let parsed: Vec<Option<Value>> = capture
        .stdout
        .iter()
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .ok()
                .filter(Value::is_object)
        })
        .collect();
    if let Some(ExecArg::Thread(id)) = capture
        .args
        .iter()
        .find(|a| matches!(a, ExecArg::Thread(_)))
    {
        if !session.threads.contains_key(id) {
            let placeholder = scope.bind_id("thread", id);
            session.threads.insert(id.clone(), placeholder);
        }
    }
    for value in parsed.iter().flatten() {
        for id in thread_ids(value) {
            let placeholder = scope.bind_id("thread", &id);
            session.threads.insert(id, placeholder);
        }
    }
    let mut found = Numbering::default();
    let call = normalize_call(
        &capture.args,
        &capture.stdin,
        capture.output_schema.as_ref(),
        &scope,
        &|id| scope.substitute(id),
        rules,
        &mut found,
    );
    let text = |t: &str| scope.substitute(t);
    let stdout = parsed
        .into_iter()
        .zip(&capture.stdout)
        .map(|(json, line)| match json {
            Some(mut value) => {
                scope.normalize(&mut value);
                StdoutLine::Json(value)
            }
            None => StdoutLine::Text(text(line)),
        })
        .collect();
    let effects = capture
        .effects
        .iter()
        .map(|effect| match effect {
            Effect::Write { path, text: body } => Effect::Write {
                path: path.clone(),
                text: text(body),
            },
            other => other.clone(),
        })
        .collect();
    let invocation = ExecInvocation {
        line: 0,
        call,
        stdout,
        effects,
        last_message: capture.last_message.as_deref().map(text),
        exit: ExecExit {
            code: capture.code,
            status: capture.status.clone(),
            stderr_tail: capture.stderr_tail.iter().map(|l| text(l)).collect(),
        },
    };
    (invocation, session, found)
}

/// The thread ids an exec event names (`thread_id`, at any depth).
fn thread_ids(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("thread_id", Value::String(id)) if !id.is_empty() => out.push(id.clone()),
                        _ => stack.push(child),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// `N` of `{{thread:N}}` (0 when it is not one).
pub(crate) fn placeholder_number(placeholder: &str) -> usize {
    Placeholder::parse(placeholder)
        .and_then(|p| p.index())
        .map_or(0, |n| n as usize)
}

/// Whether the recording in progress into `cassette` printed thread `id` (so a `resume` of it in
/// `auto` mode extends that recording instead of replaying).
pub(crate) fn recording_knows_thread(cassette: &Path, id: &str) -> bool {
    load_session(cassette).is_some_and(|session| session.threads.contains_key(id))
}
