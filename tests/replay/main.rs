//! The offline replay tier: cassettes written, loaded and replayed through the public adapter
//! with no Codex binary, no network and no key. CI runs this binary a second time with no Codex
//! reachable (`.ci/run`) to prove it. One module per former test file; see `tests/README.md`.

// The command line's fixture tooling (not public): this tier compiles the same folder.
#[allow(
    dead_code,
    unused_imports,
    reason = "the command line's fixture tooling, shared by source: this tier uses part of it"
)]
#[path = "../../src/cli/fixtures/mod.rs"]
mod fixtures;

mod blocking_api;
mod cassette_errors;
mod cassette_fuzz;
mod cassette_replay;
mod generate_replay;
mod hardening_paths;
mod hardening_secrets;
mod project_rules;
mod replay_any_cassette;
mod replay_engine;
mod typed_errors;
