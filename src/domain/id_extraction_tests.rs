use super::*;

fn day(raw: &str) -> DocumentDate {
    DocumentDate::parse(raw).unwrap()
}

/// The (type, text, normalized) triples of a Textract `AnalyzeID` fixture, front first, as the
/// adapter will feed them.
fn fixture_fields(json: &str) -> Vec<(String, String, Option<String>)> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut out = Vec::new();
    for doc in value["IdentityDocuments"].as_array().unwrap() {
        for field in doc["IdentityDocumentFields"].as_array().unwrap() {
            out.push((
                field["Type"]["Text"].as_str().unwrap().to_owned(),
                field["ValueDetection"]["Text"].as_str().unwrap().to_owned(),
                field["ValueDetection"]["NormalizedValue"]["Value"]
                    .as_str()
                    .map(str::to_owned),
            ));
        }
    }
    out
}

fn map(
    fields: &[(String, String, Option<String>)],
    today: &str,
) -> Result<IdInformation, NotAnIdentityDocument> {
    let triples: Vec<ExtractedField<'_>> = fields
        .iter()
        .map(|(k, t, n)| ExtractedField::new(k, t, n.as_deref()))
        .collect();
    id_information(&triples, day(today))
}

fn triples(list: &[(&str, &str, Option<&str>)]) -> Vec<(String, String, Option<String>)> {
    list.iter()
        .map(|(k, t, n)| (k.to_string(), t.to_string(), n.map(str::to_owned)))
        .collect()
}

const PASSPORT: &str = include_str!("../../tests/fixtures/textract/analyze-id-passport.json");
const LICENCE: &str = include_str!("../../tests/fixtures/textract/analyze-id-driver-license.json");
const NOT_AN_ID: &str = include_str!("../../tests/fixtures/textract/analyze-id-not-an-id.json");

#[test]
fn the_passport_fixture_maps_to_every_published_field() {
    let info = map(&fixture_fields(PASSPORT), "2026-11-27").unwrap();
    let expected = IdInformation {
        document_number: Some("X123456789".into()),
        first_name: Some("JANE".into()),
        middle_name: Some("MARIE".into()),
        last_name: Some("DOE".into()),
        full_name: Some("JANE MARIE DOE".into()),
        age: Some(34),
        dob: Some("1992/03/14".into()),
        dob_day: Some(14),
        dob_month: Some(3),
        dob_year: Some(1992),
        expiry: Some("2031/08/01".into()),
        expiry_day: Some(1),
        expiry_month: Some(8),
        expiry_year: Some(2031),
        days_to_expiry: Some(1708),
        issued: Some("2021/08/02".into()),
        issued_day: Some(2),
        issued_month: Some(8),
        issued_year: Some(2021),
        days_from_issue: Some(1943),
        address1: None,
        document_type: Some("P".into()),
        document_side: Some("FRONT".into()),
        issue_authority: None,
        issuer_org_full: Some("United States of America".into()),
        issuer_org_iso2: Some("US".into()),
        issuer_org_iso3: Some("USA".into()),
        nationality_full: Some("United States of America".into()),
        nationality_iso2: Some("US".into()),
        nationality_iso3: Some("USA".into()),
        internal_id: None,
    };
    assert_eq!(
        serde_json::to_value(&info).unwrap(),
        serde_json::to_value(&expected).unwrap()
    );
}

#[test]
fn the_licence_fixture_maps_address_state_and_leap_day_dates() {
    // The licence fixture spells ValueType "Date" as observed in real answers; the mapping
    // uses the normalized value whatever its ValueType says.
    let fields = fixture_fields(LICENCE);
    let info = map(&fields, "2026-02-28").unwrap();
    assert_eq!(info.full_name.as_deref(), Some("JOHN QUINCY SAMPLE"));
    assert_eq!(
        info.address1.as_deref(),
        Some("1 MAIN ST, MONTGOMERY AL 36104")
    );
    assert_eq!(info.document_type.as_deref(), Some("DL"));
    assert_eq!(info.document_side.as_deref(), Some("FRONT"));
    assert_eq!(info.issue_authority.as_deref(), Some("ALABAMA"));
    assert_eq!(info.issuer_org_iso3.as_deref(), Some("USA"));
    assert_eq!(info.issuer_org_iso2.as_deref(), Some("US"));
    // A licence does not state nationality.
    assert_eq!(
        (
            info.nationality_full,
            info.nationality_iso2,
            info.nationality_iso3
        ),
        (None, None, None)
    );
    assert_eq!(info.dob.as_deref(), Some("1988/02/29"));
    assert_eq!((info.dob_day, info.dob_month), (Some(29), Some(2)));
    assert_eq!(info.age, Some(37));
    assert_eq!(map(&fields, "2026-03-01").unwrap().age, Some(38));
    assert_eq!(info.expiry.as_deref(), Some("2028/02/29"));
    assert_eq!(info.days_to_expiry, Some(731));
    assert_eq!(map(&fields, "2028-02-29").unwrap().days_to_expiry, Some(0));
    assert_eq!(map(&fields, "2028-03-01").unwrap().days_to_expiry, Some(-1));
}

#[test]
fn the_not_an_id_fixture_is_refused() {
    assert_eq!(
        map(&fixture_fields(NOT_AN_ID), "2026-11-27"),
        Err(NotAnIdentityDocument)
    );
    assert_eq!(map(&[], "2026-11-27"), Err(NotAnIdentityDocument));
}

