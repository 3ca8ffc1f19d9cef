//! From the fields a document reader extracted to the published `idInformation`.
//!
//! The input is what Amazon Textract `AnalyzeID` returns, reduced to plain triples (field type
//! name, text as printed, normalized value) so that this stays free of AWS types; the adapter
//! feeds the front's fields first, then the back's. For each type the first non-empty value
//! wins. Textract lists every field type on every document and leaves the text empty where the
//! document does not say; those stay `null`.

use super::country::Country;
use super::document_dates::{DateParts, DerivedDates, DocumentDate};
use super::mrz;
use super::IdInformation;

/// One extracted field: Textract's type name (`FIRST_NAME`, `DATE_OF_BIRTH`, …), the text as
/// read, and the normalized value Textract gives for dates (`2031-08-01T00:00:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractedField<'a> {
    pub kind: &'a str,
    pub text: &'a str,
    pub normalized: Option<&'a str>,
}

impl<'a> ExtractedField<'a> {
    pub fn new(kind: &'a str, text: &'a str, normalized: Option<&'a str>) -> Self {
        Self {
            kind,
            text,
            normalized,
        }
    }
}

/// The images show no identity document the reader recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no identity document was recognised in the images")]
pub struct NotAnIdentityDocument;

/// The first non-empty value of each field type.
struct Fields<'a>(Vec<ExtractedField<'a>>);

impl<'a> Fields<'a> {
    fn text(&self, kind: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|f| f.kind.eq_ignore_ascii_case(kind) && !f.text.trim().is_empty())
            .map(|f| f.text.trim())
    }

    fn owned(&self, kind: &str) -> Option<String> {
        self.text(kind).map(str::to_owned)
    }

    /// A date field: the normalized value when there is one, otherwise the text if it is
    /// already year-first. US-style `01-05-2014` is ambiguous and is not guessed at.
    fn date(&self, kind: &str) -> Option<DocumentDate> {
        self.0
            .iter()
            .filter(|f| f.kind.eq_ignore_ascii_case(kind))
            .find_map(|f| {
                f.normalized
                    .and_then(DocumentDate::parse)
                    .or_else(|| DocumentDate::parse(f.text))
            })
    }
}

