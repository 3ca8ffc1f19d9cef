//! The verifier Lambda's edge, as `http/` is the API's: an Amazon Connect contact-flow event
//! in, the flat string map the flow reads as `$.External.*` out. The decisions are in
//! `use_cases::answer_call`; `bin/verifier.rs` only wires this to the Lambda runtime.
//!
//! Contact attributes (set by the create path's `StartOutboundVoiceContact`): `requestId`,
//! `tenantId`. Parameters (set by the flow's `InvokeLambdaFunction`): `step` (`last4` or
//! `code`) and `digits` (`$.StoredCustomerInput`). The contact itself (channel, initiation,
//! customer number) must be the request's own verification call (`use_cases::call_origin`).
//! Answer: `{"result": "ok|retry|timeout|failed|expired|error", "attemptsLeft": "N"}`.

use std::time::Instant;

use aws_lambda_events::event::connect::{ConnectEvent, ConnectResponse};

use crate::domain::{OtpHasher, RequestId, TenantId};
use crate::ports::{contact_attributes, ServiceError, ServiceErrorKind, VerificationStore};
use crate::use_cases::answer_call::{answer_call, CallAnswer, CallInput, Step};
use crate::use_cases::call_origin::CallOrigin;

pub const PARAM_STEP: &str = "step";
pub const PARAM_DIGITS: &str = "digits";

pub struct Verifier<S> {
    pub store: S,
    pub hasher: OtpHasher,
}

/// How long one answer may take, all reads, writes and retries included: Amazon Connect waits
/// at most 8 s for the function, and a cold start needs some of that. Past it the flow hears
/// `error` ("cannot complete"); every write is conditional, so an answer cut short is safe
/// to give again.
pub const ANSWER_BUDGET: std::time::Duration = std::time::Duration::from_secs(6);

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
    let data = &event.details.contact_data;
    let contact = data.contact_id.clone().unwrap_or_default();
    let origin = CallOrigin {
        contact_id: &contact,
        initial_contact_id: data.initial_contact_id.as_deref().unwrap_or_default(),
        channel: data.channel.as_deref().unwrap_or_default(),
        initiation: data.initiation_method.as_deref().unwrap_or_default(),
        customer_number: data
            .customer_endpoint
            .address
            .as_deref()
            .unwrap_or_default(),
    };
    let attributes = &data.attributes;
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
                origin,
            };
            let answered = answer_call(&verifier.store, &verifier.hasher, input, now);
            match tokio::time::timeout(ANSWER_BUDGET, answered).await {
                Ok(outcome) => outcome,
                Err(_) => Err(ServiceError::new(
                    "verifier",
                    ServiceErrorKind::TimedOut,
                    "no answer within the budget",
                )),
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{Fault, MemoryStore, Op};
    use aws_lambda_events::event::connect::ConnectEvent;

    fn event(tenant: &str, request: &str) -> ConnectEvent {
        serde_json::from_value(serde_json::json!({
            "Name": "ContactFlowEvent",
            "Details": {
                "ContactData": {
                    "Attributes": {"tenantId": tenant, "requestId": request},
                    "Channel": "VOICE",
                    "ContactId": "c-1",
                    "InitialContactId": "c-1",
                    "InitiationMethod": "API",
                    "InstanceARN": "arn:aws:connect:us-east-1:1:instance/i",
                    "MediaStreams": {"Customer": {"Audio": null}},
                    "CustomerEndpoint": {"Address": "+14155550101", "Type": "TELEPHONE_NUMBER"},
                    "SystemEndpoint": {"Address": "+14155550100", "Type": "TELEPHONE_NUMBER"}
                },
                "Parameters": {"step": "last4", "digits": "6789"}
            }
        }))
        .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_store_that_hangs_gets_error_within_the_budget() {
        let verifier = Verifier {
            store: MemoryStore::default(),
            hasher: OtpHasher::new(&[1u8; 32]).unwrap(),
        };
        verifier.store.inject(Op::LoadVerification, Fault::Hang);
        let started = tokio::time::Instant::now();
        let id = RequestId::generate().to_string();
        let answer = handle(&verifier, event("acme", &id), 1_000).await;
        assert_eq!(answer["result"], "error");
        assert_eq!(started.elapsed(), ANSWER_BUDGET);
    }
}

#[cfg(test)]
#[path = "contact_flow_hostile_tests.rs"]
mod hostile_tests;
