//! The `prompt-diary` binary: see [`prompt_diary::cli`].

fn main() -> std::process::ExitCode {
    prompt_diary::cli::main("prompt-diary")
}