/// Maps the extracted fields to `idInformation`, deriving age, date parts and day counts as of
/// `today`. Refuses when the reader found no identity document: no known document type and
/// neither a document number nor a name.
pub fn id_information(
    fields: &[ExtractedField<'_>],
    today: DocumentDate,
) -> Result<IdInformation, NotAnIdentityDocument> {
    let fields = Fields(fields.to_vec());
    let id_type = fields.text("ID_TYPE").map(str::to_ascii_uppercase);
    let known_type = id_type
        .as_deref()
        .is_some_and(|t| t == "PASSPORT" || t.starts_with("DRIVER LICENSE"));
    let has_identity = fields.text("DOCUMENT_NUMBER").is_some()
        && (fields.text("LAST_NAME").is_some() || fields.text("FIRST_NAME").is_some());
    if !known_type && !has_identity {
        return Err(NotAnIdentityDocument);
    }

    let mrz = fields.text("MRZ_CODE").and_then(mrz::parse);
    let state = fields
        .text("STATE_NAME")
        .or_else(|| fields.text("STATE_IN_ADDRESS"));
    let is_licence = id_type
        .as_deref()
        .is_some_and(|t| t.starts_with("DRIVER LICENSE"));

    let (document_type, document_side) = match (&mrz, id_type.as_deref()) {
        (Some(mrz), _) => (Some(mrz.document_code.clone()), Some("FRONT".to_owned())),
        (None, Some("PASSPORT")) => (Some("P".to_owned()), Some("FRONT".to_owned())),
        (None, Some(t)) if is_licence => (
            Some("DL".to_owned()),
            t.rsplit(' ')
                .next()
                .filter(|s| *s == "FRONT" || *s == "BACK")
                .map(str::to_owned),
        ),
        _ => (None, None),
    };
    // The issuer: the MRZ's issuing state, else the United States for a state's licence
    // (AnalyzeID reads US licences; the state printed on it is the issuing authority).
    let issuer = match &mrz {
        Some(mrz) => Country::from_icao(&mrz.issuing_state),
        None if is_licence && state.is_some() => Some(Country::united_states()),
        None => None,
    };
    let nationality = mrz
        .as_ref()
        .and_then(|m| Country::from_icao(&m.nationality));

    let names = ["FIRST_NAME", "MIDDLE_NAME", "LAST_NAME", "SUFFIX"]
        .iter()
        .filter_map(|k| fields.text(k))
        .collect::<Vec<_>>();
    let full_name = (!names.is_empty()).then(|| names.join(" "));

    let derived = DerivedDates::derive(
        fields.date("DATE_OF_BIRTH"),
        fields.date("EXPIRATION_DATE"),
        fields.date("DATE_OF_ISSUE"),
        today,
    );
    let (dob, expiry, issued) = (
        split(derived.dob),
        split(derived.expiry),
        split(derived.issued),
    );

    Ok(IdInformation {
        document_number: fields.owned("DOCUMENT_NUMBER"),
        first_name: fields.owned("FIRST_NAME"),
        middle_name: fields.owned("MIDDLE_NAME"),
        last_name: fields.owned("LAST_NAME"),
        full_name,
        age: derived.age,
        dob: dob.0,
        dob_day: dob.1,
        dob_month: dob.2,
        dob_year: dob.3,
        expiry: expiry.0,
        expiry_day: expiry.1,
        expiry_month: expiry.2,
        expiry_year: expiry.3,
        days_to_expiry: derived.days_to_expiry,
        issued: issued.0,
        issued_day: issued.1,
        issued_month: issued.2,
        issued_year: issued.3,
        days_from_issue: derived.days_from_issue,
        address1: address(&fields),
        document_type,
        document_side,
        issue_authority: if is_licence {
            state.map(str::to_owned)
        } else {
            None
        },
        issuer_org_full: issuer.as_ref().and_then(|c| c.full.clone()),
        issuer_org_iso2: issuer.as_ref().and_then(|c| c.iso2.clone()),
        issuer_org_iso3: issuer.map(|c| c.iso3),
        nationality_full: nationality.as_ref().and_then(|c| c.full.clone()),
        nationality_iso2: nationality.as_ref().and_then(|c| c.iso2.clone()),
        nationality_iso3: nationality.map(|c| c.iso3),
        internal_id: None,
    })
}

type Split = (Option<String>, Option<i64>, Option<i64>, Option<i64>);

fn split(parts: Option<DateParts>) -> Split {
    match parts {
        Some(p) => (Some(p.text), Some(p.day), Some(p.month), Some(p.year)),
        None => (None, None, None, None),
    }
}

/// `ADDRESS, CITY STATE ZIP`, from what the document has of them (the published sample's form:
/// `1 MARKET ST, SAN FRANCISCO CA`).
fn address(fields: &Fields<'_>) -> Option<String> {
    let locality = ["CITY_IN_ADDRESS", "STATE_IN_ADDRESS", "ZIP_CODE_IN_ADDRESS"]
        .iter()
        .filter_map(|k| fields.text(k))
        .collect::<Vec<_>>()
        .join(" ");
    let street = fields.text("ADDRESS");
    let repeated = |street: &str| {
        fields.text("CITY_IN_ADDRESS").is_some_and(|city| {
            street
                .to_ascii_uppercase()
                .contains(&city.to_ascii_uppercase())
        })
    };
    match (street, locality.is_empty()) {
        (Some(street), true) => Some(street.to_owned()),
        (Some(street), false) if repeated(street) => Some(street.to_owned()),
        (Some(street), false) => Some(format!("{street}, {locality}")),
        (None, false) => Some(locality),
        (None, true) => None,
    }
}

#[cfg(test)]
#[path = "id_extraction_tests.rs"]
mod tests;
