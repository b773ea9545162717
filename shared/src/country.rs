//! `CountryCode`: an ISO 3166-1 alpha-2 code we know, with the country's English name and
//! international calling code, and [`search`] for the country picker.
//!
//! The rule: a country is one of the codes in the table below, so `"XX"` never reaches storage and
//! every code has a name to show and a calling code to read national phone numbers with.
//!
//! The table ships in the browser's wasm, so it is one flat static array (code, name, calling
//! code; about 8 KB) rather than a dependency on a locale or numbering-plan crate, which would
//! add hundreds of kilobytes. It is generated, not typed from memory: codes and names from the
//! ISO 3166-1 data in `iso-codes` (as packaged by pycountry), using the common name where ISO
//! gives one ("Bolivia", "South Korea", "Vietnam") and putting a few inverted official forms
//! into everyday order ("British Virgin Islands", "Democratic Republic of the Congo",
//! "Micronesia", "Palestine", "Russia", "Brunei", "Vatican City"); calling codes from
//! libphonenumber's `country_code_for_region`. libphonenumber has no code for seven
//! uninhabited or dependent territories; they get the code people there dial through:
//! Antarctica (AQ) and Heard Island and McDonald Islands (HM) 672 (Australian External
//! Territories), Bouvet Island (BV) 47 (Norway), South Georgia (GS) 500 (Falkland Islands),
//! Pitcairn (PN) 64 (New Zealand), French Southern Territories (TF) 262 (Réunion) and the U.S.
//! Minor Outlying Islands (UM) 1.
//!
//! Kosovo's `XK` is not an ISO 3166-1 assignment and is not in the table.

use std::fmt;

use serde::{Deserialize, Serialize};

/// ISO 3166-1 alpha-2 code; valid by construction (only codes in the table).
///
/// Ordered by code (as the strings sort), so sorting in Rust agrees with sorting in SQL.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "DE"))]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(
    // Index into `COUNTRIES`: name and calling code without a lookup, and one byte in memory.
    u8,
);

/// A row of the table, for pickers and lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    pub code: CountryCode,
    pub name: &'static str,
    pub calling_code: u16,
}

/// Why a text is not a country code. The `Display` text is the reason shown to people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    #[error("choose a country")]
    Empty,
    #[error("“{0}” is not a country code we know (use two letters, such as DE or US)")]
    Unknown(String),
}

impl CountryCode {
    /// Reads a code as typed or stored: surrounding spaces ignored, any case ("de" is DE).
    pub fn parse(input: &str) -> Result<Self, CountryError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(CountryError::Empty);
        }
        // A linear scan of 249 two-byte codes costs less than keeping a second, code-sorted
        // table in the wasm.
        COUNTRIES
            .iter()
            .position(|(code, _, _)| code.eq_ignore_ascii_case(input))
            .map(|index| CountryCode(index as u8))
            .ok_or_else(|| CountryError::Unknown(crate::excerpt::excerpt(input)))
    }

    /// The code as stored and sent: two upper-case letters, "DE".
    pub fn as_str(&self) -> &'static str {
        COUNTRIES[usize::from(self.0)].0
    }

    /// The English short name, "Germany".
    pub fn name(&self) -> &'static str {
        COUNTRIES[usize::from(self.0)].1
    }

    /// The international calling code, 49 for Germany (shared codes repeat: PR is 1).
    pub fn calling_code(&self) -> u16 {
        COUNTRIES[usize::from(self.0)].2
    }

    /// Name and calling code together.
    pub fn country(&self) -> Country {
        Country {
            code: *self,
            name: self.name(),
            calling_code: self.calling_code(),
        }
    }
}

/// Every country, sorted by name for display (accents ignored: Åland Islands comes before
/// Albania).
pub fn all() -> impl Iterator<Item = Country> {
    (0..COUNTRIES.len()).map(|index| CountryCode(index as u8).country())
}

