//! The dialer over Amazon Connect `StartOutboundVoiceContact`.

use aws_sdk_connect::Client;

use super::OrServiceError;
use crate::domain::PhoneNumber;
use crate::ports::{contact_attributes, CallOrder, ContactId, Dialer, ServiceError};

const SERVICE: &str = "connect";

#[derive(Clone, Debug)]
pub struct ConnectDialer {
    client: Client,
    instance_id: String,
    contact_flow_id: String,
    source_phone_number: String,
}

impl ConnectDialer {
    pub fn new(
        client: Client,
        instance_id: impl Into<String>,
        contact_flow_id: impl Into<String>,
        source_phone_number: impl Into<String>,
    ) -> Self {
        Self {
            client,
            instance_id: instance_id.into(),
            contact_flow_id: contact_flow_id.into(),
            source_phone_number: source_phone_number.into(),
        }
    }
}

impl Dialer for ConnectDialer {
    async fn place_call(
        &self,
        to: &PhoneNumber,
        order: &CallOrder,
    ) -> Result<ContactId, ServiceError> {
        let out = self
            .client
            .start_outbound_voice_contact()
            .instance_id(&self.instance_id)
            .contact_flow_id(&self.contact_flow_id)
            .source_phone_number(&self.source_phone_number)
            .destination_phone_number(to.e164())
            .client_token(order.client_token())
            .attributes(contact_attributes::REQUEST_ID, order.request.to_string())
            .attributes(contact_attributes::TENANT_ID, order.tenant.as_str())
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(ContactId(out.contact_id.unwrap_or_default()))
    }
}
