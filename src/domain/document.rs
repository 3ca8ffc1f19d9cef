use std::fmt;

use serde::{Deserialize, Serialize};

use super::{DocumentId, ValidationError};
use crate::messages;

/// What the document step extracted from an identity document, in the product's published
/// shape (the retrieval API returns it as `idInformation`). Unknown values are `null`.
///
/// `documentNumber` is PII and the secret the verification call asks the last four digits
/// of: `Debug` never prints any field.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdInformation {
    #[serde(rename = "documentNumber")]
    pub document_number: Option<String>,
    #[serde(rename = "firstName")]
    pub first_name: Option<String>,
    #[serde(rename = "middleName")]
    pub middle_name: Option<String>,
    #[serde(rename = "lastName")]
    pub last_name: Option<String>,
    #[serde(rename = "fullName")]
    pub full_name: Option<String>,
    pub age: Option<i64>,
    pub dob: Option<String>,
    pub dob_day: Option<i64>,
    pub dob_month: Option<i64>,
    pub dob_year: Option<i64>,
    pub expiry: Option<String>,
    pub expiry_day: Option<i64>,
    pub expiry_month: Option<i64>,
    pub expiry_year: Option<i64>,
    #[serde(rename = "daysToExpiry")]
    pub days_to_expiry: Option<i64>,
    pub issued: Option<String>,
    pub issued_day: Option<i64>,
    pub issued_month: Option<i64>,
    pub issued_year: Option<i64>,
    #[serde(rename = "daysFromIssue")]
    pub days_from_issue: Option<i64>,
    pub address1: Option<String>,
    #[serde(rename = "documentType")]
    pub document_type: Option<String>,
    #[serde(rename = "documentSide")]
    pub document_side: Option<String>,
    #[serde(rename = "issueAuthority")]
    pub issue_authority: Option<String>,
    #[serde(rename = "issuerOrg_full")]
    pub issuer_org_full: Option<String>,
    #[serde(rename = "issuerOrg_iso2")]
    pub issuer_org_iso2: Option<String>,
    #[serde(rename = "issuerOrg_iso3")]
    pub issuer_org_iso3: Option<String>,
    pub nationality_full: Option<String>,
    pub nationality_iso2: Option<String>,
    pub nationality_iso3: Option<String>,
    #[serde(rename = "internalId")]
    pub internal_id: Option<String>,
}

impl fmt::Debug for IdInformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdInformation(<redacted>)")
    }
}

/// A document identification record: the extracted fields plus references to the captured
/// images and the face-match score. The create path only checks that it exists; the call asks
/// for the last four digits of its document number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentIdentification {
    pub id_information: IdInformation,
    pub id_front_image: Option<String>,
    pub id_back_image: Option<String>,
    pub id_side_image: Option<String>,
    pub face_image: Option<String>,
    pub face_match: Option<f64>,
}

impl DocumentIdentification {
    /// Checks what the rest of the flow relies on: a document number with at least four digits
    /// (the call asks for the last four, keyed on a phone) and a face-match score in [0, 1].
    pub fn validate(self) -> Result<Self, ValidationError> {
        let number = self
            .id_information
            .document_number
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if number.chars().filter(char::is_ascii_digit).count() < 4 {
            return Err(ValidationError::new(messages::DOCUMENT_NUMBER_TOO_SHORT));
        }
        if let Some(score) = self.face_match {
            if !(0.0..=1.0).contains(&score) {
                return Err(ValidationError::new(messages::FACE_MATCH_RANGE));
            }
        }
        Ok(self)
    }

    /// The last four digits of the document number (letters and separators skipped), as the
    /// caller keys them in on the phone.
    pub fn document_last_four(&self) -> Option<String> {
        let chars: Vec<char> = self
            .id_information
            .document_number
            .as_deref()?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        (chars.len() >= 4).then(|| chars[chars.len() - 4..].iter().collect())
    }
}

/// A registered document record with its id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDocument {
    pub id: DocumentId,
    pub document: DocumentIdentification,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DocumentIdentification {
        serde_json::from_str(include_str!("../../events/document.json")).unwrap()
    }

    #[test]
    fn the_sample_document_parses_and_validates() {
        let doc = sample().validate().unwrap();
        assert_eq!(doc.document_last_four().as_deref(), Some("6789"));
    }

    #[test]
    fn id_information_serializes_with_the_published_field_names() {
        let json = serde_json::to_value(sample().id_information).unwrap();
        for field in [
            "documentNumber",
            "firstName",
            "middleName",
            "lastName",
            "fullName",
            "age",
            "dob",
            "dob_day",
            "dob_month",
            "dob_year",
            "expiry",
            "expiry_day",
            "expiry_month",
            "expiry_year",
            "daysToExpiry",
            "issued",
            "issued_day",
            "issued_month",
            "issued_year",
            "daysFromIssue",
            "address1",
            "documentType",
            "documentSide",
            "issueAuthority",
            "issuerOrg_full",
            "issuerOrg_iso2",
            "issuerOrg_iso3",
            "nationality_full",
            "nationality_iso2",
            "nationality_iso3",
            "internalId",
        ] {
            assert!(json.get(field).is_some(), "missing {field}");
        }
        assert_eq!(json.as_object().unwrap().len(), 31);
    }

    #[test]
    fn a_document_without_a_usable_number_is_refused() {
        let mut doc = sample();
        doc.id_information.document_number = Some("AB12-3C".into());
        assert!(doc.validate().is_err());
        let mut doc = sample();
        doc.id_information.document_number = None;
        assert!(doc.validate().is_err());
    }

    #[test]
    fn last_four_are_digits_and_skip_letters_and_separators() {
        let mut doc = sample();
        doc.id_information.document_number = Some("X12 345-67a".into());
        assert_eq!(doc.document_last_four().as_deref(), Some("4567"));
    }

    #[test]
    fn debug_does_not_print_the_document_number() {
        assert!(!format!("{:?}", sample()).contains("6789"));
    }
}
