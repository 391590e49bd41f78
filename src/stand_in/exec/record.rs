//! Recording a `codex exec` run: the real Codex runs with the caller's command line and stdin,
//! its output passes through line by line as it comes, and the run is appended to the cassette.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::Command;
use tokio::task::JoinHandle;

use super::ExecInput;
use super::args::ExecArgs;
use crate::cassette::{
    CassetteError, ExecCapture, RecordOptions, SeenFiles, Snapshot, WriteOutcome, record_exec_run,
};
use crate::project::find_codex_bin;
use crate::stand_in::StandInError;

/// How many stderr lines a cassette keeps.
const STDERR_TAIL: usize = 20;
/// How long the output pipes may stay open after the real Codex exited (a grandchild may hold
/// them).
const DRAIN: Duration = Duration::from_secs(5);
/// How long `codex --version` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs the real Codex for `exec`, records the run, and returns its exit code (1 when the
/// recording could not be written; the reason is on stderr). With `append` (`new_episodes`), a
/// first run is appended to the existing cassette instead of starting a new recording.
pub(super) async fn record(
    exec: &ExecArgs,
    input: &ExecInput,
    options: &RecordOptions,
    append: bool,
) -> Result<i32, StandInError> {
    // Never the stand-in itself (`codex_bin::is_stand_in`, checked where every path resolves).
    let (bin, _) = find_codex_bin(None)?;
    let codex_version = recording_version(&bin, options, append).await?;
    let seen = SeenFiles::now(&options.path);
    let before = snapshot(&input.workspace).await;
    let mut child = Command::new(&bin)
        .args(&exec.raw)
        .stdin(if input.stdin_is_terminal {
            Stdio::inherit()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| StandInError::spawn(&bin, source))?;
    if let Some(mut pipe) = child.stdin.take() {
        let bytes = input.stdin.clone();
        tokio::spawn(async move {
            let _ = pipe.write_all(&bytes).await;
            let _ = pipe.shutdown().await;
        });
    }
    let stdout = child
        .stdout
        .take()
        .map(|out| tee(out, tokio::io::stdout(), usize::MAX));
    let stderr = child
        .stderr
        .take()
        .map(|err| tee(err, tokio::io::stderr(), STDERR_TAIL));
    let status = tokio::select! {
        status = child.wait() => status.map_err(|source| StandInError::Wait { bin: bin.clone(), source })?,
        () = terminated() => {
            // A killed recorder never replaces a good cassette: nothing is written.
            let _ = child.start_kill();
            let _ = child.wait().await;
            eprintln!("prompt-diary stand-in: stopped by a signal; the run was not recorded");
            return Ok(143);
        }
    };
    let stdout = drained(stdout).await;
    let stderr_tail = drained(stderr).await;
    let effects = before.diff(&snapshot(&input.workspace).await);
    let last_message = exec.last_message.as_ref().and_then(|file| {
        let file = std::env::current_dir().map(|cwd| cwd.join(file)).ok()?;
        std::fs::read_to_string(file).ok()
    });
    let capture = ExecCapture {
        args: exec.classified.clone(),
        resume: exec.resume.is_some(),
        stdin: String::from_utf8_lossy(&input.stdin).into_owned(),
        output_schema: input.output_schema.clone(),
        workspace: input.workspace.clone(),
        stdout,
        stderr_tail,
        code: status.code(),
        status: status.to_string(),
        effects,
        last_message,
        codex_version,
        seen,
    };
    let code = status.code().unwrap_or(1);
    // Writing (and fsyncing) the cassette is blocking work: on the blocking pool.
    let options = options.clone();
    let path = options.path.clone();
    let written = tokio::task::spawn_blocking(move || record_exec_run(&options, &capture, append))
        .await
        .unwrap_or_else(|err| {
            Err(CassetteError::Io {
                path,
                source: std::io::Error::other(format!(
                    "writing the cassette did not finish: {err}"
                )),
            })
        });
    match written {
        Ok(WriteOutcome::Pending { pending, .. }) => {
            eprintln!(
                "prompt-diary stand-in: the re-recording differs from the cassette; it waits in {} \
                 (`prompt-diary review` shows it, `prompt-diary accept` takes it)",
                pending.display()
            );
            Ok(code)
        }
        Ok(_) => Ok(code),
        Err(err) => {
            eprintln!("prompt-diary stand-in: the run was not recorded: {err}");
            Ok(if code == 0 { 1 } else { code })
        }
    }
}

/// Copies the lines of `from` to `to` as they come, and keeps the last `keep` of them.
fn tee(
    from: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    mut to: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
    keep: usize,
) -> JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(from).lines();
        let mut kept = VecDeque::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = to.write_all(line.as_bytes()).await;
            let _ = to.write_all(b"\n").await;
            let _ = to.flush().await;
            if kept.len() == keep {
                kept.pop_front();
            }
            kept.push_back(line);
        }
        Vec::from(kept)
    })
}

