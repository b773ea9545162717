//! Single sign-on with OpenID Connect, one identity provider per organisation.
//!
//! - `settings`: what an Owner of a top-level account sets up (*Settings › Single sign-on*):
//!   the provider and its test, the email domains and their proof, requiring the provider.
//! - `sign_in`: "Continue with SSO", the provider's page, and the way back.
//! - `join`: someone in a verified domain without an invitation joining, where allowed.
//! - `provider`: the `openidconnect` side (discovery, authorization URL, code exchange, ID
//!   token verification).
//! - `dns`: the TXT records that prove a domain.
//! - `secret`: the client secret sealed at rest with the server's secret key.

pub(crate) mod dns;
pub(crate) mod join;
pub(crate) mod provider;
pub(crate) mod secret;
pub(crate) mod settings;
pub(crate) mod sign_in;

/// Path of the way back from the provider (the client's redirect URI, after the public URL).
pub(crate) const CALLBACK_PATH: &str = "/api/v1/sso/callback";
