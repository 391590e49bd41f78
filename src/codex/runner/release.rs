//! Releasing a conversation ([`AgentRunner::close`](crate::agent::AgentRunner::close)):
//! `thread/unsubscribe`, then the app-server's `thread/closed` for that thread, both within the
//! backend's control-request bound
//! ([`CodexBackendConfig::request_timeout`](crate::codex::CodexBackendConfig::request_timeout),
//! 30 s by default).
//!
//! Codex 0.171.0 unloads an unsubscribed thread once its unload delay has passed (0 s here: every
//! backend starts with `thread_unload_delay_secs=0`, see
//! [`CodexBackendConfig::app_server_args`](crate::codex::CodexBackendConfig::app_server_args))
//! and then sends `thread/status/changed` (`notLoaded`) and `thread/closed` to the client that
//! unsubscribed, after which `thread/loaded/list` no longer lists it. Waiting for that
//! notification, rather than polling `thread/loaded/list`, keeps the traffic the same on every
//! run: a recorded close replays message for message, and nothing sleeps.

use tokio::time::Instant;

use super::{CodexAgentRunner, Conversation, next_event};
use crate::agent::AgentError;
use crate::codex::CodexBackend;
use crate::codex::backend::session_error;
use crate::codex::rpc::protocol::methods;
use crate::codex::rpc::requests::{ThreadRefParams, ThreadUnsubscribe};
use crate::codex::rpc::{ThreadEvent, server_requests};

impl CodexAgentRunner {
    /// Releases the conversation; see [`AgentRunner::close`](crate::agent::AgentRunner::close).
    pub(super) async fn release(&mut self) -> Result<(), AgentError> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        if self.thread.is_none() {
            return Ok(());
        }
        // A stopped backend took its conversations with it: nothing is left to release.
        if self.backend.is_shut_down() || self.backend.invalid_reason().is_some() {
            return Ok(());
        }
        if self.unsettled.is_some() {
            // An abandoned turn is interrupted and settled first (or the backend is invalidated).
            Box::pin(self.settle(None)).await?;
        }
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        release_thread(&self.backend, thread).await
    }
}

/// Unsubscribes from `thread` and waits for the app-server to unload it. A release that is not
/// confirmed within the backend's request bound invalidates the backend.
async fn release_thread(
    backend: &CodexBackend,
    mut thread: Conversation,
) -> Result<(), AgentError> {
    let session = backend.session().clone();
    let bound = backend.config().request_timeout;
    let deadline = Instant::now() + bound;
    let params = ThreadRefParams {
        thread_id: thread.id.clone(),
    };
    let outcome = match session.call::<ThreadUnsubscribe>(&params, bound).await {
        // Already gone from memory: nothing more will come.
        Ok(answer) if answer.status == "notLoaded" => Ok(()),
        Ok(_) => wait_closed(backend, &mut thread, deadline).await,
        Err(err) => Err(format!("`thread/unsubscribe` got no usable answer: {err}")),
    };
    session.forget_thread(&thread.id);
    match outcome {
        Ok(()) => Ok(()),
        Err(_) if session.failure().is_some() => Err(session
            .failure()
            .map(|err| session_error(err, "releasing the conversation (thread/unsubscribe)"))
            .unwrap_or(AgentError::ShutDown)),
        Err(why) => {
            let reason =
                format!("the release of a conversation was not confirmed within {bound:?} ({why})");
            Err(backend.invalidate(reason).await)
        }
    }
}

/// Waits for `thread/closed` on the thread's inbox until `deadline`, answering any server request
/// that still arrives fail-closed.
async fn wait_closed(
    backend: &CodexBackend,
    thread: &mut Conversation,
    deadline: Instant,
) -> Result<(), String> {
    let session = backend.session();
    loop {
        match next_event(&mut thread.inbox, session, deadline).await {
            Ok(Some(ThreadEvent::Notification { method, .. }))
                if method == methods::THREAD_CLOSED =>
            {
                return Ok(());
            }
            Ok(Some(ThreadEvent::Notification { .. })) => {}
            Ok(Some(ThreadEvent::ServerRequest { id, method, params })) => {
                let answer = server_requests::fail_closed(&method, &params);
                let _ = session.respond(id, answer).await;
            }
            Ok(None) => return Err("the conversation's event stream ended".to_owned()),
            Err(_) => {
                return Err(
                    "the app-server never sent `thread/closed`: is `thread_unload_delay_secs` \
                     overridden?"
                        .to_owned(),
                );
            }
        }
    }
}
