//! `prompt-diary-codex`: a drop-in for `codex app-server` that records to or replays from a
//! cassette. Point a Codex client's binary path at it; see [`prompt_diary::stand_in`].

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("prompt-diary stand-in: could not start a tokio runtime: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    let code = runtime.block_on(prompt_diary::stand_in::run(args));
    // The stdin reader may still be blocked in a read when the stand-in stops early.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
