//! [`ProcessTransport`]: a child process speaking newline-delimited JSON on stdio.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::framing::{self, DEFAULT_MAX_LINE};
use super::{Diagnostics, Message, Transport, TransportError};

/// How long a closing server may take to exit on its own before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(3);
/// How long a server whose output closed may take to exit before it is reported as still running.
const EOF_GRACE: Duration = Duration::from_millis(500);
/// How many parsed messages may wait for the session layer before the reader pauses.
const INCOMING_QUEUE: usize = 1024;

/// What to run: program, arguments, environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcessCommand {
    /// The executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Environment variables set for the child (on top of the inherited environment).
    pub env: Vec<(String, String)>,
    /// Environment variables removed from the child's environment.
    pub env_remove: Vec<String>,
    /// Start the child with nothing inherited: only [`env`](Self::env).
    pub env_clear: bool,
    /// The child's working directory; the parent's when `None`.
    pub cwd: Option<PathBuf>,
    /// The cap on one line from the child, in bytes.
    pub max_line: usize,
}

impl ProcessCommand {
    /// `program` with no arguments and the default line cap.
    pub(crate) fn new(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            env_remove: Vec::new(),
            env_clear: false,
            cwd: None,
            max_line: DEFAULT_MAX_LINE,
        }
    }

    /// Appends arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }
}

/// A server running as a child process, spoken to over its stdin/stdout.
///
/// Its stderr is kept in a bounded ring buffer ([`Diagnostics`]) for error messages. Closing
/// shuts its stdin, waits a bounded time and kills it; dropping kills it.
pub(crate) struct ProcessTransport {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: mpsc::Receiver<Result<Message, TransportError>>,
    diagnostics: Diagnostics,
    pid: Option<u32>,
    tasks: Vec<JoinHandle<()>>,
}

impl ProcessTransport {
    /// Starts the process.
    pub(crate) fn spawn(command: &ProcessCommand) -> Result<Self, TransportError> {
        let mut cmd = Command::new(&command.program);
        cmd.args(&command.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if command.env_clear {
            cmd.env_clear();
        }
        for key in &command.env_remove {
            cmd.env_remove(key);
        }
        cmd.envs(command.env.iter().map(|(k, v)| (k, v)));
        if let Some(cwd) = &command.cwd {
            cmd.current_dir(cwd);
        }
        let mut child = cmd.spawn().map_err(|source| TransportError::Spawn {
            program: command.program.display().to_string(),
            source,
        })?;
        let pid = child.id();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let diagnostics = Diagnostics::new();
        let mut tasks = Vec::new();
        let incoming = match stdout {
            Some(stdout) => {
                let (incoming, task) =
                    framing::spawn_reader(stdout, command.max_line, INCOMING_QUEUE);
                tasks.push(task);
                incoming
            }
            None => mpsc::channel(1).1,
        };
        if let Some(stderr) = stderr {
            let diag = diagnostics.clone();
            tasks.push(tokio::spawn(async move {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::debug!(target: "prompt_diary::server_stderr", "{line}");
                    diag.push_stderr_line(&line);
                }
            }));
        }
        Ok(Self {
            child,
            stdin,
            incoming,
            diagnostics,
            pid,
            tasks,
        })
    }

    /// Waits up to `grace` for the child to exit and records its status.
    async fn reap(&mut self, grace: Duration) -> bool {
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(Ok(status)) => {
                self.diagnostics.set_exit_status(status.to_string());
                true
            }
            Ok(Err(err)) => {
                self.diagnostics
                    .set_exit_status(format!("exit status unknown: {err}"));
                true
            }
            Err(_) => false,
        }
    }
}

#[async_trait]
impl Transport for ProcessTransport {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(TransportError::Closed);
        };
        if let Err(source) = framing::write_message(stdin, &message).await {
            let status = match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.diagnostics.set_exit_status(status.to_string());
                    status.to_string()
                }
                _ => "still running".to_owned(),
            };
            return Err(TransportError::Write { status, source });
        }
        Ok(())
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        match self.incoming.recv().await {
            Some(item) => item.map(Some),
            None => {
                // Output closed: the process is most likely exiting. Give it a moment so the
                // status is known; `close` kills it if it is not.
                if !self.reap(EOF_GRACE).await {
                    self.diagnostics
                        .set_exit_status("still running, but its stdout is closed");
                }
                Ok(None)
            }
        }
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        drop(self.stdin.take());
        if !self.reap(EXIT_GRACE).await {
            if let Err(err) = self.child.start_kill() {
                tracing::warn!("could not kill the server process: {err}");
            }
            self.reap(EXIT_GRACE).await;
        }
        for task in self.tasks.drain(..) {
            task.abort();
        }
        Ok(())
    }

    fn diagnostics(&self) -> Diagnostics {
        self.diagnostics.clone()
    }

    fn pid(&self) -> Option<u32> {
        self.pid
    }
}

impl Drop for ProcessTransport {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        // `kill_on_drop` kills the child when `self.child` drops.
    }
}