/// The countries a picker shows for what was typed, best matches first.
///
/// Ignores case, accents, apostrophes and dots, and treats a hyphen as a space, so "cote d
/// ivoire", "aland" and "us virgin" all find their country. Order: an exact code ("de") or
/// well-known other name ("UK", "Turkey"); then names that start with the query; then names
/// with a word that starts with it; then names that merely contain it. A query of digits, with
/// or without "+", looks up calling codes: exact ones first (where a code is shared, the
/// country it mainly belongs to leads: +44 is the United Kingdom before Guernsey), then codes
/// that start with it. Within each group the table's (alphabetical) order holds. An empty
/// query gives every country.
pub fn search(query: &str) -> impl Iterator<Item = Country> {
    let query = query.trim();
    let mut ranks = [NO_MATCH; COUNTRIES.len()];
    let number = query.strip_prefix('+').unwrap_or(query).trim_start();
    if query.is_empty() {
        ranks = [0; COUNTRIES.len()];
    } else if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
        for (rank, (country, _, calling_code)) in ranks.iter_mut().zip(&COUNTRIES) {
            let mut buffer = [0; 5];
            let code = decimal(*calling_code, &mut buffer);
            if code == number {
                *rank = if MAIN_FOR_CALLING_CODE.contains(country) {
                    0
                } else {
                    1
                };
            } else if code.starts_with(number) {
                *rank = 2;
            }
        }
    } else {
        // The query is folded once; names are folded as they are compared, without copies.
        let needle: Vec<char> = query.chars().filter_map(fold).collect();
        if !needle.is_empty() {
            for (rank, (code, name, _)) in ranks.iter_mut().zip(&COUNTRIES) {
                *rank = if code.eq_ignore_ascii_case(query) {
                    0
                } else {
                    match_rank(name, &needle).unwrap_or(NO_MATCH)
                };
            }
            for (code, alias) in ALIASES {
                let Some(index) = COUNTRIES.iter().position(|(c, _, _)| *c == code) else {
                    continue;
                };
                let rank = if alias.chars().filter_map(fold).eq(needle.iter().copied()) {
                    0
                } else {
                    match_rank(alias, &needle).unwrap_or(NO_MATCH)
                };
                ranks[index] = ranks[index].min(rank);
            }
        }
    }
    let mut found: Vec<(u8, Country)> = ranks
        .iter()
        .enumerate()
        .filter(|(_, rank)| **rank != NO_MATCH)
        .map(|(index, rank)| (*rank, CountryCode(index as u8).country()))
        .collect();
    // Stable: within a rank the table's alphabetical order stays.
    found.sort_by_key(|(rank, _)| *rank);
    found.into_iter().map(|(_, country)| country)
}

const NO_MATCH: u8 = u8::MAX;

/// How well `needle` (already folded) occurs in `haystack`: 1 at its start, 2 at the start of
/// a later word, 3 inside a word; `None` if it does not occur.
fn match_rank(haystack: &str, needle: &[char]) -> Option<u8> {
    let mut best = None;
    let mut after_letter = false;
    for (index, c) in haystack.char_indices() {
        // Ignored characters (apostrophes, dots) never start a match but do end a word:
        // "Ivoire" in "Côte d’Ivoire" is a word of its own.
        let Some(c) = fold(c) else {
            after_letter = false;
            continue;
        };
        let rest = haystack[index..].chars().filter_map(fold);
        if needle.iter().copied().eq(rest.take(needle.len())) {
            let rank = match (index, after_letter) {
                (0, _) => 1,
                (_, false) => 2,
                (_, true) => 3,
            };
            if rank == 1 {
                return Some(1);
            }
            best = Some(best.map_or(rank, |b: u8| b.min(rank)));
        }
        after_letter = c.is_alphanumeric();
    }
    best
}

