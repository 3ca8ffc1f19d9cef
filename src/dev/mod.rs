//! Development tools, compiled only with the `dev` feature (the admin CLI's `call` and
//! `poll-calls`, the tests): never part of a deployed function.

pub mod call_poller;
pub mod call_simulator;
