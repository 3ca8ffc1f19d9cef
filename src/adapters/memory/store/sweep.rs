//! The TTL sweeper's store in memory, and DynamoDB's TTL itself: `remove_by_ttl` removes a
//! request as TTL does (no count moves), `count_removal` counts it as the DynamoDB adapter does
//! (once, whatever the replays).

use super::{email, phone, MemoryStore, Op};
use crate::domain::{RequestId, TenantId};
use crate::ports::{RemovedRequest, ServiceError, SweepStore, Swept};

impl MemoryStore {
    /// Removes a request with its code and reservations as DynamoDB's TTL does: without a
    /// write of ours, so its document's count and its status count still include it. What the
    /// table's stream would carry, `None` when there is no such request.
    pub fn remove_by_ttl(&self, tenant: &TenantId, id: &RequestId) -> Option<RemovedRequest> {
        let mut state = self.state();
        let row = state.requests.remove(&(tenant.clone(), *id))?;
        for key in [email(tenant, &row.email_key), phone(tenant, &row.phone_key)] {
            if state.reservations.get(&key) == Some(id) {
                state.reservations.remove(&key);
            }
        }
        state
            .uncounted
            .entry(tenant.clone())
            .or_default()
            .add(row.request.status, 1);
        Some(RemovedRequest {
            tenant: tenant.clone(),
            id: *id,
            document_id: row.request.document_id,
            status: row.request.status,
        })
    }

    /// How many requests name a document record (`None`: no such record).
    pub fn document_refs(&self, tenant: &TenantId, id: &crate::domain::DocumentId) -> Option<i64> {
        let state = self.state();
        let key = (tenant.clone(), id.clone());
        state
            .documents
            .contains_key(&key)
            .then(|| state.refs.get(&key).copied().unwrap_or(0))
    }
}

impl SweepStore for MemoryStore {
    async fn count_removal(
        &self,
        removed: &RemovedRequest,
        _now: u64,
    ) -> Result<Swept, ServiceError> {
        self.switches.enter(Op::Sweep).await?;
        let mut state = self.state();
        let tenant = &removed.tenant;
        let document = (tenant.clone(), removed.document_id.clone());
        let counted = state.swept.insert((tenant.clone(), removed.id));
        if counted {
            state
                .uncounted
                .entry(tenant.clone())
                .or_default()
                .add(removed.status, -1);
            if state.documents.contains_key(&document) {
                *state.refs.entry(document.clone()).or_default() -= 1;
            }
        }
        let unused = state.refs.get(&document).copied().unwrap_or(0) <= 0;
        let erased = (unused && state.documents.remove(&document).is_some()).then(|| {
            state.refs.remove(&document);
            document.1
        });
        Ok(Swept { counted, erased })
    }
}
