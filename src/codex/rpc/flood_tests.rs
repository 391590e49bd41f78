//! A server that floods one slow thread: the session's queues stay bounded (the server is held
//! back instead), and every event still arrives, in order.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::inbox::{BACKLOG_CAPACITY, INBOX_CAPACITY};
use super::{RpcSession, ThreadEvent};
use crate::transport::{
    Diagnostics, Message, MessageKind, Playback, RequestId, Transport, TransportError,
};

const FLOOD: usize = 100_000;

/// Answers `thread/start` with thread `t`, then has `FLOOD` notifications for it, made only when
/// the session reads them (so `produced` is what the session has taken in).
struct Flood {
    answer: Option<RequestId>,
    started: bool,
    produced: Arc<AtomicUsize>,
}

impl Flood {
    fn next(&mut self) -> Option<Message> {
        if let Some(id) = self.answer.take() {
            return Some(Message::response(id, json!({"thread": {"id": "t"}})));
        }
        let seq = self.produced.load(Ordering::SeqCst);
        if !self.started || seq == FLOOD {
            return None;
        }
        self.produced.store(seq + 1, Ordering::SeqCst);
        Some(Message::notification(
            "item/completed",
            Some(json!({"threadId": "t", "seq": seq})),
        ))
    }
}

#[async_trait]
impl Transport for Flood {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        if message.kind() == MessageKind::Request && message.method() == Some("thread/start") {
            self.answer = message.id();
            self.started = true;
        }
        Ok(())
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        match self.next() {
            Some(message) => Ok(Some(message)),
            None => std::future::pending().await,
        }
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    fn diagnostics(&self) -> Diagnostics {
        Diagnostics::new()
    }

    fn playback(&mut self) -> Option<&mut dyn Playback> {
        Some(self)
    }
}

/// A burst buffered at once, as a replay's is.
impl Playback for Flood {
    fn ready(&mut self) -> Option<Message> {
        self.next()
    }

    fn deliver_only(&mut self, _thread_id: &str, _methods: &'static [&'static str]) {}

    fn awaiting_client(&self) -> bool {
        false
    }
}

fn thread_id(result: &Value) -> Option<String> {
    Some(result.get("thread")?.get("id")?.as_str()?.to_owned())
}

#[tokio::test]
async fn a_flood_for_a_slow_runner_is_held_back_and_nothing_is_lost() {
    let produced = Arc::new(AtomicUsize::new(0));
    let session = RpcSession::start(Flood {
        answer: None,
        started: false,
        produced: Arc::clone(&produced),
    });
    let (_, mut inbox) = session
        .request_routed(
            "thread/start",
            json!({}),
            thread_id,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    // The most events the session may hold for one thread: its channel, the backlog, and the
    // one message in hand when the backlog filled.
    let bound = INBOX_CAPACITY + BACKLOG_CAPACITY + 1;
    let mut most_waiting = 0;
    for expected in 0..FLOOD {
        // A slow runner: it lets the session run before every event it takes.
        tokio::task::yield_now().await;
        let waiting = produced.load(Ordering::SeqCst) - expected;
        most_waiting = most_waiting.max(waiting);
        assert!(
            waiting <= bound,
            "{waiting} events wait for the runner after {expected} taken; the cap is {bound}"
        );
        match inbox.recv().await {
            Some(ThreadEvent::Notification { method, params }) => {
                assert_eq!(method, "item/completed");
                assert_eq!(params["seq"], json!(expected), "events arrive in order");
            }
            other => panic!("event {expected}: {other:?}"),
        }
    }
    assert_eq!(produced.load(Ordering::SeqCst), FLOOD);
    assert!(
        most_waiting > INBOX_CAPACITY,
        "the runner was never behind by more than its channel ({most_waiting}): the backlog was not exercised"
    );
    session.close().await.unwrap();
}
