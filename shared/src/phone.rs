//! `PhoneNumber`: a mobile number, always stored and sent in E.164 (`+4915123456789`), so one
//! phone has one spelling in the database, on the wire and in the SMS gateway's request.
//!
//! [`PhoneNumber::parse`] reads what people type ("0151 2345 6789", "+49 151 23456789",
//! "(415) 555-0100", "0049 151 …") with the country chosen beside the field supplying the
//! country code when none was typed. It works in two strengths:
//!
//! - Always (the browser): a shape check. Separators and a `tel:` prefix go; `+`, `00` or the
//!   country's own international prefix (`011` in North America) starts an international
//!   number; otherwise the country's trunk prefix (the "0" dialled inside Germany or the UK,
//!   "1" in North America, "8" in Russia) is dropped and its calling code put in front; then the
//!   number must have 7 to 15 digits. Those prefixes are two small tables taken from
//!   libphonenumber's metadata; the numbering plans themselves would add about 2 MB to the
//!   wasm. The check catches typing mistakes before a request is sent.
//! - With the `numbering-plan` feature (the server, which decides): the same reading, then
//!   libphonenumber's plan for the country (through the `phonenumber` crate) must call the
//!   number valid, and its E.164 form is what is stored. Only what the plan says is invalid is
//!   refused; a number is not required to be of the mobile type, because many plans (North
//!   America's among them) cannot tell mobile from fixed lines.
//!
//! [`PhoneNumber::from_e164`] is the way back in from storage and the wire, so serde checks the
//! same rule (fully, on the server) whenever a number is deserialized.
//!
//! The light check allows 7 digits, not 8: Niue (+683) and Tokelau (+690) hand out 4-digit
//! mobile numbers, and refusing a real number is worse than letting the server refuse a typo.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::country::CountryCode;

/// Fewest digits (country code included) of a number in use: +683 5xxx, a Niue mobile.
pub const MIN_DIGITS: usize = 7;
/// Most digits E.164 allows, country code included (ITU-T E.164 §6.1).
pub const MAX_DIGITS: usize = 15;

/// A phone number in E.164: `+`, then 7 to 15 digits, the first not 0. Valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "+4915123456789"))]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a text is not a phone number. The `Display` text is the reason shown to people.
///
/// Every variant exists in every build, so code that matches on them compiles the same way
/// with and without `numbering-plan`; only the server's full check produces the last three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("enter a mobile number")]
    Empty,
    #[error(
        "a phone number may contain only digits, spaces, dashes, dots, slashes, brackets and a leading +"
    )]
    InvalidCharacters,
    #[error("after + or 00 comes the country code, which never starts with 0 (such as +44)")]
    CountryCodeStartsWithZero,
    #[error("this number is too short")]
    TooShort,
    #[error("this number is too long (at most {MAX_DIGITS} digits)")]
    TooLong,
    #[error(
        "expected an international number in E.164 form: + and digits only, such as +4915123456789"
    )]
    NotE164,
    #[error("this number does not start with a country code that exists")]
    UnknownCountryCode,
    #[error("this is not a valid number for {}", .country.name())]
    NotANumberIn { country: CountryCode },
    #[error("this is not a valid phone number")]
    NotANumber,
}

impl PhoneNumber {
    /// What people type ("0151 2345 6789", "+49 151 23456789", "(415) 555-0100", "0049 151…"),
    /// read with `default_country` when it has no international prefix.
    pub fn parse(input: &str, default_country: CountryCode) -> Result<Self, PhoneError> {
        let typed = Typed::read(input)?;
        let e164 = typed.light_e164(default_country)?;
        #[cfg(feature = "numbering-plan")]
        let e164 = numbering_plan::check(&typed, &e164, default_country)?;
        Ok(PhoneNumber(e164))
    }

    /// The stored/wire form; used by serde. Exactly E.164, nothing to tidy: `+4915123456789`.
    pub fn from_e164(input: &str) -> Result<Self, PhoneError> {
        validate_e164(input)?;
        Ok(PhoneNumber(input.to_owned()))
    }

