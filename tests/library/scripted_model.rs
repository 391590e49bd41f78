//! The scripted model over raw TCP with hand-written HTTP: what it streams, how it routes
//! conversations, and how it reports a script that does not fit. No Codex needed.

use std::path::Path;
use std::time::Duration;

use prompt_diary::testing::{Scenario, ScriptedModel};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Bounds every read from the model; tests never wait on time otherwise.
const IO_LIMIT: Duration = Duration::from_secs(20);

fn fixture(name: &str) -> Scenario {
    let path = Path::new(ROOT).join(format!("fixtures/scenarios/{name}.json"));
    Scenario::from_file(&path).unwrap_or_else(|err| panic!("{err}"))
}

fn scenario(value: Value) -> Scenario {
    Scenario::from_json(&value.to_string()).unwrap_or_else(|err| panic!("{err}"))
}

/// `127.0.0.1:PORT` of a model.
fn addr(model: &ScriptedModel) -> String {
    let url = model.base_url();
    let rest = url.strip_prefix("http://").expect("http base url");
    rest.strip_suffix("/v1").expect("/v1 base url").to_owned()
}

/// A Responses request body as Codex sends it, with one user message.
fn request_body(user_text: &str) -> Value {
    json!({
        "model": "mock-model",
        "stream": true,
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": user_text}]}
        ]
    })
}

/// A response: status, head (lower-cased), body.
#[derive(Debug)]
struct Response {
    status: u16,
    head: String,
    body: String,
}

async fn exchange(model: &ScriptedModel, raw: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr(model)).await.expect("connects");
    stream.write_all(raw).await.expect("request written");
    let mut bytes = Vec::new();
    tokio::time::timeout(IO_LIMIT, stream.read_to_end(&mut bytes))
        .await
        .expect("the model closes the connection after its response")
        .expect("response read");
    parse_response(&bytes)
}