/// The form names and queries are compared in: lower case, Latin accents dropped ("Å" is "a"),
/// a hyphen read as a space, apostrophes and dots ignored (`None`). One character in, at most
/// one out, so folding needs no buffer.
fn fold(c: char) -> Option<char> {
    let folded = match c {
        '\'' | '\u{2019}' | '\u{2018}' | '`' | '´' | '.' => return None,
        '-' | '\u{2010}' | '\u{2011}' | '\u{2013}' | '\u{2014}' => ' ',
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => 'a',
        'Ç' | 'ç' | 'Ć'..='č' => 'c',
        'Ď'..='đ' => 'd',
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => 'e',
        'Ĝ'..='ģ' => 'g',
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => 'i',
        'Ĺ'..='ł' => 'l',
        'Ñ' | 'ñ' | 'Ń'..='ň' => 'n',
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => 'o',
        'Ŕ'..='ř' => 'r',
        'Ś'..='š' => 's',
        'Ţ'..='ť' => 't',
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => 'u',
        'Ý' | 'ý' | 'ÿ' => 'y',
        'Ź'..='ž' => 'z',
        c if c.is_whitespace() => ' ',
        c => c.to_lowercase().next().unwrap_or(c),
    };
    Some(folded)
}

/// The decimal digits of a calling code, written into `buffer` so that searching allocates
/// nothing per country.
fn decimal(mut value: u16, buffer: &mut [u8; 5]) -> &str {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    std::str::from_utf8(&buffer[start..]).expect("ASCII digits")
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CountryCode").field(&self.as_str()).finish()
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialOrd for CountryCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CountryCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        CountryCode::parse(&value)
    }
}

impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.as_str().to_owned()
    }
}

impl std::str::FromStr for CountryCode {
    type Err = CountryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CountryCode::parse(s)
    }
}

/// Other names people type for a country: former names, abbreviations, the nations of the
/// United Kingdom. Only the picker's search reads them.
static ALIASES: [(&str, &str); 24] = [
    ("AE", "UAE"),
    ("CD", "DR Congo"),
    ("CD", "Congo-Kinshasa"),
    ("CG", "Congo-Brazzaville"),
    ("CI", "Ivory Coast"),
    ("CV", "Cape Verde"),
    ("CZ", "Czech Republic"),
    ("GB", "UK"),
    ("GB", "Great Britain"),
    ("GB", "England"),
    ("GB", "Scotland"),
    ("GB", "Wales"),
    ("GB", "Northern Ireland"),
    ("MK", "Macedonia"),
    ("MM", "Burma"),
    ("NL", "Holland"),
    ("RU", "Russian Federation"),
    ("SZ", "Swaziland"),
    ("TL", "East Timor"),
    ("TR", "Turkey"),
    ("US", "USA"),
    ("US", "America"),
    ("VA", "Holy See"),
    ("VN", "Viet Nam"),
];

/// For calling codes several countries share, the one libphonenumber names as the code's main
/// country: a search for "+1" should show the United States before American Samoa.
static MAIN_FOR_CALLING_CODE: [&str; 14] = [
    "AU", "CW", "FI", "FK", "GB", "GP", "IT", "MA", "NF", "NO", "NZ", "RE", "RU", "US",
];

// `CountryCode` keeps its row as a `u8`.
const _: () = assert!(COUNTRIES.len() <= 256);

