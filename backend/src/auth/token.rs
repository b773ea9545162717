//! Random secrets handed to clients (session cookies, setup and invitation links, API
//! tokens). 256 bits from the OS generator; the database keeps only their SHA-256, so a
//! leaked database does not sign anyone in.

use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

/// A new token (43 URL-safe characters) and the hash to store for it.
pub(crate) fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    // ThreadRng is a CSPRNG (ChaCha12) seeded and periodically reseeded from the OS.
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub(crate) fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `presented` is the secret `expected`. Their digests are compared, so the time
/// taken tells at most how much of a digest matched, which says nothing of the secret.
pub(crate) fn same_secret(presented: &str, expected: &str) -> bool {
    hash(presented) == hash(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(hash_a, hash(&a));
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(&a));
    }
}
