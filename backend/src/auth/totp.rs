//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), as every
//! authenticator app computes them, and single-use recovery codes.
//!
//! A code is accepted for the current step and one step either side (clock drift), and each
//! step only once per person: the last step used is stored, so a code seen over a shoulder
//! cannot be replayed within its window.

use hmac::{Hmac, Mac};
use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore as _;
use roster_shared::time::Timestamp;
use sha1::Sha1;

const STEP_SECONDS: i64 = 30;
const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A new shared secret, base32 (160 bits, RFC 4226's recommended size).
pub(crate) fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    base32_encode(&bytes)
}

/// The step (30-second window number) a moment falls in.
pub(crate) fn step_of(now: Timestamp) -> i64 {
    now.millis().div_euclid(1000 * STEP_SECONDS)
}

/// The code for `step`, or `None` if the secret is not base32.
pub(crate) fn code_at(secret: &str, step: i64) -> Option<String> {
    let key = base32_decode(secret)?;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).ok()?;
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    Some(format!("{:06}", binary % 10u32.pow(DIGITS)))
}

/// The step `code` matches at `now` (±1 step), if it is later than `last_used_step`.
pub(crate) fn verify(
    secret: &str,
    code: &str,
    now: Timestamp,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_of(now);
    (current - 1..=current + 1)
        .filter(|step| last_used_step.is_none_or(|last| *step > last))
        .find(|step| {
            code_at(secret, *step).is_some_and(|expected| constant_time_eq(&expected, &code))
        })
}

/// The `otpauth://` URL authenticator apps read from the QR code.
pub(crate) fn otpauth_url(secret: &str, account: &str, issuer: &str) -> String {
    let label = url::form_urlencoded::byte_serialize(format!("{issuer}:{account}").as_bytes())
        .collect::<String>();
    let issuer = url::form_urlencoded::byte_serialize(issuer.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
}

pub(crate) fn qr_svg(text: &str) -> anyhow::Result<String> {
    let code = QrCode::new(text.as_bytes())?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Ten single-use recovery codes like `k7qx2-m4tz9`.
pub(crate) fn new_recovery_codes() -> Vec<String> {
    // Lower-case base32 without look-alikes is easy to read aloud and type.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| {
            let mut code = String::with_capacity(11);
            for i in 0..10 {
                if i == 5 {
                    code.push('-');
                }
                let index = (rng.next_u32() as usize) % ALPHABET.len();
                code.push(char::from(ALPHABET[index]));
            }
            code
        })
        .collect()
}

/// How a typed recovery code is compared (case, spaces and dashes do not matter).
pub(crate) fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            out.push(char::from(BASE32[((buffer >> (bits - 5)) & 31) as usize]));
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.bytes().filter(|b| *b != b'=' && *b != b' ') {
        let value = BASE32.iter().position(|x| *x == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            out.push(((buffer >> (bits - 8)) & 0xff) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, secret "12345678901234567890".
    #[test]
    fn rfc_6238_vectors() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (seconds, code) in [
            (59_i64, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            let step = step_of(Timestamp::from_millis(seconds * 1000));
            assert_eq!(code_at(&secret, step).unwrap(), code, "at {seconds}");
        }
    }

    #[test]
    fn verification_allows_drift_and_refuses_replay() {
        let secret = new_secret();
        let now = Timestamp::from_millis(1_800_000_000_000);
        let step = step_of(now);
        let previous = code_at(&secret, step - 1).unwrap();
        assert_eq!(verify(&secret, &previous, now, None), Some(step - 1));
        assert_eq!(verify(&secret, &previous, now, Some(step - 1)), None);
        let far = code_at(&secret, step - 3).unwrap();
        assert_eq!(verify(&secret, &far, now, None), None);
        assert_eq!(verify(&secret, "12345", now, None), None);
        let current = code_at(&secret, step).unwrap();
        let spaced = format!("{} {}", &current[..3], &current[3..]);
        assert_eq!(verify(&secret, &spaced, now, None), Some(step));
    }

    #[test]
    fn base32_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(base32_decode(&base32_encode(&bytes)).unwrap(), bytes);
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn recovery_codes_are_distinct_and_readable() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
        );
        assert_eq!(normalize_recovery_code("K7QX2 - M4TZ9"), "k7qx2m4tz9");
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let url = otpauth_url("GEZDGNBV", "ana@example.com", "Roster");
        assert!(
            url.starts_with("otpauth://totp/Roster%3Aana%40example.com?secret=GEZDGNBV"),
            "{url}"
        );
        assert!(qr_svg(&url).unwrap().starts_with("<?xml"));
    }
}
