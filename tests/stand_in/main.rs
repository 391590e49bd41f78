//! The `prompt-diary-codex` stand-in (the shim): recording and replaying `codex app-server` and
//! `codex exec` through it, a killed recorder, and the official Python and TypeScript SDKs
//! through it. See `tests/README.md`.

#[path = "../support/sdk.rs"]
mod sdk;

mod python_sdk;
mod shim;
mod shim_exec;
mod shim_exec_safety;
mod ts_sdk;
