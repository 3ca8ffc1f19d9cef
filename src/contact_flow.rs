//! The verifier Lambda's edge, as `http/` is the API's: an Amazon Connect contact-flow event
//! in, the flat string map the flow reads as `$.External.*` out. The decisions are in
//! `use_cases::answer_call`; `bin/verifier.rs` only wires this to the Lambda runtime.
//!
//! Contact attributes (set by the create path's `StartOutboundVoiceContact`): `requestId`,
//! `tenantId`. Parameters (set by the flow's `InvokeLambdaFunction`): `step` (`last4` or
//! `code`) and `digits` (`$.StoredCustomerInput`).
//! Answer: `{"result": "ok|retry|timeout|failed|expired|error", "attemptsLeft": "N"}`.

use std::time::Instant;

use aws_lambda_events::event::connect::{ConnectEvent, ConnectResponse};

use crate::domain::{OtpHasher, RequestId, TenantId};
use crate::ports::{contact_attributes, VerificationStore};
use crate::use_cases::answer_call::{answer_call, CallAnswer, CallInput, Step};

pub const PARAM_STEP: &str = "step";
pub const PARAM_DIGITS: &str = "digits";

pub struct Verifier<S> {
    pub store: S,
    pub hasher: OtpHasher,
}

fn response(answer: CallAnswer) -> ConnectResponse {
    ConnectResponse::from([
        ("result".to_owned(), answer.result.as_str().to_owned()),
        ("attemptsLeft".to_owned(), answer.attempts_left.to_string()),
    ])
}

/// Handles one flow event. Never fails: Connect gets `error` for anything it cannot act on,
/// and the flow tells the caller so.
pub async fn handle<S: VerificationStore>(
    verifier: &Verifier<S>,
    event: ConnectEvent,
    now: u64,
) -> ConnectResponse {
    let started = Instant::now();
    let contact = event
        .details
        .contact_data
        .contact_id
        .clone()
        .unwrap_or_default();
    let attributes = &event.details.contact_data.attributes;
    let parameters = &event.details.parameters;
    let tenant = attributes
        .get(contact_attributes::TENANT_ID)
        .and_then(|t| TenantId::parse(t).ok());
    let request = attributes
        .get(contact_attributes::REQUEST_ID)
        .and_then(|r| RequestId::parse(r).ok());
    let step = parameters.get(PARAM_STEP).and_then(|s| Step::parse(s));
    let digits = parameters
        .get(PARAM_DIGITS)
        .map(String::as_str)
        .unwrap_or_default();

    let outcome = match (&tenant, &request, step) {
        (Some(tenant), Some(request), Some(step)) => {
            let input = CallInput {
                tenant,
                request,
                step,
                digits,
                contact_id: &contact,
            };
            answer_call(&verifier.store, &verifier.hasher, input, now).await
        }
        _ => Ok(CallAnswer::ERROR),
    };
    let answer = outcome.unwrap_or_else(|err| {
        tracing::error!(contact_id = %contact, error = %err, "verification failed");
        CallAnswer::ERROR
    });
    tracing::info!(
        contact_id = %contact,
        kyc_request_id = request.map(|r| r.to_string()).unwrap_or_default(),
        tenant = tenant.as_ref().map(TenantId::as_str).unwrap_or("-"),
        step = step.map(Step::as_str).unwrap_or("-"),
        result = answer.result.as_str(),
        attempts_left = answer.attempts_left,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "verification"
    );
    response(answer)
}
