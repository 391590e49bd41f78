use super::*;

const HEADER: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"0.171.0","recorded_at":"2026-11-28","redactions":[],"record_command":"r"}"#;
const RUNS: &str = r#"{"kind":"invocation","args":["exec","--json","-"],"stdin":"Write a.md","output_schema":null}
{"kind":"stdout","json":{"item":{"id":"item_0","message":"Model metadata for `mock-model` not found.","type":"error"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"command":"/bin/bash -lc \"printf 'x\\\\n' > a.md\"","exit_code":0,"id":"item_1","status":"completed","type":"command_execution"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"id":"item_2","text":"Wrote a.md.","type":"agent_message"},"type":"item.completed"}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
{"kind":"invocation","args":["exec","--json","--output-schema","{{output_schema}}","resume","{{thread:1}}","-"],"stdin":"Count","output_schema":{"type":"object"}}
{"kind":"stdout","json":{"item":{"id":"item_3","text":"{\"lines\":1}","type":"agent_message"},"type":"item.completed"}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

fn parse(text: &str) -> ExecCassette {
    ExecCassette::parse(Path::new("c.jsonl"), text).unwrap()
}

#[test]
fn commands_messages_and_schema_answers_become_replies_in_order() {
    let scenario =
        exec_scenario_of(&parse(&format!("{HEADER}\n{RUNS}")), &Bindings::default()).unwrap();
    assert_eq!(
        scenario.conversations[0].replies,
        [
            // `-lc`: a login shell, the call without `login`.
            Reply::LoginShell {
                cmd: r"printf 'x\n' > a.md".to_owned()
            },
            Reply::Message {
                text: "Wrote a.md.".to_owned()
            },
            Reply::Json {
                value: serde_json::json!({"lines": 1})
            },
        ]
    );
}

#[test]
fn replies_say_escaped_literals_as_written_and_bound_paths_fresh() {
    let text = format!("{HEADER}\n{RUNS}").replace(
        "Wrote a.md.",
        "Filled {{lbrace}}name}} in {{workspace}}/a.md.",
    );
    let mut bindings = Bindings::default();
    bindings.bind("{{workspace}}", "/new/ws");
    let scenario = exec_scenario_of(&parse(&text), &bindings).unwrap();
    assert_eq!(
        scenario.conversations[0].replies[1],
        Reply::Message {
            text: "Filled {{name}} in /new/ws/a.md.".to_owned()
        }
    );
}

#[test]
fn what_the_scripted_model_cannot_produce_is_named_by_line() {
    let text = format!("{HEADER}\n{RUNS}").replace(
        r#""text":"Wrote a.md.","type":"agent_message""#,
        r#""text":"a plan","type":"todo_list""#,
    );
    let err = exec_scenario_of(&parse(&text), &Bindings::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 5: a `todo_list` item, which the scripted model cannot produce"),
        "{err}"
    );
}
