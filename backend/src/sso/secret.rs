//! Secrets Roster must read back (an identity provider's client secret), sealed at rest with
//! the server's secret key (XChaCha20-Poly1305): a copy of the database alone does not give
//! them away. Each sealed value names what it is for (the associated data), so a value moved
//! to another row or column does not open.
//!
//! The key is 32 random bytes in a file (`--secret-key-file`, 64 hex characters), made on
//! first start when missing, readable by its owner only. Every replica needs the same file.

use std::path::Path;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore as _;

/// The version prefix of a sealed value (a later key or cipher gets another).
const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

pub(crate) struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    /// The key in `path`, made there if there is none yet; `None`: a key for this process only
    /// (tests), so nothing sealed survives a restart.
    pub(crate) fn load(path: Option<&Path>) -> anyhow::Result<SecretBox> {
        let key = match path {
            None => random_key(),
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the secret key {}", path.display()))?;
                let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() == 32);
                match bytes {
                    Some(bytes) => <[u8; 32]>::try_from(bytes).expect("32 bytes"),
                    None => bail!(
                        "the secret key {} must hold 64 hexadecimal characters",
                        path.display()
                    ),
                }
            }
            Some(path) => {
                let key = random_key();
                write_private(path, &format!("{}\n", hex::encode(key)))
                    .with_context(|| format!("writing a new secret key to {}", path.display()))?;
                tracing::info!(path = %path.display(), "made a new secret key");
                key
            }
        };
        Ok(SecretBox {
            cipher: XChaCha20Poly1305::new(Key::from_slice(&key)),
        })
    }

    /// `plaintext` sealed for `purpose`.
    pub(crate) fn seal(&self, purpose: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: purpose.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any length Roster stores");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{PREFIX}{}", STANDARD_NO_PAD.encode(out))
    }

    /// What `sealed` holds, if it was sealed for `purpose` with this key.
    pub(crate) fn open(&self, purpose: &str, sealed: &str) -> anyhow::Result<String> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b64| STANDARD_NO_PAD.decode(b64).ok())
            .filter(|bytes| bytes.len() > NONCE_LEN)
            .context("not a sealed value")?;
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: purpose.as_bytes(),
                },
            )
            .ok()
            .context("sealed with another secret key, or for another purpose")?;
        String::from_utf8(plain).context("not text")
    }
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_purpose() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/secret.key");
        let made = SecretBox::load(Some(&path)).unwrap();
        let sealed = made.seal("sso:1", "s3cret");
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            made.seal("sso:1", "s3cret"),
            "a fresh nonce each time"
        );
        // The same file again (a restart, another replica) opens it.
        let again = SecretBox::load(Some(&path)).unwrap();
        assert_eq!(again.open("sso:1", &sealed).unwrap(), "s3cret");
        assert!(
            again.open("sso:2", &sealed).is_err(),
            "moved to another row"
        );
        assert!(
            SecretBox::load(None)
                .unwrap()
                .open("sso:1", &sealed)
                .is_err()
        );
        assert!(again.open("sso:1", "v1.AAAA").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not hex").unwrap();
        assert!(SecretBox::load(Some(&path)).is_err());
    }
}
