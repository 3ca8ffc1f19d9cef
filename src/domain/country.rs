//! Countries as the published `idInformation` names them (`*_full`, `*_iso2`, `*_iso3`), from
//! the three-letter codes of a machine-readable zone (ICAO 9303 part 3: ISO 3166-1 alpha-3 plus
//! a few codes of ICAO's own) or from the United States for a state-issued licence.

use isocountry::CountryCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub full: Option<String>,
    pub iso2: Option<String>,
    pub iso3: String,
}

impl Country {
    pub fn united_states() -> Self {
        Self::from_icao("USA").expect("USA is an ISO 3166-1 code")
    }

    /// The country or organisation an MRZ code names. ICAO writes Germany as `D` (padded `D<<`)
    /// and has codes for British nationals, Kosovo, the UN and stateless persons; codes it does
    /// not define are `None`.
    pub fn from_icao(code: &str) -> Option<Self> {
        let code = code.trim_end_matches('<').trim().to_ascii_uppercase();
        let iso = match code.as_str() {
            "D" => "DEU",
            "GBD" | "GBN" | "GBO" | "GBP" | "GBS" => "GBR",
            other => other,
        };
        if let Ok(country) = CountryCode::for_alpha3(iso) {
            return Some(Self {
                full: Some(country.name().to_owned()),
                iso2: Some(country.alpha2().to_owned()),
                iso3: if code == "D" { "DEU".into() } else { code },
            });
        }
        let (full, iso2) = match code.as_str() {
            "RKS" => ("Kosovo", Some("XK")),
            "EUE" => ("European Union", None),
            "UNO" | "UNA" | "UNK" => ("United Nations", None),
            "XXA" => ("Stateless person", None),
            "XXB" => ("Refugee", None),
            "XXC" => ("Refugee (other)", None),
            "XXX" => ("Unspecified nationality", None),
            _ => return None,
        };
        Some(Self {
            full: Some(full.to_owned()),
            iso2: iso2.map(str::to_owned),
            iso3: code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_codes_resolve_to_their_names() {
        let us = Country::from_icao("USA").unwrap();
        assert_eq!(us.iso2.as_deref(), Some("US"));
        assert_eq!(us.full.as_deref(), Some("United States of America"));
        assert_eq!(Country::united_states(), us);
        assert_eq!(
            Country::from_icao("fra").unwrap().iso2.as_deref(),
            Some("FR")
        );
    }

    #[test]
    fn icao_specific_codes_are_understood() {
        let germany = Country::from_icao("D<<").unwrap();
        assert_eq!(germany.iso3, "DEU");
        assert_eq!(germany.iso2.as_deref(), Some("DE"));
        let bot = Country::from_icao("GBD").unwrap();
        assert_eq!(
            (bot.iso2.as_deref(), bot.iso3.as_str()),
            (Some("GB"), "GBD")
        );
        let kosovo = Country::from_icao("RKS").unwrap();
        assert_eq!(kosovo.iso2.as_deref(), Some("XK"));
        let stateless = Country::from_icao("XXA").unwrap();
        assert_eq!(stateless.iso2, None);
    }

    #[test]
    fn unknown_codes_are_none() {
        assert_eq!(Country::from_icao("QQQ"), None);
        assert_eq!(Country::from_icao("<<<"), None);
        assert_eq!(Country::from_icao(""), None);
    }
}