/// The lines a [`tee`] kept, once its pipe closed (at most [`DRAIN`] after the process exited:
/// a grandchild may hold the pipe open).
async fn drained(task: Option<JoinHandle<Vec<String>>>) -> Vec<String> {
    match task {
        Some(task) => tokio::time::timeout(DRAIN, task)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

/// The version `bin --version` prints (`codex-cli 0.171.0`: the last word of its first line);
/// an error when that is no Codex version (a wrong `PROMPT_DIARY_CODEX_BIN`), so a cassette
/// never records one.
async fn codex_version(bin: &Path) -> Result<String, StandInError> {
    let output = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let printed = match tokio::time::timeout(VERSION_TIMEOUT, output).await {
        Ok(Ok(out)) => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(Err(err)) => format!("nothing (it could not run: {err})"),
        Err(_) => format!("nothing within {} s", VERSION_TIMEOUT.as_secs()),
    };
    let first = printed.lines().next().unwrap_or("").trim();
    let version = first.split_whitespace().last().unwrap_or("");
    if crate::codex_bin::check_version(version).is_ok() {
        return Ok(version.to_owned());
    }
    let said = if first.is_empty() {
        "nothing".to_owned()
    } else {
        format!("{:?}", crate::cassette::escape_controls(first))
    };
    Err(StandInError::NotCodex {
        bin: bin.to_owned(),
        printed: said,
    })
}

/// The Codex version `bin` records with ([`codex_version`]); with `append` (`new_episodes`),
/// the one the cassette was recorded by ([`refuse_other_version`]).
async fn recording_version(
    bin: &Path,
    options: &RecordOptions,
    append: bool,
) -> Result<String, StandInError> {
    let version = codex_version(bin).await?;
    if append {
        refuse_other_version(&options.path, &version, &options.record_command)?;
    }
    Ok(version)
}

/// Refuses to append a run recorded by Codex `version` to the cassette at `path` when its
/// header names another version: the cassette would mix two Codex versions under one header.
fn refuse_other_version(path: &Path, version: &str, command: &str) -> Result<(), StandInError> {
    let recorded = crate::cassette::ExecCassette::load(path, command)?
        .header
        .codex_version;
    if recorded == version {
        return Ok(());
    }
    Err(CassetteError::RecordingRefused {
        path: path.to_owned(),
        reason: format!(
            "new_episodes would append a run recorded by Codex {version} to a cassette recorded \
             by Codex {recorded}; re-record the whole cassette on this Codex (`prompt-diary \
             rerecord {}`), or move the project to it with `prompt-diary upgrade-codex --to \
             {version}`",
            path.display()
        ),
    }
    .into())
}

/// The files under `dir` now, taken on the blocking pool (a directory walk and a hash of each
/// file); none, said on stderr, when it cannot be read.
async fn snapshot(dir: &Path) -> Snapshot {
    let owned = dir.to_owned();
    let taken = tokio::task::spawn_blocking(move || Snapshot::take(&owned)).await;
    let err = match taken {
        Ok(Ok(snapshot)) => return snapshot,
        Ok(Err(err)) => err.to_string(),
        Err(err) => err.to_string(),
    };
    eprintln!(
        "prompt-diary stand-in: could not snapshot {}: {err}",
        dir.display()
    );
    Snapshot::default()
}

/// Resolves on SIGTERM or SIGINT.
pub(super) async fn terminated() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}
