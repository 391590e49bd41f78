//! Exec cassettes: the `codex exec` runs of one thread (a first run, then its `resume` runs),
//! recorded and replayed run by run by the stand-in (which finds a run and plays it with
//! [`play::play`]), and read by people (`ExecStory`).

pub(crate) mod call;
pub(crate) mod format;
pub(crate) mod play;
pub(crate) mod recorder;
pub(crate) mod replayer;
#[cfg(feature = "rerecord")]
pub(crate) mod story;
