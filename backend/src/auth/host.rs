//! Roster answers only under its own name.
//!
//! A page on another site can make a browser send requests to Roster's address under the
//! other site's name (DNS rebinding: `evil.example` first resolves to the attacker, then to
//! Roster's address). The browser then treats Roster's answers as `evil.example`'s own, and
//! neither `SameSite` cookies nor the same-origin check see anything wrong. The `Host` such a
//! request carries is the other name, so every request whose `Host` is not the public URL's
//! is refused before any route runs.
//!
//! Served: the public URL's host and port (the port may be left out when it is the scheme's
//! default), and, when the public URL is on this machine (`127.0.0.1`, `localhost`,
//! `[::1]`), the loopback names with the port Roster listens on. A proxy in front must pass the
//! public host on (`proxy_set_header Host $host;` in nginx); `X-Forwarded-Host` is never read.

use roster_shared::api::ErrorCode;
use std::net::{IpAddr, SocketAddr};

use anyhow::Context as _;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::{Host, Url};

use crate::error::ApiError;
use crate::state::AppState;

/// Answers under any name: load balancers and orchestrators probe replicas by address.
const HEALTH_PATH: &str = "/api/v1/health";

/// Where Roster is reached: the names it answers to and the origins its pages come from.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// `(host, port)` pairs served.
    authorities: Vec<(Host<String>, u16)>,
    /// The origins of Roster's own pages, one per served authority.
    origins: Vec<url::Origin>,
    /// The public URL's scheme's default port, for a `Host` without a port.
    default_port: u16,
    loopback: bool,
    /// Where passkeys work (see [`Site::passkey_origin`]).
    passkey_origin: Option<Url>,
}

impl Site {
    /// The site of `public_url` (an `http://` or `https://` address, with or without a
    /// trailing slash) for a server listening on `listen`.
    pub(crate) fn new(public_url: &str, listen: SocketAddr) -> anyhow::Result<Site> {
        let url = Url::parse(public_url.trim())
            .with_context(|| format!("the public URL {public_url:?} is not a valid URL"))?;
        let (Some(host), Some(port)) = (url.host(), url.port_or_known_default()) else {
            anyhow::bail!(
                "the public URL {public_url:?} must be an http:// or https:// address with a host"
            );
        };
        if !matches!(url.scheme(), "http" | "https") {
            anyhow::bail!("the public URL {public_url:?} must start with http:// or https://");
        }
        let host = host.to_owned();
        let loopback = is_loopback(&host);
        let mut authorities = vec![(host.clone(), port)];
        let mut origins = vec![url.origin()];
        if loopback {
            for alias in ["127.0.0.1", "localhost", "[::1]"] {
                let alias = Host::parse(alias).expect("a loopback name");
                let authority = (alias.clone(), listen.port());
                if !authorities.contains(&authority) {
                    authorities.push(authority);
                }
                let origin = url::Origin::Tuple("http".to_owned(), alias, listen.port());
                if !origins.contains(&origin) {
                    origins.push(origin);
                }
            }
        }
        // Browsers tie a passkey to a name (its relying party id), never to an IP address.
        // On this machine that name is `localhost`, which browsers treat as secure over http.
        let passkey_origin = match &host {
            Host::Domain(_) => Some(url.origin().ascii_serialization()),
            _ if loopback => Some(format!("http://localhost:{}", listen.port())),
            _ => None,
        }
        .and_then(|origin| Url::parse(&origin).ok());
        Ok(Site {
            authorities,
            origins,
            default_port: if url.scheme() == "https" { 443 } else { 80 },
            loopback,
            passkey_origin,
        })
    }

    /// Whether the public URL is this machine (`127.0.0.1`, `localhost`, `[::1]`).
    pub(crate) fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// The origin Roster's pages must be at for passkeys to work: the public URL when it is a
    /// name, `http://localhost:<port>` when it is a loopback address, none otherwise.
    pub(crate) fn passkey_origin(&self) -> Option<&Url> {
        self.passkey_origin.as_ref()
    }

    /// Whether a request naming `authority` (a `Host` header, `name[:port]`) is for Roster.
    pub(crate) fn serves(&self, authority: &str) -> bool {
        let authority = authority.trim();
        let (host, port) = match authority.rsplit_once(':') {
            // `[::1]:8080`, `name:8080`; an IPv6 address has colons only inside brackets.
            Some((host, port)) if !port.contains(']') => match port.parse::<u16>() {
                Ok(port) => (host, port),
                Err(_) => return false,
            },
            _ => (authority, self.default_port),
        };
        // `Host::parse` would percent-decode; a name on the wire never needs it.
        if host.is_empty() || host.contains('%') {
            return false;
        }
        Host::parse(host).is_ok_and(|host| self.authorities.contains(&(host, port)))
    }

