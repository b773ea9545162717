//! `EmailAddress`: the only way into the product for a person, so the only way to make one is
//! [`EmailAddress::parse`].
//!
//! The rule is what real mail systems deliver (RFC 5321 sizes, RFC 5322 dot-atoms), not the
//! whole of RFC 5322: quoted local parts and IP-literal domains are valid there but nobody
//! types them into an invitation, and accepting them would only let typos through. Every
//! rejection says what is wrong in words a person can act on.
//!
//! Internationalised domains are accepted and kept in their ASCII (Punycode) form, so one
//! address has one spelling in the database and in the SMTP envelope. The domain is
//! lower-cased; the local part is kept as typed (some systems display it) but compared without
//! case, which is how every mainstream provider delivers.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::punycode;

/// Longest local part (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_LEN: usize = 64;
/// Longest domain (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN_LEN: usize = 253;
/// Longest domain label (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;
/// Longest address that fits a `MAIL FROM`/`RCPT TO` path (RFC 5321 §4.5.3.1.3).
pub const MAX_ADDRESS_LEN: usize = 254;

/// An email address that mail systems deliver to. Valid by construction.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress {
    text: String,
    at: usize,
}

/// Why a text is not an email address. The `Display` text is the reason shown to people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("enter an email address")]
    Empty,
    #[error("contains a space")]
    ContainsSpace,
    #[error("missing @")]
    MissingAt,
    #[error("more than one @")]
    MoreThanOneAt,
    #[error("nothing before the @")]
    EmptyLocalPart,
    #[error("nothing after the @")]
    EmptyDomain,
    #[error("quoted names before the @ (\"…\"@) are not accepted")]
    QuotedLocalPart,
    #[error("IP-address domains ([…]) are not accepted; use the domain name")]
    IpLiteralDomain,
    #[error("local part too long (at most {MAX_LOCAL_LEN} characters before the @)")]
    LocalPartTooLong,
    #[error("“{0}” is not allowed before the @")]
    LocalPartCharacter(char),
    #[error("a dot before the @ cannot come first, last or twice in a row")]
    LocalPartDots,
    #[error("domain has no dot")]
    DomainWithoutDot,
    #[error("domain too long (at most {MAX_DOMAIN_LEN} characters)")]
    DomainTooLong,
    #[error("domain has an empty part (a dot at the start or end, or two in a row)")]
    DomainEmptyLabel,
    #[error("a part of the domain is longer than {MAX_LABEL_LEN} characters")]
    DomainLabelTooLong,
    #[error("a part of the domain starts or ends with a hyphen")]
    DomainLabelHyphen,
    #[error("“{0}” is not allowed in a domain")]
    DomainCharacter(char),
    #[error("the domain ends in a number")]
    NumericTopLevelDomain,
    #[error("the international domain name cannot be converted")]
    InternationalDomain,
    #[error("address too long (at most {MAX_ADDRESS_LEN} characters)")]
    TooLong,
}

impl EmailAddress {
    /// Reads an address as a person typed it (surrounding spaces are ignored).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        if input.chars().any(char::is_whitespace) {
            return Err(EmailError::ContainsSpace);
        }
        if input.starts_with('"') {
            return Err(EmailError::QuotedLocalPart);
        }
        let (local, domain) = match input.matches('@').count() {
            0 => return Err(EmailError::MissingAt),
            1 => input.split_once('@').expect("one @"),
            _ => return Err(EmailError::MoreThanOneAt),
        };
        if local.is_empty() {
            return Err(EmailError::EmptyLocalPart);
        }
        if domain.is_empty() {
            return Err(EmailError::EmptyDomain);
        }
        if domain.starts_with('[') {
            return Err(EmailError::IpLiteralDomain);
        }
        check_local_part(local)?;
        let domain = ascii_domain(domain)?;
        let text = format!("{local}@{domain}");
        if text.len() > MAX_ADDRESS_LEN {
            return Err(EmailError::TooLong);
        }
        Ok(EmailAddress {
            at: local.len(),
            text,
        })
    }

    /// The address as stored and sent: the local part as typed, the domain lower-case ASCII.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn local_part(&self) -> &str {
        &self.text[..self.at]
    }

    pub fn domain(&self) -> &str {
        &self.text[self.at + 1..]
    }

    /// The form two addresses are compared by (and made unique by): all lower-case.
    pub fn key(&self) -> String {
        self.text.to_ascii_lowercase()
    }
}