    /// The number as stored and sent: `+4915123456789`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What `from_e164` checks: the shape, and on the server the numbering plan too.
fn validate_e164(input: &str) -> Result<(), PhoneError> {
    check_e164(input)?;
    #[cfg(feature = "numbering-plan")]
    numbering_plan::check_stored(input)?;
    Ok(())
}

/// The E.164 shape: `+`, the first digit not 0, `MIN_DIGITS..=MAX_DIGITS` digits in all.
fn check_e164(input: &str) -> Result<(), PhoneError> {
    if input.is_empty() {
        return Err(PhoneError::Empty);
    }
    let digits = input.strip_prefix('+').ok_or(PhoneError::NotE164)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return Err(PhoneError::NotE164);
    }
    check_length(digits.len())
}

fn check_length(digits: usize) -> Result<(), PhoneError> {
    if digits < MIN_DIGITS {
        Err(PhoneError::TooShort)
    } else if digits > MAX_DIGITS {
        Err(PhoneError::TooLong)
    } else {
        Ok(())
    }
}

/// What was typed, with the separators gone.
#[derive(Debug)]
struct Typed {
    /// It began with "+".
    plus: bool,
    /// Every digit, in order.
    digits: String,
}

impl Typed {
    fn read(input: &str) -> Result<Typed, PhoneError> {
        let mut rest = input.trim();
        if rest
            .get(..4)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("tel:"))
        {
            rest = rest[4..].trim_start();
        }
        let mut digits = String::new();
        let mut plus = false;
        while let Some(c) = rest.chars().next() {
            // "+44 (0)7400 123456": the bracketed trunk 0 is dialled only from inside the
            // country, so it is no digit of the number.
            if let Some(after) = rest.strip_prefix("(0)") {
                rest = after;
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '0'..='9' => digits.push(c),
                '+' if !plus && digits.is_empty() => plus = true,
                c if is_separator(c) => {}
                _ => return Err(PhoneError::InvalidCharacters),
            }
        }
        if digits.is_empty() {
            return Err(if plus {
                PhoneError::TooShort
            } else {
                PhoneError::Empty
            });
        }
        Ok(Typed { plus, digits })
    }

    /// The digits after an international prefix (country code first), if the number has one:
    /// "+", the prefix dialled abroad from `country` ("011" in North America), or the common
    /// "00". `None` for a national number.
    fn international(&self, country: CountryCode) -> Option<&str> {
        if self.plus {
            // "+0049…" happens too: the + already said "international".
            return Some(self.digits.strip_prefix("00").unwrap_or(&self.digits));
        }
        international_prefixes(country)
            .iter()
            .chain(&["00"])
            .find_map(|prefix| self.digits.strip_prefix(prefix))
    }

    /// The E.164 form by shape alone: the digits after an international prefix as they are;
    /// otherwise the country's calling code, then the digits without its trunk prefix.
    fn light_e164(&self, country: CountryCode) -> Result<String, PhoneError> {
        let mut e164 = String::with_capacity(MAX_DIGITS + 1);
        e164.push('+');
        if let Some(digits) = self.international(country) {
            if digits.starts_with('0') {
                return Err(PhoneError::CountryCodeStartsWithZero);
            }
            e164.push_str(digits);
        } else {
            let digits = self.digits.as_str();
            let calling_code = country.calling_code();
            write!(e164, "{calling_code}").expect("writing to a String");
            match strip_trunk_prefix(digits, country) {
                Some(national) => e164.push_str(national),
                // No trunk prefix, and too long with the country code in front: the country
                // code was typed without its "+" ("62 812 3456 78901"), as libphonenumber reads it.
                None if digits.starts_with(&e164[1..])
                    && e164.len() - 1 + digits.len() > MAX_DIGITS =>
                {
                    e164.truncate(1);
                    e164.push_str(digits);
                }
                None => e164.push_str(digits),
            }
        }
        check_length(e164.len() - 1)?;
        Ok(e164)
    }
}

