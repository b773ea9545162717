//! Exact amounts of money: integer minor units (cents) with their ISO 4217 currency. Never
//! floats, so a price times a quantity is exactly what is charged and shown.

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code ("EUR", "USD", "JPY"). Valid by construction: three letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(value_type = String, example = "EUR"))]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a currency code (three letters, such as EUR or USD)")]
pub struct CurrencyError(pub String);

impl Currency {
    pub fn parse(input: &str) -> Result<Self, CurrencyError> {
        let code = input.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => {
                Ok(Currency([*a, *b, *c]))
            }
            _ => Err(CurrencyError(crate::excerpt::excerpt(input.trim()))),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII letters")
    }

    /// Digits after the decimal point (ISO 4217's minor unit).
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        match self.as_str() {
            "USD" => Some("$"),
            "EUR" => Some("€"),
            "GBP" => Some("£"),
            "JPY" => Some("¥"),
            "INR" => Some("₹"),
            _ => None,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

/// An amount in a currency's minor units (cents for EUR, yen for JPY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// This amount `times` times, or `None` on overflow.
    pub fn times(self, times: u32) -> Option<Money> {
        self.minor.checked_mul(i64::from(times)).map(|minor| Money {
            minor,
            currency: self.currency,
        })
    }
}

impl std::fmt::Display for Money {
    /// "€1,234.50", "1,234.50 CHF", "¥1,200".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let exponent = self.currency.exponent();
        let scale = 10i64.pow(exponent);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        let whole = abs / scale as u64;
        let fraction = abs % scale as u64;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let number = if exponent == 0 {
            grouped
        } else {
            format!("{grouped}.{fraction:0width$}", width = exponent as usize)
        };
        match self.currency.symbol() {
            Some(symbol) => write!(f, "{sign}{symbol}{number}"),
            None => write!(f, "{sign}{number} {}", self.currency.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::parse("eur").unwrap()
    }

    #[test]
    fn amounts_display_exactly() {
        assert_eq!(Money::new(123_450, eur()).to_string(), "€1,234.50");
        assert_eq!(Money::new(5, eur()).to_string(), "€0.05");
        assert_eq!(Money::new(-990, eur()).to_string(), "-€9.90");
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(Money::new(100_000_000, chf).to_string(), "1,000,000.00 CHF");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(Money::new(1200, jpy).to_string(), "¥1,200");
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(Money::new(1_500, kwd).to_string(), "1.500 KWD");
    }

    #[test]
    fn multiplication_is_exact_or_refused() {
        assert_eq!(Money::new(1_999, eur()).times(3).unwrap().minor, 5_997);
        assert_eq!(Money::new(i64::MAX, eur()).times(2), None);
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert!(serde_json::from_str::<Currency>("\"usd\"").is_ok());
        assert!(serde_json::from_str::<Currency>("\"us\"").is_err());
    }
}
