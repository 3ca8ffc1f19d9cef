//! Development tools, compiled only with the `dev` feature (the admin CLI's `call`, the
//! tests): never part of a deployed function.

pub mod call_simulator;