#[test]
fn a_number_and_a_name_are_enough_without_a_known_type() {
    let fields = triples(&[
        ("ID_TYPE", "OTHER", None),
        ("DOCUMENT_NUMBER", "AB1234", None),
        ("LAST_NAME", "ROE", None),
    ]);
    let info = map(&fields, "2026-01-01").unwrap();
    assert_eq!(info.document_number.as_deref(), Some("AB1234"));
    assert_eq!(info.document_type, None);
    assert_eq!(info.issuer_org_iso3, None);
    // A number alone is not.
    assert!(map(
        &triples(&[("DOCUMENT_NUMBER", "AB1234", None)]),
        "2026-01-01"
    )
    .is_err());
}

#[test]
fn the_front_wins_and_the_back_fills_gaps() {
    let fields = triples(&[
        ("ID_TYPE", "DRIVER LICENSE FRONT", None),
        ("FIRST_NAME", "ANN", None),
        ("ADDRESS", "", None),
        ("DOCUMENT_NUMBER", "D1234567", None),
        // back page
        ("ID_TYPE", "OTHER", None),
        ("FIRST_NAME", "ANNE", None),
        ("ADDRESS", "9 ELM RD", None),
    ]);
    let info = map(&fields, "2026-01-01").unwrap();
    assert_eq!(info.first_name.as_deref(), Some("ANN"));
    assert_eq!(info.address1.as_deref(), Some("9 ELM RD"));
    // Without a state, the licence names no issuer.
    assert_eq!(info.issuer_org_iso3, None);
    assert_eq!(info.issue_authority, None);
}

#[test]
fn empty_and_whitespace_values_are_null_and_values_are_trimmed() {
    let fields = triples(&[
        ("ID_TYPE", "PASSPORT", None),
        ("FIRST_NAME", "  JANE ", None),
        ("MIDDLE_NAME", "   ", None),
        ("SUFFIX", "", None),
        ("LAST_NAME", "DOE", None),
        ("Other", "SOMETHING", None),
    ]);
    let info = map(&fields, "2026-01-01").unwrap();
    assert_eq!(info.first_name.as_deref(), Some("JANE"));
    assert_eq!(info.middle_name, None);
    assert_eq!(info.full_name.as_deref(), Some("JANE DOE"));
    assert_eq!(info.document_type.as_deref(), Some("P"));
    // No MRZ: a passport alone does not say who issued it.
    assert_eq!(info.issuer_org_iso3, None);
    assert_eq!(info.nationality_iso3, None);
}

#[test]
fn dates_come_from_the_normalized_value_else_only_from_year_first_text() {
    let fields = triples(&[
        ("ID_TYPE", "PASSPORT", None),
        ("DATE_OF_BIRTH", "01-05-1948", None),
        ("EXPIRATION_DATE", "2030-01-02", None),
        ("DATE_OF_ISSUE", "02/30/2020", Some("2020-02-30T00:00:00")),
    ]);
    let info = map(&fields, "2026-01-01").unwrap();
    assert_eq!((info.dob, info.age, info.dob_year), (None, None, None));
    assert_eq!(info.expiry.as_deref(), Some("2030/01/02"));
    assert_eq!(info.days_to_expiry, Some(1462));
    assert_eq!((info.issued, info.days_from_issue), (None, None));
}

#[test]
fn issuer_and_nationality_come_from_the_mrz_separately() {
    let fields = triples(&[
        ("ID_TYPE", "OTHER", None),
        ("DOCUMENT_NUMBER", "T22000129", None),
        ("LAST_NAME", "MUSTERMANN", None),
        (
            "MRZ_CODE",
            "IDD<<T220001293<<<<<<<<<<<<<<<\n6408125F2010315FRA<<<<<<<<<<<4\nMUSTERMANN<<ERIKA<<<<<<<<<<<<<",
            None,
        ),
    ]);
    let info = map(&fields, "2026-01-01").unwrap();
    assert_eq!(info.document_type.as_deref(), Some("ID"));
    assert_eq!(info.issuer_org_iso3.as_deref(), Some("DEU"));
    assert_eq!(info.issuer_org_full.as_deref(), Some("Germany"));
    assert_eq!(info.nationality_iso3.as_deref(), Some("FRA"));
    assert_eq!(info.nationality_iso2.as_deref(), Some("FR"));
}

#[test]
fn an_address_that_already_names_the_city_is_not_repeated() {
    let fields = triples(&[
        ("ID_TYPE", "DRIVER LICENSE FRONT", None),
        ("ADDRESS", "1 MARKET ST, SAN FRANCISCO CA", None),
        ("CITY_IN_ADDRESS", "San Francisco", None),
        ("STATE_IN_ADDRESS", "CA", None),
    ]);
    let info = map(&fields, "2026-01-01").unwrap();
    assert_eq!(
        info.address1.as_deref(),
        Some("1 MARKET ST, SAN FRANCISCO CA")
    );
    let city_only = triples(&[
        ("ID_TYPE", "DRIVER LICENSE FRONT", None),
        ("CITY_IN_ADDRESS", "MONTGOMERY", None),
    ]);
    assert_eq!(
        map(&city_only, "2026-01-01").unwrap().address1.as_deref(),
        Some("MONTGOMERY")
    );
}
