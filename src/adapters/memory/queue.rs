//! The call queue, in memory: it records what was enqueued (with its delay) and which received
//! messages were handed back for later (with their new visibility time-out).

use std::sync::Mutex;
use std::time::Duration;

use super::faults::Switches;
use super::{Fault, Op};
use crate::ports::{CallOrder, CallQueue, ServiceError};

#[derive(Debug, Default)]
pub struct MemoryCallQueue {
    enqueued: Mutex<Vec<(CallOrder, Duration)>>,
    postponed: Mutex<Vec<(String, Duration)>>,
    switches: Switches,
}

impl MemoryCallQueue {
    /// What was enqueued, with its delay, in order.
    pub fn enqueued(&self) -> Vec<(CallOrder, Duration)> {
        self.enqueued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The receipts handed back, with the time-out asked for, in order.
    pub fn postponed(&self) -> Vec<(String, Duration)> {
        self.postponed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Faults of `enqueue` (sending fails, stalls, hangs).
    pub fn inject(&self, fault: Fault) {
        self.switches.inject(Op::Enqueue, fault);
    }

    /// Faults of `postpone`.
    pub fn inject_postpone(&self, fault: Fault) {
        self.switches.inject(Op::Postpone, fault);
    }

    pub fn heal(&self) {
        self.switches.heal();
    }

    pub fn calls(&self, op: Op) -> usize {
        self.switches.calls(op)
    }
}

impl CallQueue for MemoryCallQueue {
    async fn enqueue(&self, order: &CallOrder, delay: Duration) -> Result<(), ServiceError> {
        self.switches.enter(Op::Enqueue).await?;
        self.enqueued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((order.clone(), delay));
        Ok(())
    }

    async fn postpone(&self, receipt: &str, visible_in: Duration) -> Result<(), ServiceError> {
        self.switches.enter(Op::Postpone).await?;
        self.postponed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((receipt.to_owned(), visible_in));
        Ok(())
    }
}
