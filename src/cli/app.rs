//! The clap entry: [`main`] parses a [`Cli`] and [`run`]s it, which hands each [`Command`] to its
//! file's `run`.

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use super::here::Here;
use crate::cassette::escape_controls;

/// The command line of the binary called `name` (`prompt-diary`, or `prompt-diary-cassettes` in
/// the Python wheel): parses the process's arguments, runs the command, and says an error on
/// stderr (exit status 1). Usage errors exit as clap does (status 2, help and version 0).
pub fn main(name: &'static str) -> ExitCode {
    let matches = Cli::command().name(name).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            print_err(&format!("error: {err:#}"));
            ExitCode::FAILURE
        }
    }
}

/// prompt-diary: run Codex behind a neutral port, and record/replay its traffic.
#[derive(Debug, Parser)]
#[command(name = "prompt-diary", version, about)]
pub(crate) struct Cli {
    /// Show debug logs on stderr (`RUST_LOG` chooses finer filters).
    #[arg(long, short, global = true)]
    verbose: bool,
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a commented `prompt-diary.toml` (the project file: Codex pin, cassette folder, record
    /// command and mode, volatile and redaction rules) in the current folder; never overwrites.
    Init(super::init::Init),
    /// Install the project's pinned Codex CLI (`codex` in `prompt-diary.toml`, else this
    /// prompt-diary's own pin) at the project's root (`.prompt-diary/codex/<version>/` beside
    /// `prompt-diary.toml`) and print the binary's path. Does nothing if it is already there.
    InstallCodex(super::install::InstallCodex),
    /// Write DIR/codex, a link to the `prompt-diary-codex` stand-in, so that scripts calling
    /// `codex exec` with DIR first on `PATH` record and replay through it.
    InstallStandIn(super::stand_in::InstallStandIn),
    /// Run a session and record it into a cassette: `--script` drives the real Codex with the
    /// scripted local model, `--prompt` uses your own Codex configuration (live, never in CI).
    Record(super::record::Record),
    /// Replay a cassette offline through the Codex adapter and print the turn results; exits
    /// non-zero with the divergence report if the replay does not match.
    Replay(super::replay::Replay),
    /// Re-record cassettes offline on any Codex (`--codex-bin`, default the pinned one): the
    /// model's side is derived from the cassette and played by the scripted local model, the
    /// client's side is read back from it. No account, key or network. A cassette that changed is
    /// written beside it as `<name>.jsonl.new` (see `review`).
    Rerecord(super::rerecord::Rerecord),
    /// Move to another Codex (`--to VERSION` or `latest`) without an account: install it, compare
    /// its protocol schema with the project's pin's, re-record every cassette in DIR offline on
    /// it, and say what to review; `--accept` then accepts the re-recordings and moves the pin in
    /// `prompt-diary.toml` (creating a minimal one if the project has none).
    UpgradeCodex(super::upgrade::UpgradeCodex),
    /// Write a cassette as one self-contained HTML page (CSS and script inline, nothing fetched;
    /// opens from disk): conversations as lanes, turns as collapsible blocks, every event linked
    /// to its cassette line, a filter by kind and a search. Prints the page's path.
    View(super::view::View),
    /// Show the project's settings: the `prompt-diary.toml` found from `--dir` upwards, with
    /// the defaults filled in (`--json` for tools: the pytest plugin, the vitest helper).
    Project(super::project::Project),
    /// List the recorded `codex exec` runs of a cassette that a test never made (`--used` names
    /// the file where the stand-in noted the runs it replayed, `PROMPT_DIARY_USED_RUNS`).
    UnusedRuns(super::unused_runs::UnusedRuns),
    /// Show a cassette as a timeline: conversations, turns, prompts, events, files written.
    Inspect(super::inspect::Inspect),
    /// Check every cassette in a folder: it loads, is the current format, holds no secret, and
    /// matches the pinned Codex and its protocol schema. Lists pending `.new` re-recordings.
    Verify(super::verify::Verify),
    /// Show pending `.new` re-recordings as diffs against the committed cassettes.
    Review(super::review::Review),
    /// Replace committed cassettes with their pending `.new` re-recordings.
    Accept(super::accept::Accept),
    /// prompt-diary's own fixture tool: re-record this repository's committed cassettes
    /// (`cassettes/`) from the real Codex binary driven by the scripted model
    /// (`fixtures/scenarios/`). In your project, record a scenario with `record --script FILE`.
    RecordFixtures(super::record_fixtures::RecordFixtures),
    /// Serve a scripted-model scenario on loopback and print `CODEX_HOME=<folder>`, a Codex
    /// home that points the real Codex at it, until stdin closes (or run `-- COMMAND` with it
    /// set): a project's tests record through the stand-in against it, with no account. Fails if
    /// a reply was left unserved.
    ScriptedModel(super::scripted_model::ScriptedModelServe),
    /// The main job on an embedded default: the example generation workflow run against the
    /// real pinned Codex (installed first if missing) driven by the scripted local model while
    /// recording, then replayed offline; prints both sides with timings and the artifacts.
    Demo(super::demo::Demo),
}

/// Runs a parsed command line. An error comes back with its whole chain in one message whose
/// control characters are escaped like everything the command line prints (its text may be a
/// cassette's: a divergence report, a path).
fn run(cli: Cli) -> anyhow::Result<()> {
    init_logging(cli.verbose);
    dispatch(cli.command)
        .map_err(|err| anyhow::anyhow!(escape_controls(&error_text(&err)).into_owned()))
}

/// `err` and its causes, `: `-joined like `{err:#}`, leaving out a cause whose text the message
/// already says (an error that prints its source and also names it as its source).
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let said = cause.to_string();
        if text.is_empty() {
            text = said;
        } else if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
    }
    text
}

