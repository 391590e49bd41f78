//! App-server cassettes: one recorded `codex app-server` session (JSON-RPC both ways), its
//! recorder and recording transport, its replayer and replay transport, and the readings of it
//! for people (the timeline, the change by meaning).

pub(crate) mod episodes;
pub(crate) mod episodes_append;
pub(crate) mod format;
mod history;
pub(crate) mod meaning;
mod order;
pub(crate) mod recorder;
pub(crate) mod recording;
pub(crate) mod replay;
mod replay_conv;
pub(crate) mod replayer;
pub(crate) mod request_ids;
mod shape;
pub(crate) mod timeline;
mod timeline_text;
