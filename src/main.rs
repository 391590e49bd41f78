//! The `prompt-diary` binary: see [`prompt_diary::cli`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = prompt_diary::cli::Cli::parse();
    match prompt_diary::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
