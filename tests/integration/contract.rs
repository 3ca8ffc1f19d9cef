//! Every response the tests receive is checked against `openapi.yaml`: its status must be
//! documented for the route and method, and its body must match the documented schema
//! (JSON Schema 2020-12, checked with the `jsonschema` crate, formats asserted).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{json, Value};

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = include_str!("../../openapi.yaml");
        let spec: Value = serde_yaml_ng::from_str(text).expect("openapi.yaml parses");
        assert_eq!(spec["openapi"], "3.1.0");
        spec
    })
}

fn template_for(path: &str) -> Option<&'static str> {
    spec()["paths"]
        .as_object()
        .unwrap()
        .keys()
        .find_map(|template| {
            let (t, p): (Vec<&str>, Vec<&str>) =
                (template.split('/').collect(), path.split('/').collect());
            let fits = t.len() == p.len()
                && t.iter()
                    .zip(&p)
                    .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()));
            fits.then_some(template.as_str())
        })
}

fn resolve(value: &Value) -> &Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(
                spec()
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling {reference}")),
            )
        }
        None => value,
    }
}

fn validator(key: String, schema: &Value) -> &'static Validator {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static Validator>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache.entry(key).or_insert_with(|| {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": spec()["components"],
            "allOf": [schema],
        });
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .expect("a valid schema");
        Box::leak(Box::new(validator))
    })
}

/// Panics unless `status` and `body` are what openapi.yaml documents for `method path`.
pub fn check(method: &str, path: &str, status: u16, body: &str) {
    let path = path.trim_end_matches('/');
    let body: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON ({e}): {body}"));
    let operation = template_for(path).and_then(|t| {
        let op = &spec()["paths"][t][method.to_lowercase()];
        (!op.is_null()).then_some((t, op))
    });
    let (key, schema) = match operation {
        Some((template, op)) => {
            let response = op["responses"]
                .get(status.to_string())
                .unwrap_or_else(|| panic!("{method} {template} answered {status}, which openapi.yaml does not document: {body}"));
            let schema = &resolve(response)["content"]["application/json"]["schema"];
            (format!("{method} {template} {status}"), schema)
        }
        None => {
            // No such operation: only the key check's and the router's own errors come back.
            let expected = if template_for(path).is_some() {
                405
            } else {
                404
            };
            assert!(
                status == expected || status == 401,
                "{method} {path} answered {status}: {body}"
            );
            (
                "router error".to_owned(),
                &spec()["components"]["schemas"]["Error"],
            )
        }
    };
    let validator = validator(key.clone(), schema);
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{key}: the body breaks openapi.yaml: {errors:?}\n{body}"
    );
}
