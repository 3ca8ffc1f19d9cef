//! The call fields of a request, in memory: what the dialer and the redial route read and
//! write, with the conditions the DynamoDB store puts on them.

use super::super::Op;
use super::{email, phone, MemoryStore};
use crate::domain::{RequestId, RequestStatus, TenantId, Transition};
use crate::ports::{CallState, CallStore, ContactId, ServiceError, TransitionDetails};

impl MemoryStore {
    /// The contact of the latest call recorded on a request.
    pub fn call_contact_of(&self, tenant: &TenantId, id: &RequestId) -> Option<String> {
        let state = self.state();
        state
            .requests
            .get(&(tenant.clone(), *id))?
            .call_contact_id
            .clone()
    }
}

impl CallStore for MemoryStore {
    async fn load_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
    ) -> Result<Option<CallState>, ServiceError> {
        self.switches.enter(Op::CallState).await?;
        let state = self.state();
        Ok(state
            .requests
            .get(&(tenant.clone(), *id))
            .map(|row| CallState {
                status: row.request.status,
                otp_expires_at: row.request.otp_expires_at,
                phone_number: row.request.phone_number.clone(),
                calls_scheduled: row.calls_scheduled,
                calls_placed: row.calls_placed,
                call_scheduled_at: row.request.call_scheduled_at,
                call_placed_at: row.request.call_placed_at,
            }))
    }

    async fn record_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        call: u32,
        contact: &ContactId,
        attempts: u32,
        now: u64,
    ) -> Result<bool, ServiceError> {
        self.switches.enter(Op::CallState).await?;
        let mut state = self.state();
        let Some(row) = state.requests.get_mut(&(tenant.clone(), *id)) else {
            return Ok(false);
        };
        if row.request.status != RequestStatus::Pending || row.calls_placed >= call {
            return Ok(false);
        }
        row.calls_placed = call;
        row.call_contact_id = Some(contact.0.clone());
        row.request.call_placed_at = Some(now);
        row.request.call_attempts = Some(attempts);
        Ok(true)
    }

    async fn give_up_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        attempts: u32,
        now: u64,
    ) -> Result<bool, ServiceError> {
        self.switches.enter(Op::CallState).await?;
        let mut state = self.state();
        let key = (tenant.clone(), *id);
        let Some(row) = state.requests.get(&key) else {
            return Ok(false);
        };
        if row.calls_placed > 0 {
            return Ok(false);
        }
        let (email_key, phone_key) = (row.email_key.clone(), row.phone_key.clone());
        let details = TransitionDetails {
            now,
            ..TransitionDetails::default()
        };
        let pending = RequestStatus::Pending;
        if !state.transition(tenant, id, pending, Transition::CallNotPlaced, details) {
            return Ok(false);
        }
        if let Some(row) = state.requests.get_mut(&key) {
            row.request.call_attempts = Some(attempts);
        }
        for reservation in [email(tenant, &email_key), phone(tenant, &phone_key)] {
            if state.reservations.get(&reservation) == Some(id) {
                state.reservations.remove(&reservation);
            }
        }
        Ok(true)
    }

    async fn schedule_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        seen: u32,
        at: u64,
    ) -> Result<bool, ServiceError> {
        self.switches.enter(Op::CallState).await?;
        let mut state = self.state();
        let Some(row) = state.requests.get_mut(&(tenant.clone(), *id)) else {
            return Ok(false);
        };
        if row.request.status != RequestStatus::Pending || row.calls_scheduled != seen {
            return Ok(false);
        }
        row.calls_scheduled = seen + 1;
        row.request.call_scheduled_at = Some(at);
        Ok(true)
    }

    async fn unschedule_call(
        &self,
        tenant: &TenantId,
        id: &RequestId,
        call: u32,
        previous_at: Option<u64>,
    ) -> Result<bool, ServiceError> {
        self.switches.enter(Op::CallState).await?;
        let mut state = self.state();
        let Some(row) = state.requests.get_mut(&(tenant.clone(), *id)) else {
            return Ok(false);
        };
        if row.calls_scheduled != call || row.calls_placed >= call {
            return Ok(false);
        }
        row.calls_scheduled = call - 1;
        row.request.call_scheduled_at = previous_at;
        Ok(true)
    }
}
