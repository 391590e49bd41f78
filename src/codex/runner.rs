//! [`CodexAgentRunner`]: one conversation (one app-server thread) on a [`CodexBackend`].

use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::time::Instant;

mod release;

use super::CodexBackend;
use super::CodexBackendConfig;
use super::backend::session_error;
use super::events::{self, TurnState, finish, fold_notification};
use crate::agent::{
    AgentConfig, AgentError, AgentRunner, AgentTurnEvent, AgentTurnResult, TurnOptions,
};
use crate::codex::rpc::protocol::{self, methods};
use crate::codex::rpc::requests::{
    ThreadStart, ThreadStartParams, TurnInterrupt, TurnInterruptParams, TurnStart, TurnStartParams,
    UserInput, started_thread_id,
};
use crate::codex::rpc::{
    ApprovalDecision, RpcSession, SessionError, ThreadEvent, ThreadInbox, server_requests,
};

/// How long an interrupted or abandoned turn may take to settle.
pub(super) const SETTLE_GRACE: Duration = Duration::from_secs(5);

/// One conversation with Codex. The first turn starts an app-server thread; later turns continue
/// it. Built by [`CodexAgentSessionFactory`](super::CodexAgentSessionFactory) or directly with
/// [`CodexAgentRunner::new`].
///
/// [`close`](AgentRunner::close) releases the thread (`thread/unsubscribe`, then waits for the
/// app-server's `thread/closed`). Dropping the runner without closing it only stops routing its
/// messages: the thread stays loaded in the app-server until the backend stops, because a
/// release sent from `Drop` could not be awaited and would race the backend's shutdown (a
/// recorded session would then depend on timing).
pub struct CodexAgentRunner {
    backend: CodexBackend,
    config: AgentConfig,
    approvals: ApprovalDecision,
    thread: Option<Conversation>,
    /// Set while a turn is in flight. Still set at the next turn if the last turn's future was
    /// dropped; that turn is then settled first.
    unsettled: Option<Unsettled>,
    /// Set by [`AgentRunner::close`]: no more turns.
    closed: bool,
}

struct Conversation {
    id: String,
    inbox: ThreadInbox,
}

#[derive(Debug, Clone, Default)]
struct Unsettled {
    /// The turn id, once known.
    turn_id: Option<String>,
}

impl CodexAgentRunner {
    /// A conversation on `backend` with `config`. Nothing is sent until the first turn.
    pub fn new(backend: CodexBackend, config: AgentConfig) -> Self {
        Self {
            backend,
            config,
            approvals: ApprovalDecision::Decline,
            thread: None,
            unsettled: None,
            closed: false,
        }
    }

    /// How this runner answers approval requests (fail-closed [`ApprovalDecision::Decline`] by
    /// default). Every answer shows as an `approval` event.
    pub fn with_approvals(mut self, decision: ApprovalDecision) -> Self {
        self.approvals = decision;
        self
    }

