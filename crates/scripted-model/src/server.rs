//! The [`ScriptedModel`] handle: starting the server, what it saw, stalls, shutdown, and the
//! check on drop.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::connection::serve;
use crate::routing::RecordedRequest;
use crate::scenario::{Scenario, Scripts};
use crate::state::Shared;
use crate::verify::{Expectations, ScenarioMismatch};

/// A running scripted model on `127.0.0.1`.
///
/// Dropping it stops it (the port closes and every connection, stalled or not, is dropped) and
/// **verifies** it, as wiremock's `MockServer` does: when a scripted reply was never served or
/// a request could not be answered, the drop panics with a [`ScenarioMismatch`] message naming
/// the scenario and what was left, unless the thread is already panicking. A test that stops
/// early on purpose says so with [`expect_all_served(false)`](Self::expect_all_served) (and one
/// that sends unscripted requests on purpose with
/// [`expect_no_errors(false)`](Self::expect_no_errors)); library code that must not panic ends
/// the model with [`finish`](Self::finish), which returns the mismatch instead.
///
/// The check runs on the thread that drops the model: drop it in the test's own task, not in a
/// spawned one whose panic nobody joins.
pub struct ScriptedModel {
    shared: Arc<Shared>,
    port: u16,
    name: String,
    accept: Option<JoinHandle<()>>,
    expectations: Expectations,
    /// Off once [`finish`](Self::finish) has reported the verification instead.
    verify_on_drop: bool,
}

