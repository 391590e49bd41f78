//! What the model's tasks share: the scripts as they are consumed, the request log, the errors,
//! and the signals (arrivals, stall releases, shutdown).

use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::{Notify, watch};

use crate::routing::RecordedRequest;
use crate::scenario::{Scripts, Streaming};

/// The mutable part, behind one lock.
#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) scripts: Scripts,
    pub(super) requests: Vec<RecordedRequest>,
    pub(super) errors: Vec<String>,
}

/// Shared by the [`ScriptedModel`](crate::ScriptedModel) handle and every task it runs.
pub(super) struct Shared {
    pub(super) state: Mutex<State>,
    /// Whether recorded requests keep their bodies.
    pub(super) keep_bodies: AtomicBool,
    /// Notified whenever a request has been routed.
    pub(super) arrived: Notify,
    /// Bumped to end every stall so far.
    pub(super) stalls: watch::Sender<u64>,
    /// Set to stop the accept loop and every connection.
    pub(super) shutdown: watch::Sender<bool>,
    /// How responses stream.
    pub(super) stream: Streaming,
}

impl Shared {
    pub(super) fn new(scripts: Scripts, stream: Streaming) -> Self {
        Self {
            state: Mutex::new(State {
                scripts,
                ..State::default()
            }),
            keep_bodies: AtomicBool::new(true),
            arrived: Notify::new(),
            stalls: watch::channel(0).0,
            shutdown: watch::channel(false).0,
            stream,
        }
    }

    /// The state; a lock poisoned by a panicking task is still usable (the state stays
    /// consistent between statements).
    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a request the model could not serve.
    pub(super) fn error(&self, message: String) {
        tracing::warn!("scripted model: {message}");
        self.lock().errors.push(message);
    }
}