    /// The conversation's configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    fn check_open(&self) -> Result<(), AgentError> {
        if self.closed {
            return Err(AgentError::RunnerClosed);
        }
        if let Some(err) = self.backend.invalid_error() {
            return Err(err);
        }
        if self.backend.is_shut_down() {
            return Err(AgentError::ShutDown);
        }
        match self.backend.session().failure() {
            Some(err) => Err(session_error(err, "starting a turn")),
            None => Ok(()),
        }
    }

    fn request_timeout(&self) -> Duration {
        self.backend.config().request_timeout
    }

    async fn ensure_thread(&mut self) -> Result<(), AgentError> {
        if self.thread.is_some() {
            return Ok(());
        }
        self.config.validate()?;
        check_mcp_tools(&self.config, self.backend.config())?;
        let config = &self.config;
        let params = ThreadStartParams {
            cwd: config.working_directory.display().to_string(),
            model: config.model.clone(),
            model_provider: config.model_provider.clone(),
            approval_policy: config.approval_mode.map(|m| m.as_str().to_owned()),
            sandbox: config.sandbox.map(|s| s.as_str().to_owned()),
            base_instructions: config.base_instructions.clone(),
            developer_instructions: config.developer_instructions.clone(),
            personality: config.personality.map(|p| p.as_str().to_owned()),
            config: thread_config(config),
        };
        let (started, inbox) = self
            .backend
            .session()
            .call_routed::<ThreadStart>(&params, started_thread_id, self.request_timeout())
            .await
            .map_err(|err| session_error(err, "starting the conversation (thread/start)"))?;
        let id = started.thread.id;
        // Status, token-usage and streamed-delta notifications are dropped in the session.
        self.backend
            .session()
            .deliver_only(&id, FOLDED_NOTIFICATIONS);
        self.thread = Some(Conversation { id, inbox });
        Ok(())
    }

    /// Answers a server request the way this runner is configured to, and describes it.
    async fn answer_server_request(
        &self,
        id: crate::transport::RequestId,
        method: &str,
        params: &Value,
    ) -> AgentTurnEvent {
        let approval = server_requests::is_approval(method);
        let answer = server_requests::answer(method, params, self.approvals);
        if let Err(err) = self.backend.session().respond(id, answer).await {
            tracing::debug!("could not answer {method}: {err}");
        }
        events::server_request_event(method, params, self.approvals, approval)
    }

    /// Settles a turn that was abandoned or whose interrupt did not finish: interrupts it if it
    /// is known and drains this thread's inbox until it completes, within [`SETTLE_GRACE`]. If it
    /// does not, the backend is invalidated; `cause` (why the turn is being settled) opens the
    /// reason.
    async fn settle(&mut self, cause: Option<String>) -> Result<(), AgentError> {
        let Some(mut unsettled) = self.unsettled.take() else {
            return Ok(());
        };
        let Some(thread) = self.thread.as_mut() else {
            return Ok(());
        };
        let session = self.backend.session().clone();
        let deadline = Instant::now() + SETTLE_GRACE;
        let mut interrupted = false;
        loop {
            if let (Some(turn_id), false) = (&unsettled.turn_id, interrupted) {
                interrupted = true;
                let params = TurnInterruptParams {
                    thread_id: thread.id.clone(),
                    turn_id: turn_id.clone(),
                };
                let budget = deadline.saturating_duration_since(Instant::now());
                // Interrupting a turn that already ended may never be answered: bounded, and
                // the outcome does not matter (turn/completed decides).
                let _ =
                    tokio::time::timeout(budget, session.call::<TurnInterrupt>(&params, budget))
                        .await;
            }
            let next = match next_event(&mut thread.inbox, &session, deadline).await {
                Ok(Some(event)) => event,
                Ok(None) => return Err(self.gone("settling an earlier turn")),
                Err(_) if unsettled.turn_id.is_none() => {
                    // `turn/start` was sent but no turn ever showed up: it was refused.
                    return Ok(());
                }
                Err(_) => {
                    // Not settled: the backend's state is unknown, so it is not reused.
                    let reason = format!(
                        "{}a turn did not finish within {SETTLE_GRACE:?} of being interrupted \
                         (turn/interrupt was not confirmed by turn/completed)",
                        cause.map(|c| format!("{c}, and ")).unwrap_or_default()
                    );
                    return Err(self.backend.invalidate(reason).await);
                }
            };
            match next {
                ThreadEvent::ServerRequest { id, method, params } => {
                    let answer = server_requests::fail_closed(&method, &params);
                    let _ = session.respond(id, answer).await;
                }
                ThreadEvent::Notification { method, params } => {
                    if method == methods::TURN_STARTED && unsettled.turn_id.is_none() {
                        unsettled.turn_id = protocol::turn_id_of(&params).map(str::to_owned);
                    } else if method == methods::TURN_COMPLETED {
                        let done = protocol::turn_id_of(&params);
                        if unsettled.turn_id.is_none() || done == unsettled.turn_id.as_deref() {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }

    fn gone(&self, context: &str) -> AgentError {
        match self.backend.session().failure() {
            Some(err) => session_error(err, context),
            None if self.backend.is_shut_down() => AgentError::ShutDown,
            None => AgentError::Protocol {
                message: format!("the conversation's event stream ended while {context}"),
            },
        }
    }

    async fn run_turn(
        &mut self,
        prompt: &str,
        options: TurnOptions,
    ) -> Result<AgentTurnResult, AgentError> {
        let deadline = Instant::now() + options.timeout;
        self.check_open()?;
        // Steps off the common path, and the request below, are boxed so that each turn's own
        // future stays under 1 KiB: bigger allocations make the system allocator consolidate
        // its free lists, which showed in the replay profile.
        if self.unsettled.is_some() {
            Box::pin(self.settle(None)).await?;
        }
        if self.thread.is_none() {
            Box::pin(self.ensure_thread()).await?;
        }
        let thread_id = self
            .thread
            .as_ref()
            .map(|t| t.id.clone())
            .unwrap_or_default();
        // Held until the turn is over (completed, failed, or timed out and settled).
        let _slot = self
            .backend
            .turn_slot(deadline)
            .await
            .map_err(|()| self.no_turn_slot(options.timeout))?;
        self.unsettled = Some(Unsettled::default());
        let params = TurnStartParams {
            thread_id: thread_id.clone(),
            input: vec![UserInput::Text {
                text: prompt.to_owned(),
            }],
            output_schema: options.output_schema.clone(),
        };
        let budget = self
            .request_timeout()
            .min(deadline.saturating_duration_since(Instant::now()));
        let started = Box::pin(self.backend.session().call::<TurnStart>(&params, budget)).await;
        let started = match started {
            Ok(started) => started,
            Err(err) => {
                if matches!(err, SessionError::Rejected { .. }) {
                    self.unsettled = None; // refused: no turn is running
                }
                // Otherwise the turn may have started: the next turn settles it first.
                return Err(session_error(err, "starting a turn (turn/start)"));
            }
        };
        let turn_id = started.turn.id;
        self.unsettled = Some(Unsettled {
            turn_id: Some(turn_id.clone()),
        });
        let mut state = TurnState::new(turn_id);
        let completed = loop {
            let Some(thread) = self.thread.as_mut() else {
                return Err(AgentError::Protocol {
                    message: "the conversation has no thread".to_owned(),
                });
            };
            // A burst already delivered is taken without arming the deadline's timer.
            let ready = if Instant::now() < deadline {
                thread.inbox.try_recv().ok()
            } else {
                None
            };
            let next = match ready {
                Some(event) => event,
                None => match next_event(&mut thread.inbox, self.backend.session(), deadline).await
                {
                    Ok(Some(event)) => event,
                    Ok(None) => return Err(self.gone("waiting for the turn to complete")),
                    Err(_) => return Err(Box::pin(self.time_out(options.timeout, state)).await),
                },
            };
            match next {
                ThreadEvent::ServerRequest { id, method, params } => {
                    let event = Box::pin(self.answer_server_request(id, &method, &params)).await;
                    state.push(event);
                }
                ThreadEvent::Notification { method, params } => {
                    if let Some(done) = fold_notification(&mut state, &method, params)? {
                        break done;
                    }
                }
            }
        };
        self.unsettled = None;
        finish(state, completed)
    }

    /// The timeout of a turn that never got a slot (`max_turns_in_flight`): nothing was sent.
    fn no_turn_slot(&self, timeout: Duration) -> AgentError {
        let limit = self
            .backend
            .config()
            .max_turns_in_flight
            .unwrap_or_default();
        AgentError::Timeout {
            timeout,
            running: format!(
                "waiting for a free turn slot (max_turns_in_flight = {limit}, all taken by other \
                 runners' turns the whole time; nothing was sent: raise the limit or the timeout)"
            ),
            last_events: Vec::new(),
            stderr_tail: self.backend.stderr_tail(),
        }
    }

    /// Interrupts the timed-out turn, settles it within the grace period, and builds the error.
    async fn time_out(&mut self, timeout: Duration, state: TurnState) -> AgentError {
        let running = state
            .running
            .clone()
            .unwrap_or_else(|| "waiting for the model".to_owned());
        // `unsettled` holds the turn id; settle interrupts it and waits for turn/completed. If
        // that is not confirmed in time, the backend was stopped: that is the error to report.
        let cause = format!("the turn timed out after {timeout:?} while {running}");
        match self.settle(Some(cause)).await {
            Err(err @ AgentError::BackendInvalid { .. }) => return err,
            // The session ended while settling (the process died, a replay diverged): the
            // timeout is still what happened to this turn; the next call reports the rest.
            Err(err) => tracing::warn!("the timed-out turn did not settle: {err}"),
            Ok(()) => {}
        }
        AgentError::Timeout {
            timeout,
            running,
            last_events: state.recent.into_iter().collect(),
            stderr_tail: self.backend.stderr_tail(),
        }
    }
}

/// The deadline passed, or the server stalled (see [`next_event`]).
struct Expired;

/// The thread's next event, waiting until `deadline`, or until the session says the server will
/// send nothing more before the client speaks (a replay whose recorded turn timed out here):
/// waiting longer could only end at the deadline, so it ends now.
async fn next_event(
    inbox: &mut ThreadInbox,
    session: &RpcSession,
    deadline: Instant,
) -> Result<Option<ThreadEvent>, Expired> {
    tokio::select! {
        biased;
        event = inbox.recv() => Ok(event),
        () = session.stalled() => Err(Expired),
        () = tokio::time::sleep_until(deadline) => Err(Expired),
    }
}

/// The notifications a runner folds (and `turn/started`, which settling an abandoned turn reads);
/// the session drops the others for its threads.
const FOLDED_NOTIFICATIONS: &[&str] = &[
    methods::ITEM_STARTED,
    methods::ITEM_COMPLETED,
    methods::ERROR,
    methods::TURN_STARTED,
    methods::TURN_COMPLETED,
    methods::THREAD_CLOSED,
];

#[async_trait]
impl AgentRunner for CodexAgentRunner {
    async fn turn(
        &mut self,
        prompt: &str,
        options: TurnOptions,
    ) -> Result<AgentTurnResult, AgentError> {
        self.run_turn(prompt, options).await
    }

    async fn close(&mut self) -> Result<(), AgentError> {
        self.release().await
    }
}

/// The thread-level config overrides of `config`: its reasoning effort, and each MCP server's
/// allowed tools (`mcp_servers.<server>.enabled_tools`).
fn thread_config(config: &AgentConfig) -> Option<Value> {
    let mut map = serde_json::Map::new();
    if let Some(effort) = config.reasoning_effort {
        map.insert("model_reasoning_effort".to_owned(), effort.as_str().into());
    }
    for (server, tools) in &config.mcp_tools {
        map.insert(
            format!("mcp_servers.{server}.enabled_tools"),
            Value::from(tools.clone()),
        );
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// Refuses [`AgentConfig::mcp_tools`] naming a server `backend` does not set up, naming the ones
/// it does.
pub(super) fn check_mcp_tools(
    config: &AgentConfig,
    backend: &CodexBackendConfig,
) -> Result<(), AgentError> {
    let configured = backend.mcp_servers();
    let Some(unknown) = config
        .mcp_tools
        .keys()
        .find(|server| !configured.contains(server))
    else {
        return Ok(());
    };
    Err(AgentError::InvalidConfig {
        field: "mcp_tools",
        value: unknown.clone(),
        accepted: if configured.is_empty() {
            "none: the backend configures no MCP server (set one up with \
             CodexBackendConfig::with_mcp_override(\"mcp_servers.NAME.command=...\"))"
                .to_owned()
        } else {
            format!(
                "the MCP servers the backend configures: {}",
                configured.join(", ")
            )
        },
    })
}

impl Drop for CodexAgentRunner {
    fn drop(&mut self) {
        if let Some(thread) = &self.thread {
            self.backend.session().forget_thread(&thread.id);
        }
    }
}