fn parse_response(bytes: &[u8]) -> Response {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    Response {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

/// POSTs `body` to `/v1/responses` with a `thread-id` header (when `key` is given).
async fn post(model: &ScriptedModel, key: Option<&str>, body: &Value) -> Response {
    let body = body.to_string();
    let key = key
        .map(|k| format!("thread-id: {k}\r\nsession-id: {k}\r\n"))
        .unwrap_or_default();
    let raw = format!(
        "POST /v1/responses HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n{key}content-length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(model, raw.as_bytes()).await
}

/// The `(event, data)` pairs of an SSE body; checks that `data.type` repeats the event name.
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter(|block| !block.is_empty())
        .map(|block| {
            let (event, data) = block.split_once('\n').expect("event and data lines");
            let event = event
                .strip_prefix("event: ")
                .expect("event line")
                .to_owned();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").expect("data line"))
                .expect("data is JSON");
            assert_eq!(data["type"], event.as_str());
            (event, data)
        })
        .collect()
}

fn kinds(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(kind, _)| kind.as_str()).collect()
}

/// The item of the `response.output_item.done` event.
fn done_item(body: &str) -> Value {
    let events = events(body);
    let (_, data) = events
        .iter()
        .find(|(kind, _)| kind == "response.output_item.done")
        .expect("an output_item.done event");
    data["item"].clone()
}

fn assistant_text(body: &str) -> String {
    let item = done_item(body);
    assert_eq!(item["type"], "message");
    assert_eq!(item["role"], "assistant");
    item["content"][0]["text"]
        .as_str()
        .expect("output_text")
        .to_owned()
}

#[tokio::test]
async fn message_reply_is_a_deterministic_sse_stream() {
    let mut bodies = Vec::new();
    for _ in 0..2 {
        let model = ScriptedModel::start(fixture("text_reply")).await.unwrap();
        let response = post(&model, Some("thread-a"), &request_body("Say hello.")).await;
        assert_eq!(response.status, 200, "{response:?}");
        assert!(
            response.head.contains("content-type: text/event-stream"),
            "{}",
            response.head
        );
        assert!(
            response.head.contains("connection: close"),
            "{}",
            response.head
        );
        bodies.push(response.body);
        model.shutdown().await;
    }
    assert_eq!(bodies[0], bodies[1], "two runs stream the same bytes");
    let events = events(&bodies[0]);
    assert_eq!(
        kinds(&events),
        [
            "response.created",
            "response.output_item.added",
            "response.output_item.done",
            "response.completed"
        ]
    );
    assert_eq!(events[0].1["response"]["id"], "resp_0_1");
    let item = json!({
        "type": "message", "role": "assistant", "id": "msg_0_1",
        "content": [{"type": "output_text", "text": "Hello from the scripted model.", "annotations": []}]
    });
    assert_eq!(
        events[1].1,
        json!({"type": "response.output_item.added", "output_index": 0, "item": item})
    );
    assert_eq!(events[2].1["item"], item);
    let completed = &events[3].1["response"];
    assert_eq!(completed["id"], "resp_0_1");
    assert_eq!(completed["usage"]["total_tokens"], 15);
}

#[tokio::test]
async fn shell_json_and_mcp_replies_use_the_tools_codex_offers() {
    let model = ScriptedModel::start(scenario(
        json!({"name": "tools", "conversations": [{"replies": [
            {"shell": "printf 'x\\n' > a.md"},
            {"json": {"title": "Hello", "tags": ["a", "b"]}},
            {"mcp_tool": {"server": "echo", "tool": "echo", "arguments": {"text": "ping"}}},
            {"mcp_tool": {"server": "echo", "tool": "noargs"}}
        ]}]}),
    ))
    .await
    .unwrap();
    let body = request_body("go");
    let shell = done_item(&post(&model, Some("t"), &body).await.body);
    assert_eq!(shell["type"], "function_call");
    // The shell tool Codex 0.163.0 offers.
    assert_eq!(shell["name"], "exec_command");
    assert_eq!(shell["name"], "exec_command");
    assert_eq!(shell["call_id"], "call_0_1");
    let arguments: Value =
        serde_json::from_str(shell["arguments"].as_str().expect("string arguments")).unwrap();
    assert_eq!(
        arguments,
        json!({"cmd": "printf 'x\\n' > a.md", "login": false})
    );

    let text = assistant_text(&post(&model, Some("t"), &body).await.body);
    // Compact, keys in serde_json's (sorted) map order.
    assert_eq!(text, r#"{"tags":["a","b"],"title":"Hello"}"#);

    let mcp = done_item(&post(&model, Some("t"), &body).await.body);
    assert_eq!(
        (&mcp["namespace"], &mcp["name"]),
        (&json!("mcp__echo"), &json!("echo"))
    );
    assert_eq!(mcp["arguments"], r#"{"text":"ping"}"#);
    let no_arguments = done_item(&post(&model, Some("t"), &body).await.body);
    assert_eq!(no_arguments["arguments"], "{}");
    assert!(model.unused_replies().is_empty() && model.errors().is_empty());
}

#[tokio::test]
async fn conversations_are_routed_by_key_and_claimed_by_match() {
    let model = ScriptedModel::start(scenario(json!({"name": "two", "conversations": [
        {"match": "ALPHA", "replies": [{"message": "alpha 1"}, {"message": "alpha 2"}]},
        {"match": "BETA", "replies": [{"message": "beta 1"}, {"message": "beta 2"}]}
    ]})))
    .await
    .unwrap();
    // BETA arrives first but still gets the BETA script; later requests follow the key, whatever
    // their text says.
    let beta1 = post(&model, Some("thread-b"), &request_body("BETA: start")).await;
    let alpha1 = post(&model, Some("thread-a"), &request_body("ALPHA: start")).await;
    let beta2 = post(
        &model,
        Some("thread-b"),
        &request_body("ALPHA is mentioned here"),
    )
    .await;
    // No header: the body's prompt_cache_key is the key.
    let mut alpha = request_body("next");
    alpha["prompt_cache_key"] = json!("thread-a");
    let alpha2 = post(&model, None, &alpha).await;
    let texts: Vec<_> = [&beta1, &alpha1, &beta2, &alpha2]
        .iter()
        .map(|r| assistant_text(&r.body))
        .collect();
    assert_eq!(texts, ["beta 1", "alpha 1", "beta 2", "alpha 2"]);
    assert_eq!(done_item(&alpha2.body)["id"], "msg_0_2");
    assert_eq!(done_item(&beta2.body)["id"], "msg_1_2");

    let requests = model.requests();
    let routed: Vec<_> = requests.iter().map(|r| r.conversation).collect();
    assert_eq!(
        routed,
        [1, 0, 1, 0],
        "arrival order, with the serving conversation"
    );
    assert_eq!(
        requests[0].user_texts(),
        ["BETA: start"],
        "only user input_text"
    );
    assert!(model.unused_replies().is_empty() && model.errors().is_empty());
}

#[tokio::test]
async fn many_concurrent_conversations_each_get_their_own_script() {
    const N: usize = 24;
    let conversations: Vec<_> = (0..N)
        .map(|i| json!({"match": format!("RUNNER-{i}:"), "replies": [{"message": format!("reply {i}")}]}))
        .collect();
    let model = ScriptedModel::start(scenario(
        json!({"name": "many", "conversations": conversations}),
    ))
    .await
    .unwrap();
    let model = std::sync::Arc::new(model);
    let mut tasks = tokio::task::JoinSet::new();
    for i in (0..N).rev() {
        let model = std::sync::Arc::clone(&model);
        tasks.spawn(async move {
            let response = post(
                &model,
                Some(&format!("key-{i}")),
                &request_body(&format!("RUNNER-{i}: go")),
            )
            .await;
            (i, assistant_text(&response.body))
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (i, text) = joined.unwrap();
        assert_eq!(text, format!("reply {i}"));
    }
    assert_eq!(model.requests().len(), N);
    assert!(model.unused_replies().is_empty() && model.errors().is_empty());
}

#[tokio::test]
async fn an_exhausted_script_answers_500_and_says_so() {
    let model = ScriptedModel::start(fixture("text_reply")).await.unwrap();
    // The test asks for one reply more than the script has, to see it refused.
    model.expect_no_errors(false);
    assert_eq!(
        post(&model, Some("t"), &request_body("Say hello."))
            .await
            .status,
        200
    );
    let response = post(&model, Some("t"), &request_body("And again.")).await;
    assert_eq!(response.status, 500);
    let message = serde_json::from_str::<Value>(&response.body).unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("no reply left") && message.contains("And again."),
        "{message}"
    );
    assert_eq!(model.errors(), [message]);
    assert_eq!(
        model.requests().len(),
        2,
        "the unserved request is still recorded"
    );
}

#[tokio::test]
async fn an_unmatched_conversation_answers_500_and_says_so() {
    let model = ScriptedModel::start(scenario(json!({"name": "m", "conversations": [
        {"match": "ALPHA", "replies": [{"message": "alpha"}]}
    ]})))
    .await
    .unwrap();
    // The test sends a conversation no script matches, to see it refused; ALPHA never comes.
    model.expect_no_errors(false);
    model.expect_all_served(false);
    let response = post(&model, Some("t"), &request_body("GAMMA: hi")).await;
    assert_eq!(response.status, 500);
    assert!(
        response
            .body
            .contains("no unclaimed conversation script matches"),
        "{}",
        response.body
    );
    let errors = model.errors();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("GAMMA: hi"), "{errors:?}");
    assert!(model.requests().is_empty());
    assert_eq!(
        model.unused_replies(),
        [
            r#"conversation 0 (match "ALPHA"), never claimed by any conversation, reply 1 of 1: message "alpha""#
        ]
    );
}

#[tokio::test]
async fn an_http_error_reply_is_served_and_consumed() {
    let model = ScriptedModel::start(fixture("http_error")).await.unwrap();
    let failed = post(&model, Some("t"), &request_body("Summarise.")).await;
    assert_eq!(failed.status, 500);
    assert!(
        failed.head.contains("content-type: application/json"),
        "{}",
        failed.head
    );
    assert!(failed.head.contains("connection: close"), "{}", failed.head);
    assert_eq!(failed.body, r#"{"error":{"message":"scripted outage"}}"#);
    let retry = post(&model, Some("t"), &request_body("Try again.")).await;
    assert_eq!(assistant_text(&retry.body), "Recovered.");
    assert!(
        model.errors().is_empty(),
        "a scripted error is not a script error"
    );

    let teapot = ScriptedModel::start(scenario(json!({"name": "e", "conversations": [
        {"replies": [{"http_error": {"status": 429, "body": "slow down"}}]}
    ]})))
    .await
    .unwrap();
    let response = post(&teapot, Some("t"), &request_body("hi")).await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (429, "slow down")
    );
    assert!(
        response.head.contains("content-type: text/plain"),
        "{}",
        response.head
    );
}

#[tokio::test]
async fn unused_replies_lists_what_was_not_served() {
    let model = ScriptedModel::start(scenario(json!({"name": "u", "conversations": [
        {"replies": [{"message": "one"}, {"shell": "true"}, {"stall": true}]},
        {"match": "LATER", "replies": [{"json": {"a": 1}}]}
    ]})))
    .await
    .unwrap();
    // The test leaves replies unserved to see them listed.
    model.expect_all_served(false);
    post(&model, Some("t"), &request_body("hi")).await;
    assert_eq!(
        model.unused_replies(),
        [
            r#"conversation 0, reply 2 of 3: shell "true""#,
            "conversation 0, reply 3 of 3: stall",
            r#"conversation 1 (match "LATER"), never claimed by any conversation, reply 1 of 1: json {"a":1}"#,
        ]
    );
}

/// Sends a request and reads until `response.created` has arrived; returns the open stream and
/// what was read.
async fn start_stalled(model: &ScriptedModel) -> (TcpStream, Vec<u8>) {
    let body = request_body("Take your time.").to_string();
    let raw = format!(
        "POST /v1/responses HTTP/1.1\r\nthread-id: t\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr(model)).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains("event: response.created\ndata: {")
        || !seen.ends_with(b"\n\n")
    {
        let mut buf = [0u8; 4096];
        let n = tokio::time::timeout(IO_LIMIT, stream.read(&mut buf))
            .await
            .expect("the stall sends response.created")
            .unwrap();
        assert!(
            n > 0,
            "closed before response.created: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    (stream, seen)
}

async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    tokio::time::timeout(IO_LIMIT, stream.read_to_end(&mut rest))
        .await
        .expect("the stalled connection closes")
        .expect("read");
    rest
}

#[tokio::test]
async fn a_stall_holds_the_stream_until_released_then_closes() {
    let model = ScriptedModel::start(fixture("stall")).await.unwrap();
    let (mut stream, seen) = start_stalled(&model).await;
    let response = parse_response(&seen);
    assert_eq!(response.status, 200);
    assert_eq!(kinds(&events(&response.body)), ["response.created"]);
    model.release_stalls();
    let rest = read_to_close(&mut stream).await;
    assert!(
        rest.is_empty(),
        "nothing after response.created: {}",
        String::from_utf8_lossy(&rest)
    );
    // The stall was consumed: the next request gets the next reply.
    let next = post(&model, Some("t"), &request_body("Still there?")).await;
    assert_eq!(assistant_text(&next.body), "Back after the stall.");
    assert!(model.unused_replies().is_empty() && model.errors().is_empty());
}

#[tokio::test]
async fn shutdown_ends_stalls_and_closes_the_port() {
    let model = ScriptedModel::start(fixture("stall")).await.unwrap();
    let address = addr(&model);
    let (mut stream, _) = start_stalled(&model).await;
    // The test shuts the model down mid-stall: the reply after the stall is never asked for.
    model.expect_all_served(false);
    model.shutdown().await;
    read_to_close(&mut stream).await;
    assert!(
        TcpStream::connect(address).await.is_err(),
        "nothing listens after shutdown"
    );
}

#[tokio::test]
async fn other_paths_get_404_and_are_not_recorded() {
    let model = ScriptedModel::start(fixture("text_reply")).await.unwrap();
    // The test makes no model call at all: only requests to other paths.
    model.expect_all_served(false);
    let models = exchange(&model, b"GET /v1/models HTTP/1.1\r\nhost: x\r\n\r\n").await;
    assert_eq!(models.status, 404);
    let error: Value = serde_json::from_str(&models.body).expect("a JSON body");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("GET /v1/models"),
        "{error}"
    );
    let other = exchange(
        &model,
        b"POST /v1/chat/completions HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}",
    )
    .await;
    assert_eq!(other.status, 404);
    assert!(model.requests().is_empty() && model.errors().is_empty());
    assert_eq!(model.unused_replies().len(), 1);
}

#[tokio::test]
async fn chunked_bodies_are_read_and_bad_requests_are_refused_and_reported() {
    let model = ScriptedModel::start(fixture("text_reply")).await.unwrap();
    // The test sends malformed requests on purpose, to see them refused and reported.
    model.expect_no_errors(false);
    let body = request_body("Say hello.").to_string();
    let (a, b) = body.split_at(10);
    let chunked = format!(
        "POST /v1/responses HTTP/1.1\r\nthread-id: t\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    let response = exchange(&model, chunked.as_bytes()).await;
    assert_eq!(
        assistant_text(&response.body),
        "Hello from the scripted model."
    );
    assert_eq!(model.requests()[0].user_texts(), ["Say hello."]);

    let compressed = exchange(
        &model,
        b"POST /v1/responses HTTP/1.1\r\ncontent-encoding: zstd\r\ncontent-length: 2\r\n\r\n{}",
    )
    .await;
    assert_eq!(compressed.status, 415);
    assert!(
        compressed
            .body
            .contains("enable_request_compression = false"),
        "{}",
        compressed.body
    );
    let huge = exchange(
        &model,
        b"POST /v1/responses HTTP/1.1\r\ncontent-length: 999999999\r\n\r\n",
    )
    .await;
    assert_eq!(huge.status, 413);
    let not_json = exchange(
        &model,
        b"POST /v1/responses HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc",
    )
    .await;
    assert_eq!(not_json.status, 400);
    let garbage = exchange(&model, b"hello\r\n\r\n").await;
    assert_eq!(garbage.status, 400);
    let errors = model.errors();
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(
        errors[0].contains("415") && errors[1].contains("413") && errors[2].contains("not JSON"),
        "{errors:#?}"
    );
    assert_eq!(model.requests().len(), 1, "refused requests are not routed");
}

#[tokio::test]
async fn request_bodies_can_be_left_out_of_the_log() {
    let model = ScriptedModel::start(fixture("shell_tool")).await.unwrap();
    model.keep_request_bodies(false);
    post(&model, Some("t"), &request_body("Write it.")).await;
    model.keep_request_bodies(true);
    post(&model, Some("t"), &request_body("Go on.")).await;
    let requests = model.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, Value::Null);
    assert_eq!(requests[1].user_texts(), ["Go on."]);
    model
        .wait_for_requests(2, IO_LIMIT)
        .await
        .expect("both requests were counted");
}
