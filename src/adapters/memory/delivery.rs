//! The mailer and the dialer, in memory: they record what they were asked to send.

use std::sync::Mutex;

use super::faults::Switches;
use super::{Fault, Op};
use crate::domain::{Email, Otp, PhoneNumber, RequestId, TenantId};
use crate::ports::{ContactId, Dialer, Mailer, ServiceError};

/// A mail the in-memory mailer accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMail {
    pub to: String,
    pub code: String,
    pub valid_minutes: u64,
}

#[derive(Debug, Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<SentMail>>,
    switches: Switches,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<SentMail> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn inject(&self, fault: Fault) {
        self.switches.inject(Op::SendMail, fault);
    }

    pub fn heal(&self) {
        self.switches.heal();
    }
}

impl Mailer for MemoryMailer {
    async fn send_otp(
        &self,
        to: &Email,
        otp: &Otp,
        valid_minutes: u64,
    ) -> Result<(), ServiceError> {
        self.switches.enter(Op::SendMail).await?;
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(SentMail {
                to: to.as_str().to_owned(),
                code: otp.expose().to_owned(),
                valid_minutes,
            });
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct MemoryDialer {
    placed: Mutex<Vec<(RequestId, String, TenantId)>>,
    switches: Switches,
}

impl MemoryDialer {
    /// The calls placed: request and the number dialled (E.164).
    pub fn placed(&self) -> Vec<(RequestId, String)> {
        let placed = self.placed.lock().unwrap_or_else(|e| e.into_inner());
        placed.iter().map(|(id, to, _)| (*id, to.clone())).collect()
    }

    pub fn inject(&self, fault: Fault) {
        self.switches.inject(Op::PlaceCall, fault);
    }

    pub fn heal(&self) {
        self.switches.heal();
    }
}

impl Dialer for MemoryDialer {
    async fn place_call(
        &self,
        to: &PhoneNumber,
        request: &RequestId,
        tenant: &TenantId,
    ) -> Result<ContactId, ServiceError> {
        self.switches.enter(Op::PlaceCall).await?;
        let mut placed = self.placed.lock().unwrap_or_else(|e| e.into_inner());
        // The request id is the idempotency token, as Connect's ClientToken.
        if !placed.iter().any(|(id, _, _)| id == request) {
            placed.push((*request, to.e164().to_owned(), tenant.clone()));
        }
        Ok(ContactId(format!("contact-{request}")))
    }
}
