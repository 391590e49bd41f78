//! `prompt-diary unused-runs CASSETTE [--used FILE] [--json]`: the recorded `codex exec` runs of
//! a cassette that a test never made. The stand-in appends the number of each run it replays to
//! the file `PROMPT_DIARY_USED_RUNS` names; the pytest plugin and the npm helper pass that file
//! here after a test and fail the test when the list is not empty. An app-server cassette has
//! none to list (the stand-in reports a session's unused interactions itself).

use std::collections::BTreeSet;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::cassette::AnyCassette;

/// Arguments of `unused-runs`.
#[derive(Debug, Args)]
pub(crate) struct UnusedRuns {
    /// The cassette.
    cassette: PathBuf,
    /// The file the stand-in noted the replayed runs' numbers in (`PROMPT_DIARY_USED_RUNS`), one
    /// a line; a missing file means none was replayed.
    #[arg(long, value_name = "FILE")]
    used: Option<PathBuf>,
    /// Print a JSON object (`cassette`, `runs`, `unused`: `[{run, prompt}]`) instead of text.
    #[arg(long)]
    json: bool,
}

impl UnusedRuns {
    /// Prints the runs left unused, each with the first line of its prompt.
    pub(crate) fn run(self) -> anyhow::Result<()> {
        let prompts = match AnyCassette::load(&self.cassette, "record it first")? {
            AnyCassette::Exec(cassette) => cassette
                .invocations
                .iter()
                .map(|run| first_line_of_prompt(&run.call.stdin, &run.call.args))
                .collect(),
            // The stand-in reports a session's unused interactions itself.
            AnyCassette::AppServer(_) => Vec::new(),
        };
        let used: BTreeSet<usize> = match &self.used {
            Some(file) if file.exists() => std::fs::read_to_string(file)
                .map_err(|err| anyhow::anyhow!("could not read {}: {err}", file.display()))?
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect(),
            _ => BTreeSet::new(),
        };
        let unused: Vec<(usize, &String)> = prompts
            .iter()
            .enumerate()
            .map(|(index, prompt)| (index + 1, prompt))
            .filter(|(number, _)| !used.contains(number))
            .collect();
        if self.json {
            let value = json!({
                "cassette": self.cassette.display().to_string(),
                "runs": prompts.len(),
                "unused": unused.iter().map(|(run, prompt)| json!({"run": run, "prompt": prompt})).collect::<Vec<_>>(),
            });
            return super::print_line(&serde_json::to_string_pretty(&value)?);
        }
        let mut text = String::new();
        for (run, prompt) in unused {
            text.push_str(&format!("run {run}: {}\n", serde_json::to_string(prompt)?));
        }
        super::print_out(&text)
    }
}

/// The first line of a recorded run's prompt: its stdin, else its last argument (`codex exec
/// "PROMPT"`; `-` or nothing means the prompt came on stdin).
fn first_line_of_prompt(stdin: &str, args: &[String]) -> String {
    let last = args.last().map_or("", String::as_str);
    let text = if !stdin.trim().is_empty() || last.is_empty() || last == "-" {
        stdin
    } else {
        last
    };
    text.split('\n').next().unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use super::first_line_of_prompt;

    #[test]
    fn the_prompt_is_stdin_else_the_last_argument() {
        let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            first_line_of_prompt("", &args(&["exec", "Write a\nb"])),
            "Write a"
        );
        assert_eq!(
            first_line_of_prompt("from stdin\nmore", &args(&["exec", "-"])),
            "from stdin"
        );
        assert_eq!(first_line_of_prompt(" ", &args(&["exec", "-"])), " ");
        assert_eq!(first_line_of_prompt("", &[]), "");
    }
}