/// Spaces (any Unicode space: pasted numbers bring no-break spaces), dashes, dots, slashes and
/// brackets: what people put between digit groups.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '/' | '(' | ')' | '[' | ']' | '\u{2010}'..='\u{2015}' | '\u{2212}'
        )
}

/// The national number without the trunk prefix, or `None` if it has none to drop.
fn strip_trunk_prefix(digits: &str, country: CountryCode) -> Option<&str> {
    let code = country.as_str();
    if NO_TRUNK_PREFIX.split_ascii_whitespace().any(|c| c == code) {
        return None;
    }
    let prefixes: &[&str] = if country.calling_code() == 1 {
        &["1"]
    } else {
        OTHER_TRUNK_PREFIXES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(&["0"], |(_, prefixes)| *prefixes)
    };
    prefixes
        .iter()
        .find_map(|prefix| digits.strip_prefix(prefix))
}

/// The prefix dialled abroad from `country` where it is not "00" (or not only "00").
fn international_prefixes(country: CountryCode) -> &'static [&'static str] {
    if country.calling_code() == 1 {
        return &["011"];
    }
    INTERNATIONAL_PREFIXES
        .iter()
        .find(|(code, _)| *code == country.as_str())
        .map_or(&[], |(_, prefixes)| *prefixes)
}

/// International prefixes other than "00", from libphonenumber's metadata (the plain ones;
/// those given as patterns, such as Thailand's "00[1-9]", begin with "00" anyway). North
/// America (calling code 1) dials "011".
static INTERNATIONAL_PREFIXES: [(&str, &[&str]); 16] = [
    ("AU", &["0011"]),
    ("BY", &["810"]),
    ("CC", &["0011"]),
    ("CU", &["119"]),
    ("CX", &["0011"]),
    ("GY", &["001"]),
    ("JP", &["010"]),
    ("KE", &["000"]),
    ("KZ", &["810"]),
    ("MH", &["011"]),
    ("MN", &["001"]),
    ("NG", &["009"]),
    ("PW", &["011", "012"]),
    ("RU", &["810"]),
    ("TJ", &["810"]),
    ("TM", &["810"]),
];

/// Countries whose numbers are dialled without a trunk prefix: a leading 0 typed there is part
/// of the number (Italy's landlines, Côte d'Ivoire's and Benin's mobiles). From
/// libphonenumber's metadata (regions without `nationalPrefix`).
const NO_TRUNK_PREFIX: &str = "AD AO AW BF BH BI BJ BN BQ BT BW BZ CF CG CI CK CL CM CR CV CW CY \
    CZ DJ DK EE ES FJ FK FM FO GA GI GL GM GN GQ GR GT GW GY HK HN HT IO IS IT KM KW LS LU LV ML \
    MO MR MT MU MV MX MZ NC NE NF NI NO NR NU OM PA PF PG PL PT PW QA SB SC SG SH SJ SM SN SR ST \
    SV SZ TD TG TJ TK TL TN TO TV UZ VA VU WF WS";

/// Trunk prefixes other than "0", longest first (also from libphonenumber's metadata). The
/// North American countries (calling code 1) all use "1". Lithuania's old "8" is still typed.
static OTHER_TRUNK_PREFIXES: [(&str, &[&str]); 7] = [
    ("BY", &["80", "8", "0"]),
    ("HU", &["06"]),
    ("KZ", &["8"]),
    ("LT", &["0", "8"]),
    ("MH", &["1"]),
    ("RU", &["8"]),
    ("TM", &["8"]),
];

/// The full check against libphonenumber's numbering plans (server only: megabytes of data).
#[cfg(feature = "numbering-plan")]
mod numbering_plan {
    use phonenumber::{Mode, ParseError, country::Id};

    use super::{PhoneError, Typed, check_e164};
    use crate::country::CountryCode;