fn check_local_part(local: &str) -> Result<(), EmailError> {
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalPartTooLong);
    }
    if let Some(bad) = local.chars().find(|&c| !is_atext(c) && c != '.') {
        return Err(EmailError::LocalPartCharacter(bad));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::LocalPartDots);
    }
    Ok(())
}

/// RFC 5322 `atext`: the characters of an unquoted local part, dots aside.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// Lower-cases the domain, converts international labels to Punycode, and checks the result.
/// The domain of email addresses an organisation proves it owns (`acme.example`): what
/// decides whose identity provider signs an address in. Lower-case ASCII (an international
/// name is kept in its `xn--` form), the same rules as an address's domain. Valid by
/// construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "acme.example"))]
pub struct EmailDomain(String);

impl EmailDomain {
    /// Reads a domain as typed (`Acme.Example`, `@acme.example` and surrounding spaces too).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let input = input.trim();
        let input = input.strip_prefix('@').unwrap_or(input);
        if input.is_empty() {
            return Err(EmailError::EmptyDomain);
        }
        if input.chars().any(char::is_whitespace) {
            return Err(EmailError::ContainsSpace);
        }
        if input.starts_with('[') {
            return Err(EmailError::IpLiteralDomain);
        }
        ascii_domain(input).map(EmailDomain)
    }

    /// The domain of `address`.
    pub fn of(address: &EmailAddress) -> Self {
        EmailDomain(address.domain().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailDomain {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailDomain::parse(&value)
    }
}

impl From<EmailDomain> for String {
    fn from(value: EmailDomain) -> Self {
        value.0
    }
}

fn ascii_domain(domain: &str) -> Result<String, EmailError> {
    // IDNA treats these full stops as dots too (people type them on CJK keyboards).
    let domain: String = domain
        .chars()
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            other => other,
        })
        .collect::<String>()
        .to_lowercase();
    let mut labels = Vec::new();
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(EmailError::DomainEmptyLabel);
        }
        if label.is_ascii() {
            labels.push(label.to_owned());
        } else {
            if let Some(bad) = label.chars().find(|c| c.is_ascii() && !is_label_char(*c)) {
                return Err(EmailError::DomainCharacter(bad));
            }
            // Punycode takes time quadratic in a label's length (a 32,000-character label
            // took seconds). A label of more than MAX_LABEL_LEN characters encodes to more
            // than MAX_LABEL_LEN octets anyway (one at least per character, after "xn--"), so
            // it is not encoded: a stand-in of that length fails the length check below,
            // where the encoded label would have.
            if label.chars().nth(MAX_LABEL_LEN).is_some() {
                labels.push("x".repeat(MAX_LABEL_LEN + 1));
                continue;
            }
            let encoded = punycode::encode(label).ok_or(EmailError::InternationalDomain)?;
            labels.push(format!("xn--{encoded}"));
        }
    }
    for label in &labels {
        if let Some(bad) = label.chars().find(|c| !is_label_char(*c)) {
            return Err(EmailError::DomainCharacter(bad));
        }
    }
    if labels.len() < 2 {
        return Err(EmailError::DomainWithoutDot);
    }
    for label in &labels {
        if label.len() > MAX_LABEL_LEN {
            return Err(EmailError::DomainLabelTooLong);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(EmailError::DomainLabelHyphen);
        }
    }
    let ascii = labels.join(".");
    if ascii.len() > MAX_DOMAIN_LEN {
        return Err(EmailError::DomainTooLong);
    }
    let top = labels.last().expect("at least two labels");
    if top.bytes().all(|b| b.is_ascii_digit()) {
        return Err(EmailError::NumericTopLevelDomain);
    }
    Ok(ascii)
}

fn is_label_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EmailAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("email".into())))
            .max_length(Some(MAX_ADDRESS_LEN))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EmailAddress {}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.text.eq_ignore_ascii_case(&other.text)
    }
}

impl Eq for EmailAddress {}

impl Hash for EmailAddress {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for byte in self.text.bytes() {
            state.write_u8(byte.to_ascii_lowercase());
        }
    }
}

impl PartialOrd for EmailAddress {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EmailAddress {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let a = self.text.bytes().map(|b| b.to_ascii_lowercase());
        let b = other.text.bytes().map(|b| b.to_ascii_lowercase());
        a.cmp(b)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("EmailAddress").field(&self.text).finish()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.text
    }
}