impl ScriptedModel {
    /// Starts serving `scenario` on 127.0.0.1 at a free port. Needs a Tokio runtime.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(scenario: Scenario) -> std::io::Result<ScriptedModel> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared::new(
            Scripts::new(scenario.conversations),
            scenario.stream,
        ));
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Self {
            shared,
            port,
            name: scenario.name,
            accept: Some(accept),
            expectations: Expectations::default(),
            verify_on_drop: true,
        })
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base URL to configure as the provider's `base_url`: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Whether [`requests`](Self::requests) keeps request bodies (on by default; off, bodies are
    /// recorded as `null`). Long soaks turn it off so the log does not grow with every
    /// conversation's history. Routing is unaffected.
    pub fn keep_request_bodies(&self, keep: bool) {
        self.shared.keep_bodies.store(keep, Ordering::Relaxed);
    }

    /// Whether [`verify`](Self::verify), [`finish`](Self::finish) and the check on drop require
    /// every scripted reply to have been served (on by default).
    ///
    /// Turn it off in a test that stops the client early on purpose (a timeout, a stall that is
    /// never released, a killed backend), with a comment saying why; requests the script could
    /// not answer are still checked (see [`expect_no_errors`](Self::expect_no_errors)).
    ///
    /// ```no_run
    /// # async fn demo(scenario: prompt_diary_scripted_model::Scenario) -> std::io::Result<()> {
    /// use prompt_diary_scripted_model::ScriptedModel;
    /// let model = ScriptedModel::start(scenario).await?;
    /// // The test kills the backend before the last turn: its replies stay unserved.
    /// model.expect_all_served(false);
    /// # Ok(()) }
    /// ```
    pub fn expect_all_served(&self, expect: bool) {
        self.expectations.set_all_served(expect);
    }

    /// Whether [`verify`](Self::verify), [`finish`](Self::finish) and the check on drop require
    /// that every request was answered from the script, that is, that [`errors`](Self::errors)
    /// is empty (on by default).
    ///
    /// Turn it off in a test that sends unscripted or malformed requests on purpose (to see the
    /// model refuse them), with a comment saying why.
    pub fn expect_no_errors(&self, expect: bool) {
        self.expectations.set_no_errors(expect);
    }

    /// Turns the check on drop off, for library code: a product path (re-recording, the demo)
    /// that returns early with an error drops the model without a panic, and ends the model it
    /// keeps with [`finish`](Self::finish), which returns the mismatch instead.
    #[must_use]
    pub fn without_drop_check(mut self) -> Self {
        self.verify_on_drop = false;
        self
    }

    /// Every `POST …/responses` routed to a conversation, in arrival order (including those
    /// answered with a scripted or script-exhausted error). Requests no script matched appear
    /// only in [`errors`](Self::errors).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The scripted replies never served, one line each (e.g.
    /// `conversation 1 (match "B"), reply 2 of 2: message "done"`); empty when every reply was
    /// consumed.
    pub fn unused_replies(&self) -> Vec<String> {
        self.shared.lock().scripts.unused()
    }

    /// The requests it could not serve, one explanation each: no script matched, a script ran
    /// out of replies, or the HTTP request was malformed, too large or compressed.
    pub fn errors(&self) -> Vec<String> {
        self.shared.lock().errors.clone()
    }

    /// Checks, now, that the client followed the scenario as far as expected: every scripted
    /// reply served (unless [`expect_all_served(false)`](Self::expect_all_served)) and no
    /// request left unanswered (unless [`expect_no_errors(false)`](Self::expect_no_errors)).
    ///
    /// # Errors
    /// A [`ScenarioMismatch`] naming the scenario, the unserved replies and the unanswered
    /// requests.
    pub fn verify(&self) -> Result<(), ScenarioMismatch> {
        let (unused, errors) = {
            let state = self.shared.lock();
            (state.scripts.unused(), state.errors.clone())
        };
        self.expectations.check(&self.name, unused, errors)
    }

    /// Waits until at least `count` requests have been routed (see [`requests`](Self::requests)),
    /// up to `timeout`.
    ///
    /// # Errors
    /// A message saying how many arrived, when the time runs out first.
    pub async fn wait_for_requests(&self, count: usize, timeout: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            let seen = self.shared.lock().requests.len();
            if seen >= count {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(format!(
                    "only {seen} of {count} model requests reached the scripted model within \
                     {timeout:?}"
                ));
            }
        }
    }

    /// Ends every stream stalled so far by a [`Reply::Stall`](crate::Reply::Stall): their
    /// connections close, which the client sees as a stream that ended before
    /// `response.completed`.
    pub fn release_stalls(&self) {
        self.shared
            .stalls
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// Stops listening, drops every connection (stalled ones included), and waits until every
    /// task of the model has ended; then verifies it as a drop does.
    ///
    /// # Panics
    /// As a drop does: when [`verify`](Self::verify) fails and the thread is not already
    /// panicking. Use [`finish`](Self::finish) to get the mismatch as an error instead.
    pub async fn shutdown(mut self) {
        self.stop().await;
        // Dropping `self` now runs the check.
    }

    /// Stops the model as [`shutdown`](Self::shutdown) does, then returns the verification
    /// instead of panicking: the end of a model in library code (recording fixtures, the demo),
    /// where a scenario the client did not follow is an error to report.
    ///
    /// ```no_run
    /// # async fn demo(scenario: prompt_diary_scripted_model::Scenario) -> Result<(), Box<dyn std::error::Error>> {
    /// use prompt_diary_scripted_model::ScriptedModel;
    /// let model = ScriptedModel::start(scenario).await?;
    /// // ... run the client against model.base_url() ...
    /// model.finish().await?; // every reply served, every request answered
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A [`ScenarioMismatch`], as from [`verify`](Self::verify).
    pub async fn finish(mut self) -> Result<(), ScenarioMismatch> {
        self.stop().await;
        self.verify_on_drop = false;
        self.verify()
    }

    /// Signals shutdown and waits for the accept loop (which ends every connection).
    async fn stop(&mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }
}

impl Drop for ScriptedModel {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
        // Aborting the accept task drops its JoinSet, which aborts every connection task.
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        // A second panic while unwinding would abort the process and hide the first failure.
        if self.verify_on_drop && !std::thread::panicking() {
            if let Err(mismatch) = self.verify() {
                panic!("{mismatch}");
            }
        }
    }
}

impl std::fmt::Debug for ScriptedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedModel")
            .field("name", &self.name)
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

/// Accepts connections until shutdown, one task per connection; at shutdown, ends them all.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        return;
    }
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve(stream, Arc::clone(&shared)));
                }
                Err(err) => {
                    tracing::warn!("scripted model: accept failed: {err}");
                    // E.g. out of file descriptors: don't spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            // `Err`: every sender is gone, which also means stop.
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
        }
    }
    drop(listener);
    connections.shutdown().await;
}
