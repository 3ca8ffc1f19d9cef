//! The mailer over Amazon SES v2 `SendEmail`.

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sesv2::Client;

use super::OrServiceError;
use crate::domain::{Email, Otp};
use crate::ports::{Mailer, ServiceError};

const SERVICE: &str = "ses";

#[derive(Clone, Debug)]
pub struct SesMailer {
    client: Client,
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, from: impl Into<String>, configuration_set: Option<String>) -> Self {
        Self {
            client,
            from: from.into(),
            configuration_set,
        }
    }
}

fn content(text: String) -> Result<Content, ServiceError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .or_service(SERVICE)
}

/// The email text. The code is the only secret in it.
pub fn otp_email(otp: &Otp, valid_minutes: u64) -> (String, String) {
    let subject = "Your verification code".to_owned();
    let body = format!(
        "Your verification code is {code}.\n\n\
         You will receive a phone call shortly. When asked, key in the last four digits of \
         your identity document number, then this code.\n\n\
         The code expires in {valid_minutes} minutes. If you did not ask for this, ignore this email.\n",
        code = otp.expose()
    );
    (subject, body)
}

impl Mailer for SesMailer {
    async fn send_otp(
        &self,
        to: &Email,
        otp: &Otp,
        valid_minutes: u64,
    ) -> Result<(), ServiceError> {
        let (subject, body) = otp_email(otp, valid_minutes);
        let message = Message::builder()
            .subject(content(subject)?)
            .body(Body::builder().text(content(body)?).build())
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to.as_str()).build())
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .or_service(SERVICE)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_asks_for_what_the_call_asks_for() {
        let otp = Otp::generate();
        let (_, body) = otp_email(&otp, 10);
        assert!(body.contains(otp.expose()));
        assert!(body.contains("expires in 10 minutes"));
        let asked = "last four digits of your identity document number";
        let flow = include_str!("../../infra/connect/verification-flow.json");
        assert!(flow.contains(asked), "the call asks for the {asked}");
        assert!(
            body.contains(asked),
            "the email says what the call asks for: {body}"
        );
    }
}
