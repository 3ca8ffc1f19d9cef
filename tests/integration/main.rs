//! Integration tests: the real handlers against DynamoDB Local, moto's SES and Connect
//! stand-ins (wiremock in-process, or the recording server of `scripts/connect_sim.py`).
//! `make test` starts the stack and sets the environment; see `support.rs`.

mod aws_calls;
mod calls;
mod contract;
mod create;
mod erasure;
mod fault_proxy;
mod faults;
mod flow;
mod lifecycle;
mod load;
mod onboarding;
mod races;
mod review;
mod scan;
#[allow(dead_code)] // shared with the browser test, which uses more of it
mod seed;
mod support;
mod sweeper;
mod uploads;
mod verify;
