//! The mailer and the dialer, in memory: they record what they were asked to send. The dialer
//! honours the idempotency token as Connect does (the same token, the same contact).

use std::sync::Mutex;

use super::faults::Switches;
use super::{Fault, Op};
use crate::domain::{Email, Otp, PhoneNumber, RequestId};
use crate::ports::{CallOrder, ContactId, Dialer, Mailer, ServiceError};

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

/// A call the in-memory dialer placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedCall {
    pub order: CallOrder,
    /// E.164.
    pub to: String,
    pub token: String,
    pub contact: ContactId,
}

#[derive(Debug, Default)]
pub struct MemoryDialer {
    placed: Mutex<Vec<PlacedCall>>,
    switches: Switches,
}

impl MemoryDialer {
    /// The calls placed: request and the number dialled (E.164), once per token.
    pub fn placed(&self) -> Vec<(RequestId, String)> {
        self.calls()
            .iter()
            .map(|c| (c.order.request, c.to.clone()))
            .collect()
    }

    /// The calls placed, in full.
    pub fn calls(&self) -> Vec<PlacedCall> {
        self.placed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How often `place_call` was asked (placed or not).
    pub fn asked(&self) -> usize {
        self.switches.calls(Op::PlaceCall)
    }

    pub fn inject(&self, fault: Fault) {
        self.switches.inject(Op::PlaceCall, fault);
    }

    /// The next `times` calls fail (unavailable).
    pub fn fail_next(&self, times: u32) {
        self.switches.fail_next(Op::PlaceCall, times);
    }

    pub fn heal(&self) {
        self.switches.heal();
    }
}

impl Dialer for MemoryDialer {
    async fn place_call(
        &self,
        to: &PhoneNumber,
        order: &CallOrder,
    ) -> Result<ContactId, ServiceError> {
        self.switches.enter(Op::PlaceCall).await?;
        let mut placed = self.placed.lock().unwrap_or_else(|e| e.into_inner());
        let token = order.client_token();
        if let Some(call) = placed.iter().find(|c| c.token == token) {
            return Ok(call.contact.clone());
        }
        let contact = ContactId(format!("contact-{token}"));
        placed.push(PlacedCall {
            order: order.clone(),
            to: to.e164().to_owned(),
            token,
            contact: contact.clone(),
        });
        Ok(contact)
    }
}
