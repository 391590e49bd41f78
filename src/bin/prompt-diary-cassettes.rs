//! The `prompt-diary` command line under the Python wheel's name (feature `python-wheel`).
//! PyPI's unrelated `prompt-diary` package installs a `prompt-diary` console script, so the wheel
//! (`python/pyproject.toml`) ships this binary instead of `prompt-diary`, and the two packages
//! install side by side. Same commands as [`prompt_diary::cli`].

fn main() -> std::process::ExitCode {
    prompt_diary::cli::main("prompt-diary-cassettes")
}
