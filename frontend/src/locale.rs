//! Dates, times, numbers and prices as the person reads them: in their browser's language and
//! time zone, through the browser's own `Intl` (nothing shipped: the browser knows every
//! locale and zone already). The server sends moments in UTC ([`Timestamp`]) and amounts in
//! minor units ([`Money`]); only here do they become words.
//!
//! Built for another target than the browser (the unit tests), the words fall back to the
//! shared UTC format, so the pure parts (which unit "3 days ago" uses) stay testable.

use leptos::prelude::*;
use roster_shared::money::Money;
use roster_shared::time::{DAY_MS, HOUR_MS, MINUTE_MS, Timestamp};

/// "4 Dec 2026", "Dec 4, 2026", "04.12.2026": the date in the person's language and zone.
pub fn date(at: Timestamp) -> String {
    intl::date(at, false).unwrap_or_else(|| at.format_date())
}

/// The date and the time of day, in the person's language and zone ("4 Dec 2026, 19:05").
pub fn date_time(at: Timestamp) -> String {
    intl::date(at, true).unwrap_or_else(|| at.format_date_time())
}

/// "in 3 days", "2 hours ago", "yesterday": `at` as seen from `now`.
pub fn relative(at: Timestamp, now: Timestamp) -> String {
    let (value, unit) = relative_parts(at.millis() - now.millis());
    intl::relative(value, unit).unwrap_or_else(|| fallback_relative(value, unit))
}

/// A count with the person's digit grouping ("10,000", "10.000", "10 000").
pub fn number(n: u64) -> String {
    intl::number(n).unwrap_or_else(|| grouped(n))
}

/// "1 person", "10,000 people": a count of people, grouped as the person's language groups.
pub fn people(n: u64) -> String {
    if n == 1 {
        "1 person".to_owned()
    } else {
        format!("{} people", number(n))
    }
}

/// A price in the person's way of writing it ("€1,234.50", "1.234,50 €").
pub fn money(amount: Money) -> String {
    intl::money(amount).unwrap_or_else(|| amount.to_string())
}

/// The moment now, by the browser's clock (what relative times are measured from).
fn now() -> Timestamp {
    Timestamp::from_millis(js_sys::Date::now() as i64)
}

/// The largest unit that keeps the number readable, to the nearest whole one: 47 hours ago is
/// "2 days ago" rather than "47 hours ago"; under a minute is "now".
fn relative_parts(delta_ms: i64) -> (i64, &'static str) {
    let size = delta_ms.abs();
    let (unit_ms, unit) = if size < MINUTE_MS {
        (1_000, "second")
    } else if size < HOUR_MS {
        (MINUTE_MS, "minute")
    } else if size < DAY_MS {
        (HOUR_MS, "hour")
    } else if size < 30 * DAY_MS {
        (DAY_MS, "day")
    } else if size < 365 * DAY_MS {
        (30 * DAY_MS, "month")
    } else {
        (365 * DAY_MS, "year")
    };
    if unit == "second" {
        return (0, "second");
    }
    // To the nearest unit: an invitation valid for 13 days and 23 hours "expires in 14 days".
    let rounded = (size + unit_ms / 2) / unit_ms;
    (if delta_ms < 0 { -rounded } else { rounded }, unit)
}

