//! A software passkey for the API tests: a P-256 key that answers WebAuthn ceremonies as a
//! browser with a platform authenticator would (`navigator.credentials.create`/`get`, then
//! `toJSON()`), "none" attestation, user present and verified. The browser tests use
//! Chromium's own virtual authenticator instead.
//!
//! The encoding is written here from the WebAuthn spec (authenticator data, CBOR, COSE), not
//! taken from the server's library, so a test fails when the server reads the spec wrongly.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// User present, user verified (authenticator data flags).
const UP_UV: u8 = 0x01 | 0x04;
/// Attested credential data follows.
const AT: u8 = 0x40;

#[derive(Clone)]
pub struct SoftPasskey {
    key: SigningKey,
    pub credential_id: Vec<u8>,
    /// The user handle the server gave at registration.
    pub user_handle: Vec<u8>,
    /// The signature counter; each sign-in moves it on.
    pub counter: u32,
}

/// Base64url without padding, as WebAuthn's JSON writes bytes.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &Value) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.as_str().expect("a base64url text"))
        .expect("base64url")
}

/// CBOR's head of an item of major type `major` and length or value `n`.
fn head(out: &mut Vec<u8>, major: u8, n: usize) {
    let major = major << 5;
    match n {
        0..=23 => out.push(major | n as u8),
        24..=0xff => out.extend([major | 24, n as u8]),
        _ => {
            out.push(major | 25);
            out.extend((n as u16).to_be_bytes());
        }
    }
}

fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    head(out, 2, bytes.len());
    out.extend(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    head(out, 3, text.len());
    out.extend(text.as_bytes());
}

/// A small integer, positive or negative (COSE labels and values).
fn cbor_int(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        head(out, 0, n as usize);
    } else {
        head(out, 1, (-1 - n) as usize);
    }
}

impl Default for SoftPasskey {
    fn default() -> Self {
        Self::new()
    }
}

impl SoftPasskey {
    pub fn new() -> SoftPasskey {
        let mut credential_id = vec![0u8; 32];
        rand::rng().fill_bytes(&mut credential_id);
        let mut seed = [0u8; 32];
        rand::rng().fill_bytes(&mut seed);
        SoftPasskey {
            key: SigningKey::from_slice(&seed).expect("a P-256 scalar"),
            credential_id,
            user_handle: Vec::new(),
            counter: 0,
        }
    }

    /// The same credential id and user handle with another key: a forgery.
    pub fn with_another_key(&self) -> SoftPasskey {
        SoftPasskey {
            key: SoftPasskey::new().key,
            ..self.clone()
        }
    }

    fn client_data(kind: &str, challenge: &Value, origin: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": challenge,
            "origin": origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    /// The public key as COSE_Key (EC2, P-256, ES256).
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut out = Vec::new();
        head(&mut out, 5, 5);
        for (label, value) in [(1, 2), (3, -7), (-1, 1)] {
            cbor_int(&mut out, label);
            cbor_int(&mut out, value);
        }
        cbor_int(&mut out, -2);
        cbor_bytes(&mut out, point.x().unwrap());
        cbor_int(&mut out, -3);
        cbor_bytes(&mut out, point.y().unwrap());
        out
    }

    fn authenticator_data(&self, rp_id: &str, flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.counter.to_be_bytes());
        data
    }

    /// Answers a registration ceremony's `options` (as the server sent them) from a page at
    /// `origin`, as `PublicKeyCredential.toJSON()` writes it.
    pub fn register(&mut self, options: &Value, origin: &str) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rp"]["id"].as_str().expect("an rp id");
        self.user_handle = unb64(&public_key["user"]["id"]);
        let client_data = Self::client_data("webauthn.create", &public_key["challenge"], origin);
        let mut auth_data = self.authenticator_data(rp_id, UP_UV | AT);
        auth_data.extend([0u8; 16]); // AAGUID: none
        auth_data.extend((self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend(&self.credential_id);
        auth_data.extend(self.cose_key());
        let mut attestation = Vec::new();
        head(&mut attestation, 5, 3);
        cbor_text(&mut attestation, "fmt");
        cbor_text(&mut attestation, "none");
        cbor_text(&mut attestation, "attStmt");
        head(&mut attestation, 5, 0);
        cbor_text(&mut attestation, "authData");
        cbor_bytes(&mut attestation, &auth_data);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
    }

    /// Answers a sign-in ceremony's `options` from a page at `origin`.
    pub fn sign_in(&mut self, options: &Value, origin: &str) -> Value {
        self.counter += 1;
        self.assert(options, origin, UP_UV)
    }

    /// An answer with the given authenticator data flags (the counter not moved).
    pub fn assert(&self, options: &Value, origin: &str, flags: u8) -> Value {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().expect("an rp id");
        let client_data = Self::client_data("webauthn.get", &public_key["challenge"], origin);
        let auth_data = self.authenticator_data(rp_id, flags);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&self.user_handle),
            },
            "clientExtensionResults": {},
        })
    }
}
