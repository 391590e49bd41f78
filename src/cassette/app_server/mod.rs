//! App-server cassettes: one recorded `codex app-server` session (JSON-RPC both ways), grouped by
//! role: the file ([`format`]), recording it ([`record`]: the recorder and the recording
//! transport), replaying it ([`replay`]: the replayer and the replay transport), `new_episodes`
//! ([`episodes`]: replay what it holds, record what it lacks, append), and the readings of it for
//! people ([`read`]: the timeline, the change by meaning).

pub(crate) mod episodes;
pub(crate) mod format;
pub(crate) mod read;
pub(crate) mod record;
pub(crate) mod replay;
pub(crate) mod request_ids;