    /// The plan's reading of what was typed, if the plan calls it valid, in E.164.
    pub(super) fn check(
        typed: &Typed,
        light_e164: &str,
        country: CountryCode,
    ) -> Result<String, PhoneError> {
        let region: Option<Id> = country.as_str().parse().ok();
        let number = match region {
            // The plan reads national numbers better than the light check can (trunk prefixes
            // with carrier codes, local dialling, a country code typed without "+").
            Some(region) if typed.international(country).is_none() => {
                phonenumber::parse(Some(region), &typed.digits)
            }
            // International numbers carry their own country; territories without a plan of their
            // own (Antarctica, Pitcairn, …) are read through the calling code they dial with.
            _ => phonenumber::parse(None, light_e164),
        }
        .map_err(parse_error)?;
        if !number.is_valid() {
            return Err(invalid(&number, Some(country)));
        }
        let e164 = number.format().mode(Mode::E164).to_string();
        check_e164(&e164)?;
        Ok(e164)
    }

    /// A stored number must be valid and exactly the plan's E.164 spelling of itself.
    pub(super) fn check_stored(input: &str) -> Result<(), PhoneError> {
        let number = phonenumber::parse(None, input).map_err(parse_error)?;
        if !number.is_valid() {
            return Err(invalid(&number, None));
        }
        if number.format().mode(Mode::E164).to_string() != input {
            return Err(PhoneError::NotE164);
        }
        Ok(())
    }

    fn parse_error(error: ParseError) -> PhoneError {
        match error {
            ParseError::InvalidCountryCode => PhoneError::UnknownCountryCode,
            ParseError::TooShortAfterIdd | ParseError::TooShortNsn => PhoneError::TooShort,
            ParseError::TooLong => PhoneError::TooLong,
            _ => PhoneError::NotANumber,
        }
    }