fn fallback_relative(value: i64, unit: &str) -> String {
    if value == 0 {
        return "now".into();
    }
    let n = value.unsigned_abs();
    let plural = if n == 1 { "" } else { "s" };
    if value > 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A moment on screen: the words, with the exact date and time on hover and the machine-readable
/// moment for assistive technology. `relative` shows "2 hours ago" rather than the date.
#[component]
pub fn Time(
    /// The moment.
    at: Timestamp,
    /// Say it relative to now ("in 3 days"), the exact time on hover.
    #[prop(optional)]
    relative: bool,
    /// Show the time of day too (when not relative).
    #[prop(optional)]
    with_time: bool,
) -> impl IntoView {
    let exact = date_time(at);
    let text = if relative {
        self::relative(at, now())
    } else if with_time {
        exact.clone()
    } else {
        date(at)
    };
    view! { <time datetime=intl::iso(at) title=exact data-test="time">{text}</time> }
}

#[cfg(target_arch = "wasm32")]
mod intl {
    use std::cell::OnceCell;

    use js_sys::{Array, Date, Intl, Object, Reflect};
    use roster_shared::money::Money;
    use roster_shared::time::Timestamp;
    use wasm_bindgen::{JsCast, JsValue};

    fn options(pairs: &[(&str, &str)]) -> Object {
        let options = Object::new();
        for (key, value) in pairs {
            let _ = Reflect::set(&options, &(*key).into(), &(*value).into());
        }
        options
    }

    // One formatter of each kind for the page's life: building one reads the locale data,
    // and a long list formats hundreds of dates.
    thread_local! {
        static DATE: OnceCell<Intl::DateTimeFormat> = const { OnceCell::new() };
        static DATE_TIME: OnceCell<Intl::DateTimeFormat> = const { OnceCell::new() };
        static RELATIVE: OnceCell<Intl::RelativeTimeFormat> = const { OnceCell::new() };
        static NUMBER: OnceCell<Intl::NumberFormat> = const { OnceCell::new() };
    }

    fn format_date(format: &Intl::DateTimeFormat, at: Timestamp) -> Option<String> {
        let date = Date::new(&JsValue::from_f64(at.millis() as f64));
        format
            .format()
            .call1(&JsValue::UNDEFINED, &date)
            .ok()?
            .as_string()
    }

    pub fn date(at: Timestamp, with_time: bool) -> Option<String> {
        let cell = if with_time { &DATE_TIME } else { &DATE };
        cell.with(|cell| {
            let format = cell.get_or_init(|| {
                let pairs: &[(&str, &str)] = if with_time {
                    &[("dateStyle", "medium"), ("timeStyle", "short")]
                } else {
                    &[("dateStyle", "medium")]
                };
                Intl::DateTimeFormat::new(&Array::new(), &options(pairs))
            });
            format_date(format, at)
        })
    }

    pub fn relative(value: i64, unit: &str) -> Option<String> {
        RELATIVE.with(|cell| {
            let format = cell.get_or_init(|| {
                Intl::RelativeTimeFormat::new(&Array::new(), &options(&[("numeric", "auto")]))
            });
            Some(String::from(format.format(value as f64, unit)))
        })
    }

    pub fn number(n: u64) -> Option<String> {
        NUMBER.with(|cell| {
            let format =
                cell.get_or_init(|| Intl::NumberFormat::new(&Array::new(), &Object::new()));
            format
                .format()
                .call1(&JsValue::UNDEFINED, &JsValue::from_f64(n as f64))
                .ok()?
                .dyn_into::<js_sys::JsString>()
                .ok()
                .map(String::from)
        })
    }

    pub fn money(amount: Money) -> Option<String> {
        let exponent = amount.currency.exponent();
        let format = Intl::NumberFormat::new(
            &Array::new(),
            &options(&[
                ("style", "currency"),
                ("currency", amount.currency.as_str()),
            ]),
        );
        // Exact for any price a seat can have (far below 2^53 minor units).
        let value = amount.minor as f64 / 10f64.powi(exponent as i32);
        format
            .format()
            .call1(&JsValue::UNDEFINED, &JsValue::from_f64(value))
            .ok()?
            .as_string()
    }

    pub fn iso(at: Timestamp) -> Option<String> {
        Date::new(&JsValue::from_f64(at.millis() as f64))
            .to_iso_string()
            .as_string()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod intl {
    use roster_shared::money::Money;
    use roster_shared::time::Timestamp;

    pub fn date(_: Timestamp, _: bool) -> Option<String> {
        None
    }

    pub fn relative(_: i64, _: &str) -> Option<String> {
        None
    }

    pub fn number(_: u64) -> Option<String> {
        None
    }

    pub fn money(_: Money) -> Option<String> {
        None
    }

    pub fn iso(_: Timestamp) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_use_the_largest_readable_unit() {
        assert_eq!(relative_parts(20_000), (0, "second"));
        assert_eq!(relative_parts(-5 * MINUTE_MS), (-5, "minute"));
        assert_eq!(relative_parts(-2 * HOUR_MS - 10 * MINUTE_MS), (-2, "hour"));
        assert_eq!(relative_parts(3 * DAY_MS + HOUR_MS), (3, "day"));
        assert_eq!(relative_parts(-47 * HOUR_MS), (-2, "day"));
        assert_eq!(relative_parts(-25 * HOUR_MS), (-1, "day"));
        assert_eq!(relative_parts(13 * DAY_MS + 23 * HOUR_MS), (14, "day"));
        assert_eq!(relative_parts(-95 * DAY_MS), (-3, "month"));
        assert_eq!(relative_parts(-800 * DAY_MS), (-2, "year"));
    }

    #[test]
    fn the_fallback_words_read_naturally() {
        assert_eq!(fallback_relative(3, "day"), "in 3 days");
        assert_eq!(fallback_relative(-1, "hour"), "1 hour ago");
        assert_eq!(fallback_relative(0, "second"), "now");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(10_000), "10,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(people(1), "1 person");
        assert_eq!(people(0), "0 people");
        assert_eq!(people(10_000), "10,000 people");
    }
}
