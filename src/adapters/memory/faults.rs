//! The switches of the in-memory adapters: per operation, fail, stall or lose races on demand,
//! and count calls.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::ports::{ServiceError, ServiceErrorKind};

/// The operations a switch can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    FindApiKey,
    Create,
    Release,
    GetRequest,
    List,
    GetDocuments,
    Delete,
    Clear,
    LoadVerification,
    Stats,
    /// The conditional writes of a call: `accept_last_four`, `spend_attempt`, `transition`.
    ConditionalWrite,
    SendMail,
    PlaceCall,
    /// The call queue's `enqueue` and `postpone`.
    Enqueue,
    Postpone,
    /// The call store's reads and writes (`load_call`, `record_call`, `give_up_call`, …).
    CallState,
    /// The TTL sweeper's `count_removal`.
    Sweep,
}

/// What an operation does instead of its work, until healed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answers a service error (as the SDK would after its retries): unavailable.
    Fail,
    /// Answers a service error of this kind (throttled, rejected, …).
    FailAs(ServiceErrorKind),
    /// Waits this long, then works.
    Delay(Duration),
    /// Never answers.
    Hang,
}

#[derive(Debug, Default)]
struct Switch {
    fault: Option<Fault>,
    fail_times: u32,
    lose_times: u32,
    calls: usize,
}

#[derive(Debug, Default)]
pub(super) struct Switches(Mutex<HashMap<Op, Switch>>);

impl Switches {
    fn with<T>(&self, op: Op, f: impl FnOnce(&mut Switch) -> T) -> T {
        let mut switches = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(switches.entry(op).or_default())
    }

    pub fn inject(&self, op: Op, fault: Fault) {
        self.with(op, |s| s.fault = Some(fault));
    }

    pub fn fail_next(&self, op: Op, times: u32) {
        self.with(op, |s| s.fail_times = times);
    }

    pub fn lose_races(&self, op: Op, times: u32) {
        self.with(op, |s| s.lose_times = times);
    }

    pub fn heal(&self) {
        let mut switches = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for switch in switches.values_mut() {
            *switch = Switch {
                calls: switch.calls,
                ..Switch::default()
            };
        }
    }

    pub fn calls(&self, op: Op) -> usize {
        self.with(op, |s| s.calls)
    }

    /// Counts a call of `op` and plays its fault; `Err` when it is to fail.
    pub async fn enter(&self, op: Op) -> Result<(), ServiceError> {
        let (fault, fail) = self.with(op, |s| {
            s.calls += 1;
            let fail = s.fail_times > 0;
            if fail {
                s.fail_times -= 1;
            }
            (s.fault, fail)
        });
        match fault {
            Some(Fault::Hang) => std::future::pending::<()>().await,
            Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
            Some(Fault::Fail) | Some(Fault::FailAs(_)) | None => {}
        }
        let kind = match fault {
            Some(Fault::FailAs(kind)) => Some(kind),
            Some(Fault::Fail) => Some(ServiceErrorKind::Unavailable),
            _ if fail => Some(ServiceErrorKind::Unavailable),
            _ => None,
        };
        if let Some(kind) = kind {
            return Err(ServiceError::new(
                "memory",
                kind,
                format!("{op:?} failed on purpose"),
            ));
        }
        Ok(())
    }

    /// Whether this conditional write is to lose its race (changing nothing).
    pub fn loses_race(&self, op: Op) -> bool {
        self.with(op, |s| {
            let lose = s.lose_times > 0;
            if lose {
                s.lose_times -= 1;
            }
            lose
        })
    }
}
