//! One thread's inbox: a bounded channel from the session task to the runner, with a bounded
//! backlog in front of it so one slow thread never holds up the others.

use std::collections::VecDeque;

use serde_json::Value;
use tokio::sync::mpsc;

use crate::transport::RequestId;

/// How many events wait in a thread's channel for its runner.
pub(crate) const INBOX_CAPACITY: usize = 256;

/// How many events may wait behind full inboxes, across all threads, before the session stops
/// reading the transport (the server then blocks on its own output: backpressure, nothing lost).
pub(crate) const BACKLOG_CAPACITY: usize = 4096;

/// Something that arrived for one thread.
#[derive(Debug, Clone)]
pub enum ThreadEvent {
    /// A notification (`item/completed`, `turn/completed`, `error`, ...).
    Notification {
        /// Its method.
        method: String,
        /// Its params.
        params: Value,
    },
    /// A request from the server that must be answered with
    /// [`RpcSession::respond`](super::RpcSession::respond).
    ServerRequest {
        /// The server's id for it.
        id: RequestId,
        /// Its method.
        method: String,
        /// Its params.
        params: Value,
    },
}

/// The receiving end of one thread's events. `None` from `recv` means the session ended; ask
/// [`RpcSession::failure`](super::RpcSession::failure) why.
pub(crate) type ThreadInbox = mpsc::Receiver<ThreadEvent>;

/// The session task's end of one thread's inbox: a bounded channel, and a backlog for what does
/// not fit yet.
pub(crate) struct Inbox {
    tx: mpsc::Sender<ThreadEvent>,
    /// The notification methods delivered, when not all are.
    only: Option<&'static [&'static str]>,
    /// Events that did not fit in the channel yet, oldest first.
    backlog: VecDeque<ThreadEvent>,
}

/// What delivering an event did.
pub(crate) enum Delivered {
    /// In the channel, or waiting in the backlog.
    Queued,
    /// Not wanted (filtered by [`Inbox::only`]).
    Dropped,
    /// The runner is gone: the event comes back (a server request still needs an answer).
    Closed(ThreadEvent),
}

impl Inbox {
    /// A new inbox and the runner's receiving end.
    pub(crate) fn open() -> (Self, ThreadInbox) {
        let (tx, rx) = mpsc::channel(INBOX_CAPACITY);
        let inbox = Self {
            tx,
            only: None,
            backlog: VecDeque::new(),
        };
        (inbox, rx)
    }

    /// Delivers only notifications of these methods from now on.
    pub(crate) fn only(&mut self, methods: &'static [&'static str]) {
        self.only = Some(methods);
    }

    /// Hands `event` to the runner, in order behind any backlog; it waits in the backlog while
    /// the channel is full.
    pub(crate) fn deliver(&mut self, event: ThreadEvent) -> Delivered {
        if let ThreadEvent::Notification { method, .. } = &event {
            if self
                .only
                .is_some_and(|only| !only.contains(&method.as_str()))
            {
                return Delivered::Dropped;
            }
        }
        if !self.backlog.is_empty() {
            if self.tx.is_closed() {
                return Delivered::Closed(event);
            }
            self.backlog.push_back(event);
            return Delivered::Queued;
        }
        match self.tx.try_send(event) {
            Ok(()) => Delivered::Queued,
            Err(mpsc::error::TrySendError::Full(event)) => {
                self.backlog.push_back(event);
                Delivered::Queued
            }
            Err(mpsc::error::TrySendError::Closed(event)) => Delivered::Closed(event),
        }
    }

    /// Moves what fits from the backlog into the channel; returns how many moved. A closed
    /// channel gives back its backlog (server requests in it still need answers).
    pub(crate) fn flush(&mut self, returned: &mut Vec<ThreadEvent>) -> usize {
        let mut moved = 0;
        while let Some(event) = self.backlog.pop_front() {
            match self.tx.try_send(event) {
                Ok(()) => moved += 1,
                Err(mpsc::error::TrySendError::Full(event)) => {
                    self.backlog.push_front(event);
                    break;
                }
                Err(mpsc::error::TrySendError::Closed(event)) => {
                    returned.push(event);
                    returned.extend(self.backlog.drain(..));
                    break;
                }
            }
        }
        moved
    }

    /// How many events wait in the backlog.
    pub(crate) fn backlog_len(&self) -> usize {
        self.backlog.len()
    }

    /// Resolves when the channel has room again (or its runner is gone).
    pub(crate) async fn room(&self) {
        if let Ok(permit) = self.tx.reserve().await {
            drop(permit);
        }
    }
}
