//! The parts of a machine-readable zone (ICAO 9303) that `idInformation` takes from it: the
//! document code, the issuing state and the holder's nationality.

/// What an MRZ says about the document and its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mrz {
    /// `P` (passport), `I`, `ID`, `AC`, `V`…: the first two characters without filler.
    pub document_code: String,
    /// Three-letter issuing state or organisation, filler kept (`D<<`).
    pub issuing_state: String,
    pub nationality: String,
}

/// The layouts: TD1 (3 lines of 30, ID cards), TD2 (2 of 36) and TD3 (2 of 44, passports).
/// Returns `None` for anything that is not one of them.
pub fn parse(raw: &str) -> Option<Mrz> {
    let compact: Vec<String> = raw
        .split_whitespace()
        .map(|l| l.trim().to_ascii_uppercase())
        .filter(|l| !l.is_empty())
        .collect();
    let lines: Vec<String> = match compact.as_slice() {
        // OCR may give the zone as one run of characters.
        [one] => match one.len() {
            90 => chunks(one, 30),
            72 => chunks(one, 36),
            88 => chunks(one, 44),
            _ => return None,
        },
        many => many.to_vec(),
    };
    if !lines.iter().all(|l| {
        l.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
    }) {
        return None;
    }
    let widths: Vec<usize> = lines.iter().map(String::len).collect();
    let nationality_at = match widths.as_slice() {
        [30, 30, 30] => 15,
        [36, 36] | [44, 44] => 10,
        _ => return None,
    };
    let first = &lines[0];
    Some(Mrz {
        document_code: first[..2].trim_end_matches('<').to_owned(),
        issuing_state: first[2..5].to_owned(),
        nationality: lines[1][nationality_at..nationality_at + 3].to_owned(),
    })
}

fn chunks(s: &str, width: usize) -> Vec<String> {
    s.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: &str = "P<USADOE<<JANE<MARIE<<<<<<<<<<<<<<<<<<<<<<<<\n\
                       X12345678<USA9203147F310801198<<<<<<<<<<<<79";

    #[test]
    fn a_passport_zone_gives_code_issuer_and_nationality() {
        let mrz = parse(TD3).unwrap();
        assert_eq!(mrz.document_code, "P");
        assert_eq!(mrz.issuing_state, "USA");
        assert_eq!(mrz.nationality, "USA");
    }

    #[test]
    fn the_zone_may_come_as_one_run_or_space_separated() {
        assert_eq!(parse(&TD3.replace('\n', "")), parse(TD3));
        assert_eq!(parse(&TD3.replace('\n', " ")), parse(TD3));
    }

    #[test]
    fn an_id_card_zone_reads_nationality_from_the_second_line() {
        // ICAO 9303 part 5 specimen layout (TD1), Utopia replaced by Germany / France.
        let td1 = "IDD<<T220001293<<<<<<<<<<<<<<<\n\
                   6408125F2010315FRA<<<<<<<<<<<4\n\
                   MUSTERMANN<<ERIKA<<<<<<<<<<<<<";
        let mrz = parse(td1).unwrap();
        assert_eq!(mrz.document_code, "ID");
        assert_eq!(mrz.issuing_state, "D<<");
        assert_eq!(mrz.nationality, "FRA");
    }

    #[test]
    fn anything_else_is_not_a_zone() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("P<USADOE"), None);
        assert_eq!(parse(&TD3.to_lowercase().replace('<', "#")), None);
        assert_eq!(parse(&format!("{TD3}\nEXTRA")), None);
    }
}
