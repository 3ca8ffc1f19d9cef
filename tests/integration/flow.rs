//! The contact flow in infra/ is valid flow language and fits the verifier this project builds.

use std::collections::HashSet;

use ekyc::contact_flow::{PARAM_DIGITS, PARAM_STEP};
use ekyc::use_cases::answer_call::{CallResult, Step};
use serde_json::Value;

/// The placeholder the SAM template and the Terraform module replace with the verifier's ARN.
const VERIFIER_ARN: &str = "${VerifierFunctionArn}";

fn flow() -> Value {
    serde_json::from_str(include_str!("../../infra/connect/verification-flow.json")).unwrap()
}

fn actions(flow: &Value) -> &Vec<Value> {
    flow["Actions"].as_array().unwrap()
}

fn of_type<'a>(flow: &'a Value, kind: &str) -> Vec<&'a Value> {
    actions(flow).iter().filter(|a| a["Type"] == kind).collect()
}

fn targets(action: &Value) -> Vec<&str> {
    let t = &action["Transitions"];
    let mut out: Vec<&str> = t["NextAction"].as_str().into_iter().collect();
    for list in ["Errors", "Conditions"] {
        out.extend(
            t[list]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["NextAction"].as_str()),
        );
    }
    out
}

fn error_types(action: &Value) -> HashSet<&str> {
    action["Transitions"]["Errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["ErrorType"].as_str())
        .collect()
}

#[test]
fn every_transition_points_at_an_action_that_exists_and_every_action_is_reachable() {
    let flow = flow();
    assert_eq!(flow["Version"], "2019-10-30");
    let ids: Vec<&str> = actions(&flow)
        .iter()
        .map(|a| a["Identifier"].as_str().unwrap())
        .collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "identifiers are unique");
    let start = flow["StartAction"].as_str().unwrap();
    assert!(unique.contains(start));
    let mut reached = HashSet::from([start]);
    let mut queue = vec![start];
    while let Some(id) = queue.pop() {
        let action = actions(&flow)
            .iter()
            .find(|a| a["Identifier"] == id)
            .unwrap();
        for target in targets(action) {
            assert!(unique.contains(target), "{id} points at missing {target}");
            if reached.insert(target) {
                queue.push(target);
            }
        }
    }
    assert_eq!(reached, unique, "unreachable actions");
    for action in actions(&flow) {
        let kind = action["Type"].as_str().unwrap();
        if kind == "DisconnectParticipant" {
            assert!(targets(action).is_empty());
        } else {
            assert!(
                !targets(action).is_empty(),
                "{} leads nowhere",
                action["Identifier"]
            );
        }
    }
}

#[test]
fn lambda_calls_invoke_the_verifier_within_connects_limits() {
    let flow = flow();
    let invokes = of_type(&flow, "InvokeLambdaFunction");
    assert_eq!(invokes.len(), 2);
    let mut steps = HashSet::new();
    for invoke in invokes {
        let p = &invoke["Parameters"];
        assert_eq!(
            p["LambdaFunctionARN"], VERIFIER_ARN,
            "only the verifier this project builds"
        );
        let limit: u32 = p["InvocationTimeLimitSeconds"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=8).contains(&limit));
        assert_eq!(p["ResponseValidation"]["ResponseType"], "STRING_MAP");
        let attrs = p["LambdaInvocationAttributes"].as_object().unwrap();
        let keys: HashSet<&str> = attrs.keys().map(String::as_str).collect();
        assert_eq!(keys, HashSet::from([PARAM_STEP, PARAM_DIGITS]));
        assert_eq!(attrs[PARAM_DIGITS], "$.StoredCustomerInput");
        steps.insert(
            Step::parse(attrs[PARAM_STEP].as_str().unwrap()).expect("a step the verifier knows"),
        );
        assert!(error_types(invoke).contains("NoMatchingError"));
    }
    assert_eq!(steps, HashSet::from([Step::LastFour, Step::Code]));
}

#[test]
fn inputs_are_stored_validated_and_bounded() {
    let flow = flow();
    let asks = of_type(&flow, "GetParticipantInput");
    assert_eq!(asks.len(), 2);
    for ask in asks {
        let p = &ask["Parameters"];
        assert_eq!(p["StoreInput"], "True");
        assert!(p["InputValidation"]["CustomValidation"]["MaximumLength"]
            .as_str()
            .is_some());
        let timeout: u32 = p["InputTimeLimitSeconds"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=180).contains(&timeout));
        assert_eq!(p["DTMFConfiguration"]["InputTerminationSequence"], "#");
        // With StoreInput, conditions and NoMatchingCondition are not allowed.
        assert!(ask["Transitions"]["Conditions"].is_null());
        assert_eq!(error_types(ask), HashSet::from(["NoMatchingError"]));
    }
}

#[test]
fn every_verifier_result_has_a_branch_and_no_branch_expects_another() {
    let flow = flow();
    let known: HashSet<&str> = CallResult::ALL.iter().map(|r| r.as_str()).collect();
    let compares = of_type(&flow, "Compare");
    assert_eq!(compares.len(), 2);
    for compare in compares {
        assert_eq!(
            compare["Parameters"]["ComparisonValue"],
            "$.External.result"
        );
        let operands: HashSet<&str> = compare["Transitions"]["Conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["Condition"]["Operator"], "Equals");
                c["Condition"]["Operands"][0].as_str().unwrap()
            })
            .collect();
        assert!(operands.is_subset(&known), "{operands:?}");
        let expected: HashSet<&str> = known.iter().copied().filter(|r| *r != "error").collect();
        assert_eq!(operands, expected, "error goes to the default branch");
        assert!(error_types(compare).contains("NoMatchingCondition"));
    }
}

#[test]
fn the_flow_turns_flow_logging_off_before_anything_is_keyed() {
    // Flow logs would record $.StoredCustomerInput (document digits, the code): an instance with
    // logging on must still never see them, so the first action turns logging off explicitly.
    let flow = flow();
    let start = flow["StartAction"].as_str().unwrap();
    let first = actions(&flow)
        .iter()
        .find(|a| a["Identifier"] == start)
        .unwrap();
    assert_eq!(first["Type"], "UpdateFlowLoggingBehavior");
    assert_eq!(first["Parameters"]["FlowLoggingBehavior"], "Disabled");
    let switches = of_type(&flow, "UpdateFlowLoggingBehavior");
    assert_eq!(switches.len(), 1, "nothing turns logging back on");
}