impl std::str::FromStr for EmailAddress {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EmailAddress::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_is_read_as_an_addresss_domain_is() {
        for typed in ["acme.example", " Acme.EXAMPLE ", "@acme.example"] {
            assert_eq!(EmailDomain::parse(typed).unwrap().as_str(), "acme.example");
        }
        assert_eq!(
            EmailDomain::parse("bücher.example").unwrap().as_str(),
            "xn--bcher-kva.example"
        );
        let address = EmailAddress::parse("Ana@Acme.Example").unwrap();
        assert_eq!(EmailDomain::of(&address).as_str(), "acme.example");
        assert_eq!(
            EmailDomain::parse("localhost"),
            Err(EmailError::DomainWithoutDot)
        );
        assert_eq!(
            EmailDomain::parse("acme .example"),
            Err(EmailError::ContainsSpace)
        );
        assert_eq!(
            EmailDomain::parse("[10.0.0.1]"),
            Err(EmailError::IpLiteralDomain)
        );
        assert_eq!(EmailDomain::parse(""), Err(EmailError::EmptyDomain));
        assert!(EmailDomain::parse("ana@acme.example").is_err());
    }
    use proptest::prelude::*;

    fn ok(input: &str) -> String {
        EmailAddress::parse(input)
            .unwrap_or_else(|e| panic!("{input:?} was refused: {e}"))
            .to_string()
    }

    fn err(input: &str) -> EmailError {
        EmailAddress::parse(input).expect_err(input)
    }

    #[test]
    fn accepts_everyday_addresses() {
        assert_eq!(ok("ana@example.com"), "ana@example.com");
        assert_eq!(
            ok("  ana.lopez+team@mail.example.co.uk "),
            "ana.lopez+team@mail.example.co.uk"
        );
        assert_eq!(ok("o'brien@example.ie"), "o'brien@example.ie");
        assert_eq!(
            ok("x_y-z@sub-domain.example.com"),
            "x_y-z@sub-domain.example.com"
        );
        assert_eq!(ok("1234@123.example"), "1234@123.example");
    }

    #[test]
    fn domain_is_lowercased_and_local_part_kept() {
        let address = EmailAddress::parse("Ana.Lopez@Example.COM").unwrap();
        assert_eq!(address.as_str(), "Ana.Lopez@example.com");
        assert_eq!(address.local_part(), "Ana.Lopez");
        assert_eq!(address.domain(), "example.com");
        assert_eq!(address.key(), "ana.lopez@example.com");
    }