/// Every assigned ISO 3166-1 alpha-2 code: (code, English short name, calling code), sorted by
/// name with accents ignored. Generated; see the module documentation for the sources.
static COUNTRIES: [(&str, &str, u16); 249] = [
    ("AF", "Afghanistan", 93),
    ("AX", "Åland Islands", 358),
    ("AL", "Albania", 355),
    ("DZ", "Algeria", 213),
    ("AS", "American Samoa", 1),
    ("AD", "Andorra", 376),
    ("AO", "Angola", 244),
    ("AI", "Anguilla", 1),
    ("AQ", "Antarctica", 672),
    ("AG", "Antigua and Barbuda", 1),
    ("AR", "Argentina", 54),
    ("AM", "Armenia", 374),
    ("AW", "Aruba", 297),
    ("AU", "Australia", 61),
    ("AT", "Austria", 43),
    ("AZ", "Azerbaijan", 994),
    ("BS", "Bahamas", 1),
    ("BH", "Bahrain", 973),
    ("BD", "Bangladesh", 880),
    ("BB", "Barbados", 1),
    ("BY", "Belarus", 375),
    ("BE", "Belgium", 32),
    ("BZ", "Belize", 501),
    ("BJ", "Benin", 229),
    ("BM", "Bermuda", 1),
    ("BT", "Bhutan", 975),
    ("BO", "Bolivia", 591),
    ("BQ", "Bonaire, Sint Eustatius and Saba", 599),
    ("BA", "Bosnia and Herzegovina", 387),
    ("BW", "Botswana", 267),
    ("BV", "Bouvet Island", 47),
    ("BR", "Brazil", 55),
    ("IO", "British Indian Ocean Territory", 246),
    ("VG", "British Virgin Islands", 1),
    ("BN", "Brunei", 673),
    ("BG", "Bulgaria", 359),
    ("BF", "Burkina Faso", 226),
    ("BI", "Burundi", 257),
    ("CV", "Cabo Verde", 238),
    ("KH", "Cambodia", 855),
    ("CM", "Cameroon", 237),
    ("CA", "Canada", 1),
    ("KY", "Cayman Islands", 1),
    ("CF", "Central African Republic", 236),
    ("TD", "Chad", 235),
    ("CL", "Chile", 56),
    ("CN", "China", 86),
    ("CX", "Christmas Island", 61),
    ("CC", "Cocos (Keeling) Islands", 61),
    ("CO", "Colombia", 57),
    ("KM", "Comoros", 269),
    ("CG", "Congo", 242),
    ("CK", "Cook Islands", 682),
    ("CR", "Costa Rica", 506),
    ("CI", "Côte d'Ivoire", 225),
    ("HR", "Croatia", 385),
    ("CU", "Cuba", 53),
    ("CW", "Curaçao", 599),
    ("CY", "Cyprus", 357),
    ("CZ", "Czechia", 420),
    ("CD", "Democratic Republic of the Congo", 243),
    ("DK", "Denmark", 45),
    ("DJ", "Djibouti", 253),
    ("DM", "Dominica", 1),
    ("DO", "Dominican Republic", 1),
    ("EC", "Ecuador", 593),
    ("EG", "Egypt", 20),
    ("SV", "El Salvador", 503),
    ("GQ", "Equatorial Guinea", 240),
    ("ER", "Eritrea", 291),
    ("EE", "Estonia", 372),
    ("SZ", "Eswatini", 268),
    ("ET", "Ethiopia", 251),
    ("FK", "Falkland Islands (Malvinas)", 500),
    ("FO", "Faroe Islands", 298),
    ("FJ", "Fiji", 679),
    ("FI", "Finland", 358),
    ("FR", "France", 33),
    ("GF", "French Guiana", 594),
    ("PF", "French Polynesia", 689),
    ("TF", "French Southern Territories", 262),
    ("GA", "Gabon", 241),
    ("GM", "Gambia", 220),
    ("GE", "Georgia", 995),
    ("DE", "Germany", 49),
    ("GH", "Ghana", 233),
    ("GI", "Gibraltar", 350),
    ("GR", "Greece", 30),
    ("GL", "Greenland", 299),
    ("GD", "Grenada", 1),
    ("GP", "Guadeloupe", 590),
    ("GU", "Guam", 1),
    ("GT", "Guatemala", 502),
    ("GG", "Guernsey", 44),
    ("GN", "Guinea", 224),
    ("GW", "Guinea-Bissau", 245),
    ("GY", "Guyana", 592),
    ("HT", "Haiti", 509),
    ("HM", "Heard Island and McDonald Islands", 672),
    ("HN", "Honduras", 504),
    ("HK", "Hong Kong", 852),
    ("HU", "Hungary", 36),
    ("IS", "Iceland", 354),
    ("IN", "India", 91),
    ("ID", "Indonesia", 62),
    ("IR", "Iran", 98),
    ("IQ", "Iraq", 964),
    ("IE", "Ireland", 353),
    ("IM", "Isle of Man", 44),
    ("IL", "Israel", 972),
    ("IT", "Italy", 39),
    ("JM", "Jamaica", 1),
    ("JP", "Japan", 81),
    ("JE", "Jersey", 44),
    ("JO", "Jordan", 962),
    ("KZ", "Kazakhstan", 7),
    ("KE", "Kenya", 254),
    ("KI", "Kiribati", 686),
    ("KW", "Kuwait", 965),
    ("KG", "Kyrgyzstan", 996),
    ("LA", "Laos", 856),
    ("LV", "Latvia", 371),
    ("LB", "Lebanon", 961),
    ("LS", "Lesotho", 266),
    ("LR", "Liberia", 231),
    ("LY", "Libya", 218),
    ("LI", "Liechtenstein", 423),
    ("LT", "Lithuania", 370),
    ("LU", "Luxembourg", 352),
    ("MO", "Macao", 853),
    ("MG", "Madagascar", 261),
    ("MW", "Malawi", 265),
    ("MY", "Malaysia", 60),
    ("MV", "Maldives", 960),
    ("ML", "Mali", 223),
    ("MT", "Malta", 356),
    ("MH", "Marshall Islands", 692),
    ("MQ", "Martinique", 596),
    ("MR", "Mauritania", 222),
    ("MU", "Mauritius", 230),
    ("YT", "Mayotte", 262),
    ("MX", "Mexico", 52),
    ("FM", "Micronesia", 691),
    ("MD", "Moldova", 373),
    ("MC", "Monaco", 377),
    ("MN", "Mongolia", 976),
    ("ME", "Montenegro", 382),
    ("MS", "Montserrat", 1),
    ("MA", "Morocco", 212),
    ("MZ", "Mozambique", 258),
    ("MM", "Myanmar", 95),
    ("NA", "Namibia", 264),
    ("NR", "Nauru", 674),
    ("NP", "Nepal", 977),
    ("NL", "Netherlands", 31),
    ("NC", "New Caledonia", 687),
    ("NZ", "New Zealand", 64),
    ("NI", "Nicaragua", 505),
    ("NE", "Niger", 227),
    ("NG", "Nigeria", 234),
    ("NU", "Niue", 683),
    ("NF", "Norfolk Island", 672),
    ("KP", "North Korea", 850),
    ("MK", "North Macedonia", 389),
    ("MP", "Northern Mariana Islands", 1),
    ("NO", "Norway", 47),
    ("OM", "Oman", 968),
    ("PK", "Pakistan", 92),
    ("PW", "Palau", 680),
    ("PS", "Palestine", 970),
    ("PA", "Panama", 507),
    ("PG", "Papua New Guinea", 675),
    ("PY", "Paraguay", 595),
    ("PE", "Peru", 51),
    ("PH", "Philippines", 63),
    ("PN", "Pitcairn", 64),
    ("PL", "Poland", 48),
    ("PT", "Portugal", 351),
    ("PR", "Puerto Rico", 1),
    ("QA", "Qatar", 974),
    ("RE", "Réunion", 262),
    ("RO", "Romania", 40),
    ("RU", "Russia", 7),
    ("RW", "Rwanda", 250),
    ("BL", "Saint Barthélemy", 590),
    ("SH", "Saint Helena, Ascension and Tristan da Cunha", 290),
    ("KN", "Saint Kitts and Nevis", 1),
    ("LC", "Saint Lucia", 1),
    ("MF", "Saint Martin (French part)", 590),
    ("PM", "Saint Pierre and Miquelon", 508),
    ("VC", "Saint Vincent and the Grenadines", 1),
    ("WS", "Samoa", 685),
    ("SM", "San Marino", 378),
    ("ST", "Sao Tome and Principe", 239),
    ("SA", "Saudi Arabia", 966),
    ("SN", "Senegal", 221),
    ("RS", "Serbia", 381),
    ("SC", "Seychelles", 248),
    ("SL", "Sierra Leone", 232),
    ("SG", "Singapore", 65),
    ("SX", "Sint Maarten (Dutch part)", 1),
    ("SK", "Slovakia", 421),
    ("SI", "Slovenia", 386),
    ("SB", "Solomon Islands", 677),
    ("SO", "Somalia", 252),
    ("ZA", "South Africa", 27),
    ("GS", "South Georgia and the South Sandwich Islands", 500),
    ("KR", "South Korea", 82),
    ("SS", "South Sudan", 211),
    ("ES", "Spain", 34),
    ("LK", "Sri Lanka", 94),
    ("SD", "Sudan", 249),
    ("SR", "Suriname", 597),
    ("SJ", "Svalbard and Jan Mayen", 47),
    ("SE", "Sweden", 46),
    ("CH", "Switzerland", 41),
    ("SY", "Syria", 963),
    ("TW", "Taiwan", 886),
    ("TJ", "Tajikistan", 992),
    ("TZ", "Tanzania", 255),
    ("TH", "Thailand", 66),
    ("TL", "Timor-Leste", 670),
    ("TG", "Togo", 228),
    ("TK", "Tokelau", 690),
    ("TO", "Tonga", 676),
    ("TT", "Trinidad and Tobago", 1),
    ("TN", "Tunisia", 216),
    ("TR", "Türkiye", 90),
    ("TM", "Turkmenistan", 993),
    ("TC", "Turks and Caicos Islands", 1),
    ("TV", "Tuvalu", 688),
    ("UG", "Uganda", 256),
    ("UA", "Ukraine", 380),
    ("AE", "United Arab Emirates", 971),
    ("GB", "United Kingdom", 44),
    ("US", "United States", 1),
    ("UM", "United States Minor Outlying Islands", 1),
    ("UY", "Uruguay", 598),
    ("VI", "U.S. Virgin Islands", 1),
    ("UZ", "Uzbekistan", 998),
    ("VU", "Vanuatu", 678),
    ("VA", "Vatican City", 39),
    ("VE", "Venezuela", 58),
    ("VN", "Vietnam", 84),
    ("WF", "Wallis and Futuna", 681),
    ("EH", "Western Sahara", 212),
    ("YE", "Yemen", 967),
    ("ZM", "Zambia", 260),
    ("ZW", "Zimbabwe", 263),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str) -> CountryCode {
        CountryCode::parse(input).unwrap_or_else(|e| panic!("{input:?} was refused: {e}"))
    }

    fn codes(query: &str) -> Vec<&'static str> {
        search(query).map(|country| country.code.as_str()).collect()
    }

    #[test]
    fn parse_ignores_case_and_surrounding_spaces() {
        assert_eq!(code("DE").as_str(), "DE");
        assert_eq!(code("de").as_str(), "DE");
        assert_eq!(code(" gB\t").as_str(), "GB");
        assert_eq!(code("ax"), code("AX"));
        assert_eq!("us".parse::<CountryCode>().unwrap().as_str(), "US");
    }

    #[test]
    fn parse_refuses_what_is_not_a_known_code() {
        assert_eq!(CountryCode::parse(""), Err(CountryError::Empty));
        assert_eq!(CountryCode::parse("   "), Err(CountryError::Empty));
        assert_eq!(
            CountryCode::parse(" xx "),
            Err(CountryError::Unknown("xx".into()))
        );
        assert_eq!(
            CountryCode::parse("UK"),
            Err(CountryError::Unknown("UK".into()))
        );
        assert_eq!(
            CountryCode::parse("DEU"),
            Err(CountryError::Unknown("DEU".into()))
        );
        assert_eq!(
            CountryCode::parse("D E"),
            Err(CountryError::Unknown("D E".into()))
        );
        assert_eq!(
            CountryCode::parse("Ü"),
            Err(CountryError::Unknown("Ü".into()))
        );
        assert_eq!(CountryError::Empty.to_string(), "choose a country");
        assert_eq!(
            CountryError::Unknown("XX".into()).to_string(),
            "“XX” is not a country code we know (use two letters, such as DE or US)"
        );
    }

    #[test]
    fn names_and_calling_codes() {
        let expected = [
            ("US", "United States", 1),
            ("GB", "United Kingdom", 44),
            ("DE", "Germany", 49),
            ("IN", "India", 91),
            ("BR", "Brazil", 55),
            ("JP", "Japan", 81),
            ("CH", "Switzerland", 41),
            ("PR", "Puerto Rico", 1),
            ("CI", "Côte d'Ivoire", 225),
            ("KR", "South Korea", 82),
            ("AQ", "Antarctica", 672),
            ("VA", "Vatican City", 39),
        ];
        for (input, name, calling_code) in expected {
            let country = code(input);
            assert_eq!(country.name(), name, "{input}");
            assert_eq!(country.calling_code(), calling_code, "{input}");
            assert_eq!(country.to_string(), input);
            assert_eq!(
                country.country(),
                Country {
                    code: country,
                    name,
                    calling_code
                }
            );
        }
        assert_eq!(format!("{:?}", code("de")), r#"CountryCode("DE")"#);
    }

    #[test]
    fn table_holds_every_code_once_sorted_by_name() {
        assert!(COUNTRIES.len() >= 245, "{} countries", COUNTRIES.len());
        let mut seen = std::collections::HashSet::new();
        for (code, name, calling_code) in COUNTRIES {
            assert!(
                code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()),
                "{code}"
            );
            assert!(seen.insert(code), "{code} twice");
            assert!(!name.is_empty() && name.trim() == name, "{code}: {name:?}");
            assert!((1..=999).contains(&calling_code), "{code}: {calling_code}");
            // Every letter in a name folds to ASCII, so sorting and searching treat it alike.
            assert!(
                name.chars().filter_map(fold).all(|c| c.is_ascii()),
                "{name}"
            );
            assert_eq!(CountryCode::parse(code).unwrap().as_str(), code);
        }
        for pair in COUNTRIES.windows(2) {
            let (a, b) = (pair[0].1, pair[1].1);
            let key = |name: &'static str| name.chars().filter_map(fold).collect::<String>();
            assert!(key(a) < key(b), "{a} before {b}");
        }
        let listed: Vec<_> = all().collect();
        assert_eq!(listed.len(), COUNTRIES.len());
        assert_eq!(listed[0].name, "Afghanistan");
        assert_eq!(listed[1].name, "Åland Islands");
        assert_eq!(listed.last().unwrap().name, "Zimbabwe");
    }

    #[test]
    fn ordering_follows_the_code() {
        let mut list = [code("US"), code("AX"), code("DE"), code("AF")];
        list.sort();
        let sorted: Vec<_> = list.iter().map(CountryCode::as_str).collect();
        assert_eq!(sorted, ["AF", "AX", "DE", "US"]);
    }

    #[test]
    fn serde_round_trip_parses_on_the_way_in() {
        let country: CountryCode = serde_json::from_str(r#""de""#).unwrap();
        assert_eq!(country, code("DE"));
        assert_eq!(serde_json::to_string(&country).unwrap(), r#""DE""#);
        let back: CountryCode =
            serde_json::from_str(&serde_json::to_string(&country).unwrap()).unwrap();
        assert_eq!(back, country);
        let error = serde_json::from_str::<CountryCode>(r#""XX""#).unwrap_err();
        assert!(
            error.to_string().contains("not a country code we know"),
            "{error}"
        );
        assert!(serde_json::from_str::<CountryCode>(r#""""#).is_err());
        assert!(serde_json::from_str::<CountryCode>("49").is_err());
    }

    #[test]
    fn empty_search_lists_everything() {
        assert_eq!(search("").count(), COUNTRIES.len());
        assert_eq!(search("  ").count(), COUNTRIES.len());
        assert!(search("").map(|c| c.name).eq(all().map(|c| c.name)));
    }

    #[test]
    fn search_puts_the_exact_code_then_name_starts_then_words_then_the_rest() {
        let found = codes("de");
        assert_eq!(
            found[..3],
            ["DE", "CD", "DK"],
            "the code, then names that start so"
        );
        assert!(
            found[3..].contains(&"BD"),
            "then Bangladesh, which contains it"
        );
        assert_eq!(codes("sudan"), ["SD", "SS"], "Sudan, then South Sudan");

        assert_eq!(codes("germ"), ["DE"]);
        assert_eq!(codes("GERMANY"), ["DE"]);
        let found = codes("guinea");
        assert_eq!(&found[..3], ["GN", "GW", "GQ"], "starts, then word");
        assert!(found.contains(&"PG"));
        assert_eq!(codes("zzz"), Vec::<&str>::new());
        assert_eq!(codes("'"), Vec::<&str>::new());
    }

    #[test]
    fn search_ignores_accents_apostrophes_and_hyphens() {
        assert_eq!(codes("aland")[0], "AX");
        assert!(codes("aland").contains(&"NZ"), "New Zealand contains it");
        assert_eq!(codes("ÅLAND")[0], "AX");
        assert_eq!(codes("curacao"), ["CW"]);
        assert_eq!(codes("reunion"), ["RE"]);
        assert_eq!(codes("turkiye"), ["TR"]);
        assert_eq!(codes("cote d'ivoire"), ["CI"]);
        assert_eq!(codes("cote d’ivoire"), ["CI"]);
        assert_eq!(codes("cote divoire"), ["CI"]);
        assert_eq!(codes("ivoire"), ["CI"]);
        assert_eq!(codes("guinea bissau"), ["GW"]);
        assert_eq!(codes("timor leste"), ["TL"]);
        assert_eq!(codes("us virgin"), ["VI"]);
        assert_eq!(codes("u.s. virgin"), ["VI"]);
    }

    #[test]
    fn search_knows_other_names() {
        assert_eq!(codes("uk")[0], "GB");
        assert!(codes("uk").contains(&"UA"), "Ukraine still shows");
        assert_eq!(codes("usa"), ["US"]);
        assert_eq!(codes("turkey"), ["TR"]);
        assert_eq!(codes("england"), ["GB"]);
        assert_eq!(codes("ivory"), ["CI"]);
        assert_eq!(codes("holland"), ["NL"]);
        assert_eq!(codes("burma"), ["MM"]);
    }

    #[test]
    fn search_by_calling_code() {
        assert_eq!(codes("+49")[0], "DE");
        assert_eq!(codes("49")[0], "DE");
        assert_eq!(codes("+ 49")[0], "DE");
        assert_eq!(codes("+44")[..4], ["GB", "GG", "IM", "JE"]);
        assert_eq!(codes("+7")[..2], ["RU", "KZ"]);
        let nanp = codes("1");
        assert_eq!(nanp[0], "US");
        assert!(nanp.contains(&"US") && nanp.contains(&"CA") && nanp.contains(&"PR"));
        assert!(search("1").all(|c| c.calling_code.to_string().starts_with('1')));
        let four = codes("+4");
        assert!(four.contains(&"DE") && four.contains(&"GB") && four.contains(&"AT"));
        assert!(codes("35").contains(&"PT"), "351 starts with 35");
        assert_eq!(codes("+"), Vec::<&str>::new());
        assert_eq!(codes("99999"), Vec::<&str>::new());
    }
}
