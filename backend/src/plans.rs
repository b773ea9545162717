//! The plans the operator offers: included seats and the price of each extra seat.
//!
//! Defaults ship inside the binary (`backend/plans.toml`); `--plans-file` replaces them.
//! The file is read and checked once at start, so a typo stops the server with a message
//! instead of surfacing later as a wrong price.

use std::path::Path;

use anyhow::{Context as _, bail};
use roster_shared::api::PlanInfo;
use roster_shared::money::{Currency, Money};
use serde::Deserialize;

const DEFAULT_PLANS: &str = include_str!("../plans.toml");

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) included_seats: u32,
    pub(crate) extra_seat_price: Money,
}

impl Plan {
    pub(crate) fn info(&self) -> PlanInfo {
        PlanInfo {
            key: self.key.clone(),
            name: self.name.clone(),
            included_seats: self.included_seats,
            extra_seat_price: self.extra_seat_price,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plans(Vec<Plan>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    plan: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    key: String,
    name: String,
    included_seats: u32,
    extra_seat_price_minor: i64,
    currency: String,
}

impl Plans {
    /// The plans from `file`, or the built-in ones.
    pub(crate) fn load(file: Option<&Path>) -> anyhow::Result<Plans> {
        match file {
            None => Plans::parse(DEFAULT_PLANS).context("the built-in plans are invalid"),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the plans file {}", path.display()))?;
                Plans::parse(&text)
                    .with_context(|| format!("the plans file {} is invalid", path.display()))
            }
        }
    }

    pub(crate) fn parse(text: &str) -> anyhow::Result<Plans> {
        let file: File = toml::from_str(text)?;
        if file.plan.is_empty() {
            bail!("it defines no plan");
        }
        let mut plans = Vec::new();
        for entry in file.plan {
            let key = entry.key.trim().to_owned();
            if key.is_empty()
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                bail!("plan key {:?}: use letters, digits, - and _", entry.key);
            }
            if plans.iter().any(|p: &Plan| p.key == key) {
                bail!("plan key {key:?} appears twice");
            }
            if entry.extra_seat_price_minor < 0 {
                bail!("plan {key:?}: the extra seat price cannot be negative");
            }
            let currency = Currency::parse(&entry.currency)
                .map_err(|e| anyhow::anyhow!("plan {key:?}: {e}"))?;
            plans.push(Plan {
                key,
                name: entry.name,
                included_seats: entry.included_seats,
                extra_seat_price: Money::new(entry.extra_seat_price_minor, currency),
            });
        }
        Ok(Plans(plans))
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Plan> {
        self.0.iter().find(|p| p.key == key)
    }

    pub(crate) fn all(&self) -> &[Plan] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_plans_load() {
        let plans = Plans::load(None).unwrap();
        let team = plans.get("team").unwrap();
        assert_eq!(team.included_seats, 10);
        assert_eq!(team.extra_seat_price.to_string(), "€8.00");
        assert_eq!(plans.all().len(), 3);
    }

    #[test]
    fn mistakes_are_named() {
        let error = Plans::parse(
            "[[plan]]\nkey='a'\nname='A'\nincluded_seats=1\nextra_seat_price_minor=1\ncurrency='EURO'\n",
        )
        .unwrap_err();
        assert!(error.to_string().contains("EURO"), "{error}");
        let error = Plans::parse(
            "[[plan]]\nkey='a'\nname='A'\nincluded_seats=1\nextra_seat_price_minor=1\ncurrency='EUR'\n\
             [[plan]]\nkey='a'\nname='B'\nincluded_seats=1\nextra_seat_price_minor=1\ncurrency='EUR'\n",
        )
        .unwrap_err();
        assert!(error.to_string().contains("twice"), "{error}");
        assert!(Plans::parse("plan = []").is_err());
    }
}
