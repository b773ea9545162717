//! Identity: passwords, sessions, CSRF, sign-in throttling, devices and two-factor codes.
//!
//! - `password`: argon2id hashing on the blocking pool, bounded so a burst of sign-ins
//!   cannot exhaust memory.
//! - `token`: random 256-bit tokens; only their SHA-256 is ever stored.
//! - `principal`: who is asking, a person (session) or a program (API token).
//! - `session`: the session cookie, the [`session::CurrentSession`] extractor (idle and
//!   absolute timeouts, CSRF check on every state change).
//! - `host`: the names Roster answers to (the public URL's host); any other `Host` is refused
//!   before any handler runs (DNS rebinding).
//! - `same_origin`: refuses cross-site state-changing requests before any handler runs.
//! - `proxy`: the client's address behind trusted reverse proxies (`X-Forwarded-For`, read
//!   from the right).
//! - `throttle`: slows password guessing per account and per client address, in the database
//!   so every replica sees the same counts.
//! - `device`: a readable device name from a User-Agent.
//! - `totp`: RFC 6238 codes and recovery codes.
//! - `sign_in`: signing in (password, then a code with two-step verification on), the session
//!   it starts, and signing out, behind `routes::session`.
//! - `passkey`: passkeys (WebAuthn): adding them, and signing in with one instead of the
//!   password and the code.
//! - `password_reset`: "Forgot password?", a mailed single-use link to choose a new password.
//! - `identity`: the use cases of one's own identity (name, password, devices, two-step
//!   verification), behind `routes::me`.

pub(crate) mod device;
pub(crate) mod host;
pub(crate) mod identity;
pub(crate) mod passkey;
pub(crate) mod password;
pub(crate) mod password_reset;
pub(crate) mod principal;
pub(crate) mod proxy;
pub(crate) mod same_origin;
pub(crate) mod session;
pub(crate) mod sign_in;
pub(crate) mod throttle;
pub(crate) mod token;
pub(crate) mod totp;