    /// Whether `origin` (an `Origin` header) is one of Roster's own pages.
    pub(crate) fn is_own_origin(&self, origin: &str) -> bool {
        Url::parse(origin).is_ok_and(|url| self.origins.contains(&url.origin()))
    }
}

fn is_loopback(host: &Host<String>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).to_canonical().is_loopback(),
    }
}

/// Refuses any request not addressed to Roster's own name: 421 Misdirected Request.
pub(crate) async fn refuse_other_hosts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !answers_any_host(request.uri().path()) && !is_addressed_to(&request, state.site()) {
        tracing::debug!(
            host = ?request.headers().get(header::HOST),
            "refused a request for another host"
        );
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            ErrorCode::MisdirectedRequest,
            "This server does not answer for the host name this request was sent to. \
             (Running Roster behind a proxy? It must pass the Host of the public URL, \
             ROSTER_PUBLIC_URL.)",
        )
        .into_response();
    }
    next.run(request).await
}

/// The metrics listener answers requests addressed to an IP address, `localhost` or the
/// public URL's host name, on any port: Prometheus and probes reach a replica by its address,
/// while a web page that re-points its own name at this machine (DNS rebinding) would send
/// its own name, and must not read organisations' names and seats from a browser here.
pub(crate) async fn refuse_rebound_names(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let public_host = Url::parse(state.public_url())
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned));
    let addressed = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|authority| is_address_or_own_name(authority, public_host.as_deref()));
    if !addressed {
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            ErrorCode::MisdirectedRequest,
            "The metrics listener answers requests sent to an IP address, localhost or the \
             public URL's host name. (Naming this machine otherwise? Scrape it by address.)",
        )
        .into_response();
    }
    next.run(request).await
}

/// Whether `authority` (`host[:port]`) names an IP address, `localhost` or `public_host`.
fn is_address_or_own_name(authority: &str, public_host: Option<&str>) -> bool {
    let authority = authority.trim();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') && port.parse::<u16>().is_ok() => host,
        _ => authority,
    };
    if host.is_empty() || host.contains('%') {
        return false;
    }
    match Host::parse(host) {
        Ok(Host::Ipv4(_) | Host::Ipv6(_)) => true,
        Ok(Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || public_host.is_some_and(|own| name.eq_ignore_ascii_case(own))
        }
        Err(_) => false,
    }
}

/// What load balancers and Prometheus reach by the server's address rather than its name:
/// the health checks (which tell nothing private), and the metrics (behind their token).
fn answers_any_host(path: &str) -> bool {
    matches!(
        path,
        HEALTH_PATH | "/api/v1/health/live" | "/api/v1/health/ready" | crate::metrics::PATH
    )
}

