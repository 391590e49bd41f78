//! Opening the transport a session talks through, chosen from settings: a live Codex process,
//! a recording around one, or the replay of a cassette.
//!
//! This is the one place that decides; the adapter ([`crate::codex`]) and
//! the stand-in ([`crate::stand_in`]) both call [`open`] (or [`open_resolved`], [`record`]) and then talk to the
//! [`Connection`] through [`Transport`](crate::transport::Transport) without asking which one it
//! is. Replay resolves no binary and starts no process.

mod open;

pub(crate) use open::{
    ConnectError, Connection, Endpoint, open, open_resolved, record, resolve_flag,
};
