//! Answers to every server→client request method of the protocol, so no turn ever waits on us.
//!
//! The app-server asks the client questions (approvals, elicitation, user input, dynamic tool
//! calls, token refresh). Each must be answered or the turn stalls. [`answer`] builds a valid
//! reply for every method the pinned schema lists; unknown methods get a JSON-RPC error.

use serde_json::{Value, json};

use crate::transport::ErrorObject;

/// How the client answers approval requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApprovalDecision {
    /// Refuse (fail-closed). The default.
    #[default]
    Decline,
    /// Allow, for this one request.
    Accept,
}

impl ApprovalDecision {
    /// The word for this decision, as shown in events.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decline => "decline",
            Self::Accept => "accept",
        }
    }
}

/// JSON-RPC "method not found".
const METHOD_NOT_FOUND: i64 = -32601;

/// Whether `method` is a question about approving something (as opposed to a tool call or a
/// token refresh).
pub(crate) fn is_approval(method: &str) -> bool {
    matches!(
        method,
        "item/commandExecution/requestApproval"
            | "item/fileChange/requestApproval"
            | "item/permissions/requestApproval"
            | "applyPatchApproval"
            | "execCommandApproval"
            | "mcpServer/elicitation/request"
    )
}

/// The answer to a server request when nobody is there to decide: decline everything.
pub(crate) fn fail_closed(method: &str, params: &Value) -> Result<Value, ErrorObject> {
    answer(method, params, ApprovalDecision::Decline)
}

/// The answer to server request `method` under `decision`.
pub(crate) fn answer(
    method: &str,
    params: &Value,
    decision: ApprovalDecision,
) -> Result<Value, ErrorObject> {
    let accept = decision == ApprovalDecision::Accept;
    match method {
        "item/commandExecution/requestApproval" | "item/fileChange/requestApproval" => {
            Ok(json!({ "decision": if accept { "accept" } else { "decline" } }))
        }
        "applyPatchApproval" | "execCommandApproval" => {
            Ok(json!({ "decision": if accept { "approved" } else { "denied" } }))
        }
        "item/permissions/requestApproval" => {
            // Granting means echoing the requested profile; declining grants nothing.
            let granted = if accept {
                params
                    .get("permissions")
                    .cloned()
                    .unwrap_or_else(|| json!({}))
            } else {
                json!({})
            };
            Ok(json!({ "permissions": granted, "scope": "turn" }))
        }
        "mcpServer/elicitation/request" => {
            if accept {
                Ok(json!({ "action": "accept", "content": {} }))
            } else {
                Ok(json!({ "action": "decline" }))
            }
        }
        "item/tool/requestUserInput" => Ok(json!({ "answers": {} })),
        "item/tool/call" => Ok(json!({
            "success": false,
            "contentItems": [{
                "type": "inputText",
                "text": "prompt-diary does not provide dynamic tools; continue without this tool",
            }],
        })),
        "account/chatgptAuthTokens/refresh" | "attestation/generate" => Err(ErrorObject {
            code: METHOD_NOT_FOUND,
            message: format!(
                "prompt-diary cannot answer `{method}`: it holds no ChatGPT tokens or attestations"
            ),
            data: None,
        }),
        other => Err(ErrorObject {
            code: METHOD_NOT_FOUND,
            message: format!("prompt-diary does not support the server request `{other}`"),
            data: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every method of `ServerRequest.json` in the pinned schema.
    const ALL: [&str; 10] = [
        "item/commandExecution/requestApproval",
        "item/fileChange/requestApproval",
        "item/tool/requestUserInput",
        "mcpServer/elicitation/request",
        "item/permissions/requestApproval",
        "item/tool/call",
        "account/chatgptAuthTokens/refresh",
        "attestation/generate",
        "applyPatchApproval",
        "execCommandApproval",
    ];

    #[test]
    fn every_schema_method_gets_an_answer_and_approvals_fail_closed() {
        for method in ALL {
            let reply = fail_closed(method, &json!({}));
            match reply {
                Ok(value) => {
                    let text = value.to_string();
                    if is_approval(method) {
                        assert!(
                            text.contains("decline")
                                || text.contains("denied")
                                || text.contains("\"permissions\":{}"),
                            "{method}: {text}"
                        );
                    }
                }
                Err(error) => assert!(
                    error.message.contains(method),
                    "{method}: {}",
                    error.message
                ),
            }
        }
    }

    #[test]
    fn accept_allows_commands() {
        let reply = answer(
            "item/commandExecution/requestApproval",
            &json!({}),
            ApprovalDecision::Accept,
        )
        .unwrap();
        assert_eq!(reply, json!({"decision": "accept"}));
    }

    #[test]
    fn unknown_methods_get_a_method_not_found_error_naming_them() {
        let err = fail_closed("future/thing", &json!({})).unwrap_err();
        assert_eq!(err.code, METHOD_NOT_FOUND);
        assert!(err.message.contains("future/thing"));
    }
}