    /// Names the country the number was meant for: the chosen one if the number has its
    /// calling code, else the one the plan finds, else none.
    fn invalid(number: &phonenumber::PhoneNumber, chosen: Option<CountryCode>) -> PhoneError {
        let calling_code = number.code().value();
        chosen
            .filter(|country| country.calling_code() == calling_code)
            .or_else(|| {
                let id = number.country().id()?;
                CountryCode::parse(id.as_ref()).ok()
            })
            .map_or(PhoneError::NotANumber, |country| PhoneError::NotANumberIn {
                country,
            })
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        validate_e164(&value)?;
        Ok(PhoneNumber(value))
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn country(code: &str) -> CountryCode {
        CountryCode::parse(code).unwrap()
    }

    fn ok(input: &str, code: &str) -> String {
        PhoneNumber::parse(input, country(code))
            .unwrap_or_else(|e| panic!("{input:?} in {code} was refused: {e}"))
            .to_string()
    }

    fn err(input: &str, code: &str) -> PhoneError {
        PhoneNumber::parse(input, country(code)).expect_err(input)
    }

    /// The browser's reading alone, whatever features this build has.
    fn light(input: &str, code: &str) -> Result<String, PhoneError> {
        Typed::read(input)?.light_e164(country(code))
    }

    #[test]
    fn german_mobile_in_every_usual_form() {
        for input in [
            "0151 23456789",
            "015123456789",
            "0151/23456789",
            "0151-2345 6789",
            "+49 151 23456789",
            "+49 (0)151 23456789",
            "+49-151-234-567-89",
            "0049 151 23456789",
            "+0049 151 23456789",
            "tel:+49-151-23456789",
            " (0151) 234 567 89 ",
            "0151\u{a0}2345\u{202f}6789",
        ] {
            assert_eq!(ok(input, "DE"), "+4915123456789", "{input:?}");
        }
        // The chosen country does not matter once the number says its own.
        assert_eq!(ok("+49 151 23456789", "US"), "+4915123456789");
        assert_eq!(ok("0049 151 23456789", "GB"), "+4915123456789");
    }

    #[test]
    fn north_american_numbers() {
        for input in [
            "(650) 253-0000",
            "650.253.0000",
            "1 650 253 0000",
            "+1 650 253 0000",
        ] {
            assert_eq!(ok(input, "US"), "+16502530000", "{input:?}");
        }
        assert_eq!(ok("(415) 555-0100", "US"), "+14155550100");
        assert_eq!(ok("+1 650 253 0000", "DE"), "+16502530000");
        assert_eq!(ok("011 49 151 23456789", "US"), "+4915123456789");
    }

    #[test]
    fn uk_and_other_trunk_prefixes() {
        assert_eq!(ok("07400 123456", "GB"), "+447400123456");
        assert_eq!(ok("+44 (0)7400 123456", "GB"), "+447400123456");
        assert_eq!(ok("+44 7400 123456", "DE"), "+447400123456");
        assert_eq!(ok("8 (912) 345-67-89", "RU"), "+79123456789");
        assert_eq!(ok("06 20 123 4567", "HU"), "+36201234567");
        assert_eq!(ok("06 12 34 56 78", "FR"), "+33612345678");
        // No trunk prefix: the 0 belongs to the number.
        assert_eq!(ok("06 1234 5678", "IT"), "+390612345678");
        assert_eq!(ok("01 23 45 67 89", "CI"), "+2250123456789");
    }

    #[test]
    fn light_check_reads_shapes_without_a_plan() {
        assert_eq!(light("0151 23456789", "DE").unwrap(), "+4915123456789");
        assert_eq!(light("650 253 0000", "CA").unwrap(), "+16502530000");
        assert_eq!(light("8 029 123 45 67", "BY").unwrap(), "+375291234567");
        assert_eq!(light("8 612 34567", "LT").unwrap(), "+37061234567");
        // A country code typed without "+" is taken as one only when the number would
        // otherwise be too long; otherwise the light check cannot tell it from an area code
        // (the server's plan can).
        assert_eq!(light("49 1512 3456789", "DE").unwrap(), "+494915123456789");
        assert_eq!(light("62 812 3456 78901", "ID").unwrap(), "+62812345678901");
        // The light check cannot know the plan: this passes it and only the server refuses it.
        assert_eq!(light("+49 100 12345678", "DE").unwrap(), "+4910012345678");
        assert_eq!(light("+683 5123", "NU").unwrap(), "+6835123");
        // International prefixes other than 00.
        assert_eq!(
            light("011 49 151 23456789", "US").unwrap(),
            "+4915123456789"
        );
        assert_eq!(
            light("810 49 151 23456789", "RU").unwrap(),
            "+4915123456789"
        );
        assert_eq!(
            light("0011 49 151 23456789", "AU").unwrap(),
            "+4915123456789"
        );
        assert_eq!(
            light("000 49 151 23456789", "KE").unwrap(),
            "+4915123456789"
        );
    }

    #[test]
    fn every_rejection_says_why() {
        assert_eq!(err("", "DE"), PhoneError::Empty);
        assert_eq!(err("   ", "DE"), PhoneError::Empty);
        assert_eq!(err("tel:", "DE"), PhoneError::Empty);
        assert_eq!(err("()-", "DE"), PhoneError::Empty);
        assert_eq!(err("+", "DE"), PhoneError::TooShort);
        assert_eq!(err("0151 2345 abc", "DE"), PhoneError::InvalidCharacters);
        assert_eq!(err("+49 151+23456789", "DE"), PhoneError::InvalidCharacters);
        assert_eq!(err("49+151", "DE"), PhoneError::InvalidCharacters);
        assert_eq!(
            err("0151 23456789 ext. 12", "DE"),
            PhoneError::InvalidCharacters
        );
        assert_eq!(err("0151_23456789", "DE"), PhoneError::InvalidCharacters);
        assert_eq!(
            err("+0151 23456789", "DE"),
            PhoneError::CountryCodeStartsWithZero
        );
        assert_eq!(
            err("000 151 23456789", "DE"),
            PhoneError::CountryCodeStartsWithZero
        );
        assert_eq!(err("+49 123", "DE"), PhoneError::TooShort);
        assert_eq!(err("0151", "DE"), PhoneError::TooShort);
        assert_eq!(err("0", "DE"), PhoneError::TooShort);
        assert_eq!(err("+49 151 2345 6789 0123", "DE"), PhoneError::TooLong);
        assert_eq!(err("0151 2345 6789 0123 45", "DE"), PhoneError::TooLong);

        assert_eq!(PhoneError::Empty.to_string(), "enter a mobile number");
        assert_eq!(
            PhoneError::InvalidCharacters.to_string(),
            "a phone number may contain only digits, spaces, dashes, dots, slashes, brackets and a leading +"
        );
        assert_eq!(PhoneError::TooShort.to_string(), "this number is too short");
        assert_eq!(
            PhoneError::TooLong.to_string(),
            "this number is too long (at most 15 digits)"
        );
        assert_eq!(
            PhoneError::NotANumberIn {
                country: country("DE")
            }
            .to_string(),
            "this is not a valid number for Germany"
        );
    }

    #[test]
    fn from_e164_takes_only_the_stored_form() {
        let number = PhoneNumber::from_e164("+4915123456789").unwrap();
        assert_eq!(number.as_str(), "+4915123456789");
        assert_eq!(PhoneNumber::from_e164(""), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::from_e164("4915123456789"),
            Err(PhoneError::NotE164)
        );
        assert_eq!(
            PhoneNumber::from_e164("+49 151 23456789"),
            Err(PhoneError::NotE164)
        );
        assert_eq!(
            PhoneNumber::from_e164(" +4915123456789"),
            Err(PhoneError::NotE164)
        );
        assert_eq!(
            PhoneNumber::from_e164("+04915123456789"),
            Err(PhoneError::NotE164)
        );
        assert_eq!(PhoneNumber::from_e164("+"), Err(PhoneError::TooShort));
        assert_eq!(PhoneNumber::from_e164("+491512"), Err(PhoneError::TooShort));
        assert_eq!(
            PhoneNumber::from_e164("+4915123456789012"),
            Err(PhoneError::TooLong)
        );
    }

    #[test]
    fn serde_round_trip_checks_on_the_way_in() {
        let number = PhoneNumber::parse("0151 23456789", country("DE")).unwrap();
        let json = serde_json::to_string(&number).unwrap();
        assert_eq!(json, r#""+4915123456789""#);
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), number);
        for bad in [
            r#""0151 23456789""#,
            r#""+49 151 23456789""#,
            r#""4915123456789""#,
            "4915123456789",
        ] {
            assert!(serde_json::from_str::<PhoneNumber>(bad).is_err(), "{bad}");
        }
        let error = serde_json::from_str::<PhoneNumber>(r#""+49 151""#).unwrap_err();
        assert!(error.to_string().contains("E.164"), "{error}");
    }

    #[cfg(feature = "numbering-plan")]
    mod numbering_plan {
        use super::*;
        use phonenumber::{Mode, metadata::DATABASE};

        #[test]
        fn refuses_what_the_plan_calls_invalid() {
            let germany = PhoneError::NotANumberIn {
                country: country("DE"),
            };
            assert_eq!(err("+49 100 12345678", "DE"), germany);
            assert_eq!(err("0100 12345678", "DE"), germany);
            assert_eq!(
                err("+49 100 12345678", "FR"),
                germany,
                "the number's own country"
            );
            assert_eq!(PhoneNumber::from_e164("+4910012345678"), Err(germany));
            let us = PhoneError::NotANumberIn {
                country: country("US"),
            };
            assert_eq!(err("(555) 012-3456", "US"), us);
            assert_eq!(err("+1 555 012 3456", "DE"), PhoneError::NotANumber);
            assert_eq!(
                err("+33 0 12 34 56 78", "FR"),
                PhoneError::NotANumberIn {
                    country: country("FR")
                }
            );
            assert_eq!(err("+999 1234 5678", "DE"), PhoneError::UnknownCountryCode);
            assert_eq!(
                PhoneNumber::from_e164("+99912345678"),
                Err(PhoneError::UnknownCountryCode)
            );
        }

        #[test]
        fn the_plan_reads_what_the_shape_cannot() {
            // Local dialling in the Caribbean: the plan adds Antigua's area code.
            assert_eq!(ok("462 1234", "AG"), "+12684621234");
        }

        #[test]
        fn stored_numbers_must_be_canonical() {
            assert_eq!(
                PhoneNumber::from_e164("+4407400123456"),
                Err(PhoneError::NotE164)
            );
        }

        /// libphonenumber's example mobile number of every country, typed the way people there
        /// write it, is read by the light check and by the plan to the same E.164, so the
        /// browser's preview agrees with what the server stores.
        #[test]
        fn example_mobile_numbers_of_every_country() {
            let mut checked = 0;
            let mut differ = Vec::new();
            for entry in crate::country::all() {
                let Some(meta) = DATABASE.by_id(entry.code.as_str()) else {
                    continue;
                };
                let Some(example) = meta.descriptors().mobile().and_then(|d| d.example()) else {
                    continue;
                };
                let number = format!("+{}{example}", meta.country_code());
                let number = phonenumber::parse(None, number).unwrap();
                let e164 = number.format().mode(Mode::E164).to_string();
                let national = number.format().mode(Mode::National).to_string();
                let international = number.format().mode(Mode::International).to_string();
                assert_eq!(
                    ok(&national, entry.code.as_str()),
                    e164,
                    "{national} in {}",
                    entry.name
                );
                assert_eq!(ok(&international, "DE"), e164, "{international}");
                assert_eq!(PhoneNumber::from_e164(&e164).unwrap().as_str(), e164);
                assert_eq!(
                    light(&international, "DE").unwrap(),
                    e164,
                    "{international}"
                );
                let light = light(&national, entry.code.as_str());
                if light.as_deref() != Ok(e164.as_str()) {
                    differ.push((
                        entry.code.as_str(),
                        format!("{national:?} {light:?} {e164}"),
                    ));
                }
                checked += 1;
            }
            assert!(checked >= 235, "{checked} countries");
            // Argentina dials mobiles as "0 11 15 2345 6789" at home but "+54 9 11 2345 6789"
            // from abroad; where the "15" sits depends on the area code, which only the plan
            // knows. The light reading still has a valid shape, and the server stores the
            // plan's form.
            let codes: Vec<_> = differ.iter().map(|(code, _)| *code).collect();
            assert_eq!(codes, ["AR"], "{differ:?}");
        }
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in any::<String>(), code in "[A-Z]{2}") {
            if let Ok(country) = CountryCode::parse(&code) {
                let _ = PhoneNumber::parse(&input, country);
            }
        }

        #[test]
        fn accepted_numbers_are_e164_and_round_trip(
            input in "(\\+|00|tel:)?[0-9 ()./-]{0,24}",
            country in prop::sample::select(crate::country::all().map(|c| c.code).collect::<Vec<_>>()),
        ) {
            if let Ok(number) = PhoneNumber::parse(&input, country) {
                let text = number.as_str();
                prop_assert!(text.starts_with('+'));
                prop_assert!((MIN_DIGITS..=MAX_DIGITS).contains(&(text.len() - 1)));
                prop_assert!(text[1..].bytes().all(|b| b.is_ascii_digit()));
                prop_assert!(!text[1..].starts_with('0'));
                prop_assert_eq!(PhoneNumber::from_e164(text), Ok(number.clone()));
                let json = serde_json::to_string(&number).unwrap();
                prop_assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), number);
            }
        }

        #[test]
        fn from_e164_never_panics(input in "\\+?[0-9]{0,18}") {
            let _ = PhoneNumber::from_e164(&input);
        }
    }
}
