//! Plays an Amazon Connect flow (flow-language JSON, as deployed from `infra/connect/`) the
//! way Connect would on a call, for local runs (`make call`) and tests: it speaks the prompts,
//! takes the caller's key presses, and invokes the verifier with real Connect-shaped events.
//!
//! It interprets the actions this project's flow uses: `MessageParticipant`,
//! `GetParticipantInput` (with `StoreInput`), `InvokeLambdaFunction` (`STRING_MAP`), `Compare`,
//! `DisconnectParticipant`, and follows `NextAction` for any other action.

use std::collections::HashMap;
use std::future::Future;

use aws_lambda_events::event::connect::{ConnectEvent, ConnectResponse};
use serde_json::{json, Value};

use crate::use_cases::answer_call::TIMEOUT_INPUT;

/// The person on the phone.
pub trait Caller {
    /// What the caller hears.
    fn hear(&mut self, text: &str);
    /// What the caller keys in after a prompt; `""` lets the input time out, `None` hangs up.
    fn key_in(&mut self) -> Option<String>;
}

/// The call as Amazon Connect started it.
#[derive(Debug, Clone)]
pub struct Call {
    pub contact_id: String,
    pub attributes: HashMap<String, String>,
    pub customer_number: String,
    pub system_number: String,
    pub instance_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The flow reached `DisconnectParticipant`.
    Disconnected,
    /// The caller hung up.
    HungUp,
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("the flow has no action {0:?}")]
    MissingAction(String),
    #[error("action {0:?} has no transition to follow")]
    NoTransition(String),
    #[error("the flow ran more than {0} actions without ending")]
    Runaway(usize),
    #[error("the flow is not flow language: {0}")]
    Malformed(String),
}

const MAX_ACTIONS: usize = 500;

struct Run {
    stored_input: String,
    external: HashMap<String, String>,
    attributes: HashMap<String, String>,
}

impl Run {
    /// Resolves a value that is a JSONPath reference, or text with references in it.
    fn resolve(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find("$.") {
            out.push_str(&rest[..at]);
            let reference = &rest[at..];
            let end = reference[2..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                .map_or(reference.len(), |i| i + 2);
            let path = reference[..end].trim_end_matches('.');
            let value = if path == "$.StoredCustomerInput" {
                Some(self.stored_input.clone())
            } else if let Some(key) = path.strip_prefix("$.External.") {
                self.external.get(key).cloned()
            } else if let Some(key) = path.strip_prefix("$.Attributes.") {
                self.attributes.get(key).cloned()
            } else {
                None
            };
            out.push_str(&value.unwrap_or_default());
            rest = &reference[path.len()..];
        }
        out.push_str(rest);
        out
    }
}

fn text_param(action: &Value, name: &str) -> String {
    action["Parameters"][name]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn next_action(action: &Value, id: &str) -> Result<String, FlowError> {
    action["Transitions"]["NextAction"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| FlowError::NoTransition(id.to_owned()))
}

fn error_action(action: &Value, error_type: &str, id: &str) -> Result<String, FlowError> {
    action["Transitions"]["Errors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["ErrorType"] == error_type)
        .and_then(|e| e["NextAction"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| FlowError::NoTransition(format!("{id} ({error_type})")))
}

/// Builds the event Amazon Connect sends an `InvokeLambdaFunction` target.
pub fn connect_event(call: &Call, parameters: HashMap<String, String>) -> Value {
    json!({
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": call.attributes,
                "Channel": "VOICE",
                "ContactId": call.contact_id,
                "CustomerEndpoint": {"Address": call.customer_number, "Type": "TELEPHONE_NUMBER"},
                "InitialContactId": call.contact_id,
                "InitiationMethod": "API",
                "InstanceARN": call.instance_arn,
                "PreviousContactId": call.contact_id,
                "Queue": null,
                "SystemEndpoint": {"Address": call.system_number, "Type": "TELEPHONE_NUMBER"}
            },
            "Parameters": parameters
        }
    })
}

/// Plays `flow` for `call`; `invoke` runs the Lambda function an action names.
pub async fn play<C, F, Fut>(
    flow: &Value,
    call: &Call,
    caller: &mut C,
    mut invoke: F,
) -> Result<Ending, FlowError>
where
    C: Caller,
    F: FnMut(ConnectEvent) -> Fut,
    Fut: Future<Output = ConnectResponse>,
{
    let actions: HashMap<&str, &Value> = flow["Actions"]
        .as_array()
        .ok_or_else(|| FlowError::Malformed("no Actions".into()))?
        .iter()
        .filter_map(|a| Some((a["Identifier"].as_str()?, a)))
        .collect();
    let mut run = Run {
        stored_input: String::new(),
        external: HashMap::new(),
        attributes: call.attributes.clone(),
    };
    let mut current = flow["StartAction"]
        .as_str()
        .ok_or_else(|| FlowError::Malformed("no StartAction".into()))?
        .to_owned();
    for _ in 0..MAX_ACTIONS {
        let action = *actions
            .get(current.as_str())
            .ok_or_else(|| FlowError::MissingAction(current.clone()))?;
        let id = current.clone();
        current = match action["Type"].as_str().unwrap_or_default() {
            "MessageParticipant" => {
                caller.hear(&run.resolve(&text_param(action, "Text")));
                next_action(action, &id)?
            }
            "GetParticipantInput" => {
                caller.hear(&run.resolve(&text_param(action, "Text")));
                let Some(keyed) = caller.key_in() else {
                    return Ok(Ending::HungUp);
                };
                let max = action["Parameters"]["InputValidation"]["CustomValidation"]
                    ["MaximumLength"]
                    .as_str()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(usize::MAX);
                let keyed: String = keyed
                    .trim()
                    .trim_end_matches('#')
                    .chars()
                    .take(max)
                    .collect();
                run.stored_input = if keyed.is_empty() {
                    TIMEOUT_INPUT.to_owned()
                } else {
                    keyed
                };
                next_action(action, &id)?
            }
            "InvokeLambdaFunction" => {
                let parameters = action["Parameters"]["LambdaInvocationAttributes"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), run.resolve(v.as_str().unwrap_or_default())))
                    .collect();
                let event = serde_json::from_value(connect_event(call, parameters))
                    .map_err(|e| FlowError::Malformed(format!("event: {e}")))?;
                run.external = invoke(event).await;
                next_action(action, &id)?
            }
            "Compare" => {
                let value = run.resolve(&text_param(action, "ComparisonValue"));
                let matched = action["Transitions"]["Conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|c| {
                        c["Condition"]["Operator"] == "Equals"
                            && c["Condition"]["Operands"]
                                .as_array()
                                .is_some_and(|ops| ops.iter().any(|o| o == value.as_str()))
                    })
                    .and_then(|c| c["NextAction"].as_str());
                match matched {
                    Some(next) => next.to_owned(),
                    None => error_action(action, "NoMatchingCondition", &id)?,
                }
            }
            "DisconnectParticipant" => return Ok(Ending::Disconnected),
            _ => next_action(action, &id)?,
        };
    }
    Err(FlowError::Runaway(MAX_ACTIONS))
}