/// Hands `command` to its file's `run`. Every command but `init`, `project` and `unused-runs` (which read the
/// project file their own way) reads the project file first (`here()`): a bad one is an error,
/// whatever the command, also for those that need nothing of it.
fn dispatch(command: Command) -> anyhow::Result<()> {
    let here = Here::find;
    match command {
        Command::Init(args) => args.run(),
        Command::Project(args) => args.run(),
        Command::UnusedRuns(args) => args.run(),
        Command::InstallCodex(args) => args.run(&here()?),
        Command::InstallStandIn(args) => here().and_then(|_| args.run()),
        Command::Record(args) => runtime()?.block_on(args.run(&here()?)),
        Command::Replay(args) => runtime()?.block_on(args.run(&here()?)),
        Command::Rerecord(args) => runtime()?.block_on(args.run(&here()?)),
        Command::UpgradeCodex(args) => runtime()?.block_on(args.run(&here()?)),
        Command::View(args) => here().and_then(|_| args.run()),
        Command::Inspect(args) => args.run(&here()?),
        Command::Verify(args) => args.run(&here()?),
        Command::Review(args) => args.run(&here()?),
        Command::Accept(args) => args.run(&here()?),
        Command::RecordFixtures(args) => runtime()?.block_on(args.run(&here()?)),
        Command::Demo(args) => runtime()?.block_on(args.run(&here()?)),
        Command::ScriptedModel(args) => here().and_then(|_| runtime()?.block_on(args.run())),
    }
}

/// `tracing` logs on stderr: `RUST_LOG` when set, else debug logs of this crate with
/// `--verbose`, else warnings only.
fn init_logging(verbose: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ if verbose => EnvFilter::new("warn,prompt_diary=debug"),
        _ => EnvFilter::new("warn"),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(verbose)
        .try_init();
}

/// Writes `text` to stdout with its control characters other than newline and tab escaped
/// (`\u{1b}`: a cassette's text must not drive the terminal); a closed pipe (`prompt-diary review
/// | head`) is not an error. The command line prints through this and [`print_err`] only
/// (`tests/cli/untrusted.rs` holds `src/cli/` to it).
pub(super) fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out
        .write_all(escape_controls(text).as_bytes())
        .and_then(|()| out.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

/// [`print_out`] of `text` and a newline.
pub(super) fn print_line(text: &str) -> anyhow::Result<()> {
    print_out(&format!("{text}\n"))
}

/// Writes `text` and a newline to stderr, escaped as [`print_out`] does; a failed write is
/// ignored (stderr is where failures would be said).
pub(super) fn print_err(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", escape_controls(text));
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
