//! One connection: read the request, route it, and answer with the scripted reply (a stream, an
//! HTTP error, or a stall), or with an error that says why it cannot be served.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::routing::{conversation_key, route};
use crate::scenario::Reply;
use crate::state::Shared;
use crate::{http, sse};

/// How long a connection may take to send its whole request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a refused request may go on sending before its connection is dropped.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves one connection: one request, one response, then close.
pub(super) async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let request =
        match tokio::time::timeout(REQUEST_READ_TIMEOUT, http::read_request(&mut reader)).await {
            Ok(Ok(request)) => request,
            Ok(Err(http::ReadError::Bad(status, reason))) => {
                shared.error(format!("bad HTTP request, answered {status}: {reason}"));
                let body = json!({ "error": { "message": reason } }).to_string();
                let _ = http::respond(&mut write, status, "application/json", &body).await;
                let _ = write.shutdown().await;
                // The client may still be sending what was refused; closing with unread data would
                // reset the connection and could destroy the response before the client reads it.
                let _ = tokio::time::timeout(DRAIN_TIMEOUT, wait_closed(&mut reader)).await;
                return;
            }
            Ok(Err(http::ReadError::Closed)) => return,
            Err(_) => {
                let reason = format!("no complete request arrived within {REQUEST_READ_TIMEOUT:?}");
                shared.error(format!("bad HTTP request, answered 408: {reason}"));
                let body = json!({ "error": { "message": reason } }).to_string();
                let _ = http::respond(&mut write, 408, "application/json", &body).await;
                return;
            }
        };
    if request.method != "POST" || !request.path.ends_with("/responses") {
        let body = json!({ "error": { "message": format!(
            "the scripted model serves POST /v1/responses only, not {} {}",
            request.method, request.path
        ) } })
        .to_string();
        let _ = http::respond(&mut write, 404, "application/json", &body).await;
        return;
    }
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(err) => {
            let reason = format!(
                "the body of POST {} is not JSON ({err}); send the Responses API request as JSON",
                request.path
            );
            shared.error(format!("bad HTTP request, answered 400: {reason}"));
            let body = json!({ "error": { "message": reason } }).to_string();
            let _ = http::respond(&mut write, 400, "application/json", &body).await;
            return;
        }
    };
    let routed = route(&shared, &conversation_key(&request, &body), body);
    shared.arrived.notify_waiters();
    let result = match routed {
        Err(reason) => {
            let body = json!({ "error": { "message": reason, "type": "scripted_model_error" } })
                .to_string();
            http::respond(&mut write, 500, "application/json", &body).await
        }
        Ok((_, _, Reply::HttpError { status, body })) => {
            let content_type = if serde_json::from_str::<Value>(&body).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            http::respond(&mut write, status, content_type, &body).await
        }
        Ok((conversation, n, Reply::Stall)) => {
            stall(&shared, &mut reader, &mut write, conversation, n).await
        }
        Ok((conversation, n, reply)) => {
            let events = format!(
                "{}{}",
                sse::created(conversation, n),
                sse::body(&reply, conversation, n, &shared.stream)
            );
            match http::start_stream(&mut write).await {
                Ok(()) => write.write_all(events.as_bytes()).await,
                Err(err) => Err(err),
            }
        }
    };
    if let Err(err) = result {
        tracing::debug!("scripted model: writing the reply failed: {err}");
    }
    let _ = write.shutdown().await;
}

/// Starts a stream and holds it until the stalls are released or the client hangs up.
async fn stall(
    shared: &Shared,
    reader: &mut BufReader<OwnedReadHalf>,
    write: &mut OwnedWriteHalf,
    conversation: usize,
    n: usize,
) -> std::io::Result<()> {
    // Subscribed before anything is sent: a release seen by a client that read
    // `response.created` always ends this stall.
    let mut released = shared.stalls.subscribe();
    http::start_stream(write).await?;
    write
        .write_all(sse::created(conversation, n).as_bytes())
        .await?;
    write.flush().await?;
    tokio::select! {
        _ = released.changed() => {}
        // The client gave up (e.g. Codex interrupted the turn).
        () = wait_closed(reader) => {}
    }
    Ok(())
}

/// Resolves when the peer closes its side (anything it still sends is discarded).
async fn wait_closed(reader: &mut BufReader<OwnedReadHalf>) {
    let mut buf = [0u8; 1024];
    while let Ok(1..) = reader.read(&mut buf).await {}
}
