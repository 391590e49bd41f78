//! The scripted model verifies on drop that the client followed the scenario, as wiremock's
//! `MockServer` does: replies never served, or requests it could not answer, make the drop (or
//! `shutdown`) panic with a message naming the scenario and what was left; `finish` returns the
//! same report as an error; tests that stop early say so. No Codex needed: requests are plain
//! HTTP over TCP.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use prompt_diary::testing::ScenarioMismatch;
use prompt_diary::testing::{Scenario, ScriptedModel};
use rstest::rstest;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

/// Bounds every read from the model.
const IO_LIMIT: Duration = Duration::from_secs(20);

/// Two replies in one conversation.
fn two_replies() -> Scenario {
    Scenario::from_json(
        &json!({"name": "two_replies", "conversations": [{"replies": [
            {"message": "first"},
            {"shell": "printf done > done.md"}
        ]}]})
        .to_string(),
    )
    .unwrap()
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Makes one model request in conversation `t` and returns the HTTP status.
async fn call(model: &ScriptedModel, user_text: &str) -> u16 {
    let body = json!({"input": [{"type": "message", "role": "user",
        "content": [{"type": "input_text", "text": user_text}]}]})
    .to_string();
    let address = model.base_url().replace("http://", "").replace("/v1", "");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let raw = format!(
        "POST /v1/responses HTTP/1.1\r\nthread-id: t\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(IO_LIMIT, stream.read_to_end(&mut response))
        .await
        .expect("the model answers and closes")
        .unwrap();
    let head = String::from_utf8_lossy(&response);
    head.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Starts the scenario and makes `calls` model requests.
fn model_after(rt: &Runtime, scenario: Scenario, calls: usize) -> ScriptedModel {
    rt.block_on(async {
        let model = ScriptedModel::start(scenario).await.unwrap();
        for i in 0..calls {
            call(&model, &format!("request {}", i + 1)).await;
        }
        model
    })
}

/// How a test lets go of the model.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Drop,
    Shutdown,
}

/// Ends the model; the panic message, if ending it panicked.
fn end(rt: &Runtime, model: ScriptedModel, ending: Ending) -> Option<String> {
    let ended = catch_unwind(AssertUnwindSafe(|| match ending {
        Ending::Drop => drop(model),
        Ending::Shutdown => rt.block_on(model.shutdown()),
    }));
    let payload = ended.err()?;
    Some(
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "(a panic without a message)".to_owned()),
    )
}

#[rstest]
#[case::dropped(Ending::Drop)]
#[case::shut_down(Ending::Shutdown)]
fn ending_a_model_with_unserved_replies_panics_naming_the_scenario_and_the_reply(
    #[case] ending: Ending,
) {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 1);
    let message = end(&rt, model, ending).expect("ending the model panics");
    for part in [
        "scenario \"two_replies\"",
        "1 scripted reply was never served",
        "the client made fewer model calls than the scenario scripts",
        r#"conversation 0, reply 2 of 2: shell "printf done > done.md""#,
        "`.expect_all_served(false)`",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
    assert!(
        !message.contains("reply 1 of 2"),
        "the served reply is not listed:\n{message}"
    );
}

#[rstest]
#[case::dropped(Ending::Drop)]
#[case::shut_down(Ending::Shutdown)]
fn ending_a_model_that_could_not_answer_a_request_panics_naming_the_request(
    #[case] ending: Ending,
) {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 3);
    let message = end(&rt, model, ending).expect("ending the model panics");
    for part in [
        "scenario \"two_replies\"",
        "1 request could not be answered",
        "conversation 0 has no reply left for its request 3",
        "\"request 3\"",
        "`.expect_no_errors(false)`",
    ] {
        assert!(message.contains(part), "{part:?} missing from:\n{message}");
    }
    assert!(!message.contains("never served"), "{message}");
}

#[rstest]
#[case::dropped(Ending::Drop)]
#[case::shut_down(Ending::Shutdown)]
fn a_fully_served_model_ends_silently(#[case] ending: Ending) {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 2);
    assert_eq!(model.verify(), Ok(()));
    assert_eq!(end(&rt, model, ending), None);
}

#[rstest]
#[case::dropped(Ending::Drop)]
#[case::shut_down(Ending::Shutdown)]
fn a_test_that_stops_early_on_purpose_opts_out_of_the_served_check(#[case] ending: Ending) {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 1);
    model.expect_all_served(false);
    assert_eq!(model.verify(), Ok(()));
    assert_eq!(model.unused_replies().len(), 1, "still listed on request");
    assert_eq!(end(&rt, model, ending), None);
}

#[test]
fn opting_out_of_the_served_check_still_checks_unanswered_requests() {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 3);
    model.expect_all_served(false);
    let message = end(&rt, model, Ending::Drop).expect("the unanswered request still counts");
    assert!(
        message.contains("1 request could not be answered"),
        "{message}"
    );
}

#[test]
fn a_test_that_sends_unscripted_requests_on_purpose_opts_out_of_the_error_check() {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 3);
    model.expect_no_errors(false);
    assert_eq!(model.errors().len(), 1, "still listed on request");
    assert_eq!(end(&rt, model, Ending::Drop), None);
}

#[test]
fn finish_returns_the_mismatch_instead_of_panicking() {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 1);
    let finished = catch_unwind(AssertUnwindSafe(|| rt.block_on(model.finish())))
        .expect("finish does not panic");
    let mismatch: ScenarioMismatch = finished.expect_err("a reply was left");
    assert_eq!(mismatch.scenario, "two_replies");
    assert_eq!(
        mismatch.unused_replies,
        [r#"conversation 0, reply 2 of 2: shell "printf done > done.md""#]
    );
    assert!(mismatch.errors.is_empty());
    assert!(
        mismatch.to_string().contains("scenario \"two_replies\""),
        "{mismatch}"
    );
}

#[test]
fn finish_of_a_fully_served_model_is_ok() {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 2);
    assert_eq!(rt.block_on(model.finish()), Ok(()));
}

#[test]
fn a_model_dropped_while_the_test_already_panics_keeps_the_first_failure() {
    let rt = runtime();
    let model = model_after(&rt, two_replies(), 0);
    let unwound = catch_unwind(AssertUnwindSafe(|| {
        let _model = model;
        panic!("the real failure");
    }))
    .expect_err("the test panicked");
    assert_eq!(
        unwound.downcast_ref::<&str>(),
        Some(&"the real failure"),
        "no second panic from the drop replaced (or aborted) the first"
    );
}
