//! Talking to an organisation's OpenID provider (the `openidconnect` crate): its discovery
//! document and keys, the authorization URL (code flow, PKCE S256, `state`, `nonce`), and the
//! code exchanged for an ID token whose signature, issuer, audience, nonce and times are
//! checked.

use std::time::Duration;

use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _, reqwest,
};

/// How far the provider's clock may be from Roster's: an ID token counts as expired this long
/// after its `exp`, and one issued further ahead than this is refused.
pub(crate) const CLOCK_SKEW_SECONDS: i64 = 60;
/// The longest one call to the provider may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Why the provider could not be used, in words for the person setting it up (never a
/// secret).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProviderError {
    #[error("the issuer {0:?} is not an https:// (or loopback http://) address")]
    Issuer(String),
    #[error("the provider's discovery document could not be read: {0}")]
    Discovery(String),
    #[error("the provider refused the code: {0}")]
    Exchange(String),
    #[error("the provider's ID token did not verify: {0}")]
    IdToken(String),
}

/// The claims Roster takes from a verified ID token.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) email: Option<String>,
    pub(crate) email_verified: bool,
    pub(crate) name: Option<String>,
}

/// What a test of the connection found.
pub(crate) struct Discovered {
    pub(crate) issuer: String,
    pub(crate) authorization_endpoint: String,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) signing_keys: usize,
}

/// A sign-in sent to the provider: where the browser goes, and what checks the way back.
pub(crate) struct Authorization {
    pub(crate) url: String,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) pkce_verifier: String,
}

fn http_client() -> Result<reqwest::Client, ProviderError> {
    reqwest::Client::builder()
        // A redirect could lead the server's request anywhere (SSRF); providers do not need it.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| ProviderError::Discovery(e.to_string()))
}

/// The issuer as entered: https, or http on this machine (a provider beside Roster).
pub(crate) fn issuer_url(issuer: &str) -> Result<IssuerUrl, ProviderError> {
    let issuer = issuer.trim().trim_end_matches('/');
    let url = url::Url::parse(issuer).map_err(|_| ProviderError::Issuer(issuer.to_owned()))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let allowed = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    if !allowed || url.query().is_some() || url.fragment().is_some() {
        return Err(ProviderError::Issuer(issuer.to_owned()));
    }
    IssuerUrl::new(issuer.to_owned()).map_err(|_| ProviderError::Issuer(issuer.to_owned()))
}

async fn discover(
    issuer: &str,
    http: &reqwest::Client,
) -> Result<CoreProviderMetadata, ProviderError> {
    CoreProviderMetadata::discover_async(issuer_url(issuer)?, http)
        .await
        .map_err(|e| ProviderError::Discovery(describe(&e)))
}

/// Fetches the discovery document and the signing keys, as signing in would.
pub(crate) async fn test(issuer: &str) -> Result<Discovered, ProviderError> {
    let http = http_client()?;
    let metadata = discover(issuer, &http).await?;
    Ok(Discovered {
        issuer: metadata.issuer().to_string(),
        authorization_endpoint: metadata.authorization_endpoint().to_string(),
        token_endpoint: metadata.token_endpoint().map(|t| t.to_string()),
        signing_keys: metadata.jwks().keys().len(),
    })
}

/// Where to send the browser to sign in at the provider (`login_hint`: the address typed).
pub(crate) async fn authorize(
    issuer: &str,
    client_id: &str,
    redirect_uri: &str,
    login_hint: &str,
) -> Result<Authorization, ProviderError> {
    let http = http_client()?;
    let metadata = discover(issuer, &http).await?;
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new(client_id.into()), None)
            .set_redirect_uri(
                RedirectUrl::new(redirect_uri.to_owned())
                    .map_err(|e| ProviderError::Discovery(e.to_string()))?,
            );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_extra_param("login_hint", login_hint)
        .set_pkce_challenge(challenge)
        .url();
    Ok(Authorization {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// What the provider's sign-in proved: the code exchanged (with the PKCE verifier and the
/// client secret) for an ID token, verified against the provider's keys, issuer, this client,
/// `nonce`, and the time (with [`CLOCK_SKEW_SECONDS`] of slack).
pub(crate) struct Exchange<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: &'a str,
    pub(crate) redirect_uri: &'a str,
    pub(crate) code: &'a str,
    pub(crate) pkce_verifier: &'a str,
    pub(crate) nonce: &'a str,
}

pub(crate) async fn exchange(exchange: Exchange<'_>) -> Result<Identity, ProviderError> {
    let http = http_client()?;
    let metadata = discover(exchange.issuer, &http).await?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(exchange.client_id.into()),
        Some(ClientSecret::new(exchange.client_secret.into())),
    )
    .set_redirect_uri(
        RedirectUrl::new(exchange.redirect_uri.to_owned())
            .map_err(|e| ProviderError::Exchange(e.to_string()))?,
    );
    let response = client
        .exchange_code(AuthorizationCode::new(exchange.code.into()))
        .map_err(|e| ProviderError::Exchange(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(exchange.pkce_verifier.into()))
        .request_async(&http)
        .await
        .map_err(|e| ProviderError::Exchange(describe(&e)))?;
    let id_token = response
        .id_token()
        .ok_or_else(|| ProviderError::IdToken("the answer holds no ID token".into()))?;
    let skew = chrono::Duration::seconds(CLOCK_SKEW_SECONDS);
    let verifier = client
        .id_token_verifier()
        // Expired means expired by more than the skew…
        .set_time_fn(move || chrono::Utc::now() - skew)
        // …and a token issued further ahead than the skew is refused.
        .set_issue_time_verifier_fn(move |issued| {
            if issued <= chrono::Utc::now() + skew {
                Ok(())
            } else {
                Err(format!("issued in the future ({issued})"))
            }
        });
    let claims = id_token
        .claims(&verifier, &Nonce::new(exchange.nonce.into()))
        .map_err(|e| ProviderError::IdToken(e.to_string()))?;
    Ok(Identity {
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified() == Some(true),
        name: claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned()),
    })
}

/// An error and its causes in one line.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issuer_is_https_or_on_this_machine() {
        for good in [
            "https://idp.example.com/realms/acme",
            "https://idp.example.com/",
            "http://127.0.0.1:4000",
            "http://localhost:4000",
        ] {
            assert!(issuer_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://idp.example.com",
            "ftp://idp.example.com",
            "idp.example.com",
            "https://idp.example.com/?x=1",
            "https://idp.example.com/#x",
            "",
        ] {
            assert!(issuer_url(bad).is_err(), "{bad}");
        }
    }
}