/// Every name the request is sent to (`Host`, and the authority of an absolute-form target)
/// must be Roster's. HTTP/1.1 requires `Host`; only older requests may lack it.
fn is_addressed_to(request: &Request, site: &Site) -> bool {
    let hosts: Vec<_> = request.headers().get_all(header::HOST).iter().collect();
    if hosts.len() > 1 {
        return false;
    }
    let host_ok = match hosts.first() {
        Some(value) => value.to_str().is_ok_and(|host| site.serves(host)),
        None => request.version() < Version::HTTP_11 || request.uri().authority().is_some(),
    };
    let target_ok = request
        .uri()
        .authority()
        .is_none_or(|authority| site.serves(authority.as_str()));
    host_ok && target_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_listener_answers_addresses_localhost_and_its_own_name() {
        let own = Some("roster.example.com");
        for authority in [
            "127.0.0.1:9464",
            "10.1.2.3",
            "[::1]:9464",
            "[fd00::7]",
            "localhost:9464",
            "LOCALHOST",
            "roster.example.com:9464",
        ] {
            assert!(is_address_or_own_name(authority, own), "{authority}");
        }
        for authority in [
            "rebound.example:9464",
            "attacker.example",
            "roster.example.com.attacker.example",
            "",
            "10.1.2.3:port",
            "%31%32%37.0.0.1",
        ] {
            assert!(!is_address_or_own_name(authority, own), "{authority}");
        }
        assert!(!is_address_or_own_name("roster.example.com", None));
    }
    use axum::body::Body;

    fn listen(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn a_public_site_serves_its_own_host_only() {
        let site = Site::new("https://roster.example.com/", listen(8080)).unwrap();
        assert!(!site.is_loopback());
        for served in [
            "roster.example.com",
            "roster.example.com:443",
            "ROSTER.Example.com",
        ] {
            assert!(site.serves(served), "{served}");
        }
        for refused in [
            "evil.example",
            "roster.example.com:8080",
            "roster.example.com:80",
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "roster.example.com.evil.example",
            "roster.example.com:",
            "roster.example.com:x",
            "roster%2Eexample.com",
            ":443",
            "",
        ] {
            assert!(!site.serves(refused), "{refused}");
        }
        assert!(site.is_own_origin("https://roster.example.com"));
        assert!(site.is_own_origin("https://roster.example.com:443"));
        assert!(!site.is_own_origin("http://roster.example.com"));
        assert!(!site.is_own_origin("https://evil.example"));
        assert!(!site.is_own_origin("http://127.0.0.1:8080"));
        assert!(!site.is_own_origin("null"));
    }

    #[test]
    fn a_public_site_on_another_port() {
        let site = Site::new("http://roster.internal:3000", listen(8080)).unwrap();
        assert!(site.serves("roster.internal:3000"));
        assert!(!site.serves("roster.internal"));
        assert!(!site.serves("roster.internal:8080"));
        assert!(site.is_own_origin("http://roster.internal:3000"));
    }

    #[test]
    fn a_loopback_site_also_serves_the_loopback_names_on_its_port() {
        let site = Site::new("http://127.0.0.1:8080", listen(8080)).unwrap();
        assert!(site.is_loopback());
        for served in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(site.serves(served), "{served}");
        }
        for refused in [
            "127.0.0.1",
            "127.0.0.1:8081",
            "localhost",
            "[::1]",
            "::1:8080",
            "evil.example:8080",
            "127.0.0.1.nip.io:8080",
        ] {
            assert!(!site.serves(refused), "{refused}");
        }
        assert!(site.is_own_origin("http://localhost:8080"));
        assert!(site.is_own_origin("http://[::1]:8080"));
        assert!(!site.is_own_origin("http://evil.example:8080"));
        assert!(!site.is_own_origin("https://127.0.0.1:8080"));

        // A loopback public URL on another port (a development proxy): that port, and the
        // loopback names on the listening one.
        let site = Site::new("http://localhost:3000/", listen(8080)).unwrap();
        assert!(site.serves("localhost:3000"));
        assert!(site.serves("127.0.0.1:8080"));
        assert!(!site.serves("127.0.0.1:3000"));
        assert!(site.is_own_origin("http://localhost:3000"));

        assert!(
            Site::new("http://[::1]:8080", listen(8080))
                .unwrap()
                .is_loopback()
        );
    }

    #[test]
    fn a_public_url_must_be_a_web_address() {
        for bad in [
            "roster.example.com",
            "ftp://roster.example.com",
            "mailto:a@b.example",
        ] {
            assert!(Site::new(bad, listen(8080)).is_err(), "{bad}");
        }
    }

    #[test]
    fn passkeys_work_under_a_name_and_on_this_machine_under_localhost() {
        let origin = |public: &str| {
            Site::new(public, listen(8080))
                .unwrap()
                .passkey_origin()
                .map(|url| url.origin().ascii_serialization())
        };
        assert_eq!(
            origin("https://roster.example.com/").as_deref(),
            Some("https://roster.example.com")
        );
        assert_eq!(
            origin("http://localhost:3000").as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(
            origin("http://[::1]:8080").as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(origin("https://192.0.2.7"), None);
    }

    fn request(version: Version, uri: &str, hosts: &[&str]) -> Request {
        let mut builder = Request::get(uri).version(version);
        for host in hosts {
            builder = builder.header(header::HOST, *host);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn requests_name_the_site_in_host_and_target() {
        let site = Site::new("https://roster.example.com", listen(8080)).unwrap();
        let v11 = Version::HTTP_11;
        assert!(is_addressed_to(
            &request(v11, "/", &["roster.example.com"]),
            &site
        ));
        assert!(!is_addressed_to(
            &request(v11, "/", &["evil.example"]),
            &site
        ));
        assert!(!is_addressed_to(&request(v11, "/", &[]), &site));
        assert!(is_addressed_to(&request(Version::HTTP_10, "/", &[]), &site));
        assert!(!is_addressed_to(
            &request(v11, "/", &["roster.example.com", "evil.example"]),
            &site
        ));
        assert!(!is_addressed_to(
            &request(v11, "http://evil.example/", &["roster.example.com"]),
            &site
        ));
        assert!(!is_addressed_to(
            &request(v11, "https://roster.example.com/", &["evil.example"]),
            &site
        ));
        assert!(is_addressed_to(
            &request(v11, "https://roster.example.com/", &[]),
            &site
        ));
    }
}
