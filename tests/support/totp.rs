//! An authenticator app, for tests: RFC 6238 codes from a base32 secret (written here
//! independently of the server's implementation, so the two check each other).

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha1::Sha1;

impl crate::app::TestApp {
    /// Turns two-factor authentication on for `self.api`'s person; answers the secret.
    pub async fn enable_two_factor(&self) -> String {
        let enrolment: roster_shared::api::TotpEnrolment =
            crate::expect_json(self.api.post_empty("/api/v1/me/totp").await, 200).await;
        let _: roster_shared::api::RecoveryCodes = crate::expect_json(
            self.api
                .post(
                    "/api/v1/me/totp/confirm",
                    &serde_json::json!({ "code": code(&enrolment.secret, 0) }),
                )
                .await,
            200,
        )
        .await;
        enrolment.secret
    }
}

/// The code an authenticator app shows now (`offset_steps` 30-second steps away).
pub fn code(secret: &str, offset_steps: i64) -> String {
    let key = decode(secret);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let counter = now / 30 + offset_steps;
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).unwrap();
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[19] & 0xf) as usize;
    let value = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

fn decode(secret: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in secret.bytes() {
        let v = alphabet.iter().position(|a| *a == c).expect("base32") as u64;
        bits = (bits << 5) | v;
        count += 5;
        if count >= 8 {
            out.push((bits >> (count - 8)) as u8);
            count -= 8;
        }
    }
    out
}
