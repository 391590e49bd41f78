//! The `prompt-diary` command line under the Python wheel's name (feature `python-wheel`).
//! PyPI's unrelated `prompt-diary` package installs a `prompt-diary` console script, so the wheel
//! (`python/pyproject.toml`) ships this binary instead of `prompt-diary`, and the two packages
//! install side by side. Same commands as [`prompt_diary::cli`].

use clap::{CommandFactory as _, FromArgMatches as _};

fn main() -> std::process::ExitCode {
    let matches = prompt_diary::cli::Cli::command()
        .name("prompt-diary-cassettes")
        .get_matches();
    let cli = match prompt_diary::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match prompt_diary::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