    #[test]
    fn comparison_ignores_case() {
        let a = EmailAddress::parse("Ana@Example.com").unwrap();
        let b = EmailAddress::parse("ana@example.COM").unwrap();
        assert_eq!(a, b);
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&b));
    }

    #[test]
    fn international_domains_become_punycode() {
        assert_eq!(ok("joerg@münchen.de"), "joerg@xn--mnchen-3ya.de");
        assert_eq!(ok("info@例え.テスト"), "info@xn--r8jz45g.xn--zckzah");
        assert_eq!(ok("info@BÜCHER.example"), "info@xn--bcher-kva.example");
        assert_eq!(ok("info@例え。テスト"), "info@xn--r8jz45g.xn--zckzah");
    }

    #[test]
    fn every_rejection_says_why() {
        assert_eq!(err(""), EmailError::Empty);
        assert_eq!(err("   "), EmailError::Empty);
        assert_eq!(err("ana example.com"), EmailError::ContainsSpace);
        assert_eq!(err("ana.example.com"), EmailError::MissingAt);
        assert_eq!(err("ana@b@example.com"), EmailError::MoreThanOneAt);
        assert_eq!(err("@example.com"), EmailError::EmptyLocalPart);
        assert_eq!(err("ana@"), EmailError::EmptyDomain);
        assert_eq!(err("\"ana lopez\"@example.com"), EmailError::ContainsSpace);
        assert_eq!(err("\"ana\"@example.com"), EmailError::QuotedLocalPart);
        assert_eq!(err("ana@[192.168.0.1]"), EmailError::IpLiteralDomain);
        assert_eq!(
            err(&format!("{}@example.com", "a".repeat(65))),
            EmailError::LocalPartTooLong
        );
        assert_eq!(
            err("ana(x)@example.com"),
            EmailError::LocalPartCharacter('(')
        );
        assert_eq!(err("jörg@example.com"), EmailError::LocalPartCharacter('ö'));
        assert_eq!(err(".ana@example.com"), EmailError::LocalPartDots);
        assert_eq!(err("ana.@example.com"), EmailError::LocalPartDots);
        assert_eq!(err("an..a@example.com"), EmailError::LocalPartDots);
        assert_eq!(err("ana@localhost"), EmailError::DomainWithoutDot);
        assert_eq!(err("ana@example..com"), EmailError::DomainEmptyLabel);
        assert_eq!(err("ana@example.com."), EmailError::DomainEmptyLabel);
        assert_eq!(err("ana@.example.com"), EmailError::DomainEmptyLabel);
        assert_eq!(
            err(&format!("ana@{}.com", "a".repeat(64))),
            EmailError::DomainLabelTooLong
        );
        assert_eq!(err("ana@-example.com"), EmailError::DomainLabelHyphen);
        assert_eq!(err("ana@example-.com"), EmailError::DomainLabelHyphen);
        assert_eq!(err("ana@exa_mple.com"), EmailError::DomainCharacter('_'));
        assert_eq!(err("ana@example,com"), EmailError::DomainCharacter(','));
        assert_eq!(err("ana@10.0.0.1"), EmailError::NumericTopLevelDomain);
        let long_domain = format!("{}.com", vec!["a".repeat(60); 5].join("."));
        assert_eq!(
            err(&format!("ana@{long_domain}")),
            EmailError::DomainTooLong
        );
        let near_limit = format!("{}.com", vec!["a".repeat(60); 4].join("."));
        let local = "b".repeat(64);
        assert_eq!(err(&format!("{local}@{near_limit}")), EmailError::TooLong);
        assert_eq!(EmailError::MissingAt.to_string(), "missing @");
        assert_eq!(
            EmailError::DomainWithoutDot.to_string(),
            "domain has no dot"
        );
        assert!(
            EmailError::LocalPartTooLong
                .to_string()
                .starts_with("local part too long")
        );
    }

    #[test]
    fn long_international_labels_are_refused_without_encoding() {
        // Nearly 200,000 distinct characters in one label (a 1 MB body): encoding them would
        // take many minutes.
        let label: String = (0x10000..0x40000).filter_map(char::from_u32).collect();
        let started = std::time::Instant::now();
        assert_eq!(
            err(&format!("ana@{label}.com")),
            EmailError::DomainLabelTooLong
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        // The same answers as encoding gives: over MAX_LABEL_LEN characters always encodes to
        // over MAX_LABEL_LEN octets, and the checks keep their order.
        for count in 40..=80 {
            for letter in ["ü", "例", "a例"] {
                let label = letter.repeat(count);
                let address = format!("ana@{label}.com");
                let encoded = crate::punycode::encode(&label).unwrap();
                if "xn--".len() + encoded.len() > MAX_LABEL_LEN {
                    assert_eq!(err(&address), EmailError::DomainLabelTooLong, "{address}");
                } else {
                    assert_eq!(ok(&address), format!("ana@xn--{encoded}.com"));
                }
            }
        }
        let label = "ü".repeat(100);
        assert_eq!(
            err(&format!("ana@{label}..com")),
            EmailError::DomainEmptyLabel
        );
        assert_eq!(
            err(&format!("ana@{label}.ex_ample.com")),
            EmailError::DomainCharacter('_')
        );
        assert_eq!(err(&format!("ana@{label}")), EmailError::DomainWithoutDot);
    }

    #[test]
    fn serde_parses_on_the_way_in() {
        let address: EmailAddress = serde_json::from_str(r#""Ana@Example.com""#).unwrap();
        assert_eq!(address.as_str(), "Ana@example.com");
        assert_eq!(
            serde_json::to_string(&address).unwrap(),
            r#""Ana@example.com""#
        );
        let error = serde_json::from_str::<EmailAddress>(r#""ana.example.com""#).unwrap_err();
        assert!(error.to_string().contains("missing @"), "{error}");
    }

    proptest! {
        #[test]
        fn parse_never_panics(input in any::<String>()) {
            let _ = EmailAddress::parse(&input);
        }

        #[test]
        fn accepted_addresses_are_stable_and_within_limits(input in "[A-Za-z0-9._%+-]{1,70}@[A-Za-zä0-9.-]{1,80}") {
            if let Ok(address) = EmailAddress::parse(&input) {
                prop_assert!(address.as_str().len() <= MAX_ADDRESS_LEN);
                prop_assert!(address.local_part().len() <= MAX_LOCAL_LEN);
                prop_assert!(address.domain().is_ascii());
                prop_assert_eq!(address.domain(), address.domain().to_ascii_lowercase());
                // Parsing the stored form again gives the same address.
                let again = EmailAddress::parse(address.as_str()).unwrap();
                prop_assert_eq!(again.as_str(), address.as_str());
            }
        }
    }
}
