//! A drop-in `codex` stand-in: any Codex client that launches `codex app-server` on stdio can
//! launch this instead, and its session is recorded to, or replayed from, a cassette.
//!
//! Configured by environment, because clients pass their environment to the child:
//! - `PROMPT_DIARY_CASSETTE`: the cassette file (required);
//! - `PROMPT_DIARY_CASSETTE_MODE`: `replay` (default), `record` or `auto`;
//! - `PROMPT_DIARY_CODEX_BIN`: the real Codex used when recording (else the usual resolution).
//!
//! Recording spawns the real Codex with the same arguments and passes traffic through unchanged,
//! through the library's recording transport. Replay serves
//! the cassette through [`ReplayTransport`](crate::cassette::ReplayTransport), both opened by
//! the crate's transport opener (`connect`): a divergence is reported on stderr and as a JSON-RPC error to the request
//! that diverged, and the shim exits non-zero.

mod args;
mod pump;
mod run;

pub use args::UnsupportedArgs;
pub use run::{CASSETTE_ENV, ShimError, run};
