//! Where webhooks may go. An endpoint is an `https://` URL (or `http://` on loopback when
//! Roster's own public URL is loopback, for trying it out); it must not reach the machine's
//! own network (loopback, private, link-local and other non-public addresses) unless the
//! operator allows it with `--webhook-allow-private`. The check is made when the endpoint is
//! saved and again at every delivery, by the resolver the delivering client connects through:
//! a name that resolves somewhere else by then (DNS rebinding) is refused, never followed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The longest endpoint URL accepted.
pub(crate) const MAX_URL_LEN: usize = 2048;

/// What the operator allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// `--webhook-allow-private`.
    pub(crate) allow_private: bool,
    /// Roster's own public URL is loopback (a development machine): `http://` to loopback is
    /// accepted.
    pub(crate) loopback_http: bool,
}

/// Whether an address is on the public internet (what an endpoint may resolve to unless the
/// operator allows private ones).
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let segments = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = segments[6].to_be_bytes();
                let [c, d] = segments[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (segments[0] & 0xfe00) == 0xfc00 // unique local
                || (segments[0] & 0xffc0) == 0xfe80 // link-local
                || (segments[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (segments[0] == 0x2001 && segments[1] == 0x0db8) // documentation
                || segments[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // shared address space (carrier-grade NAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // benchmarking
        || a >= 240) // reserved
}

/// Why an endpoint URL is refused, in words for the person who typed it.
pub(crate) fn check_url(input: &str, policy: Policy) -> Result<url::Url, String> {
    let input = input.trim();
    if input.len() > MAX_URL_LEN {
        return Err(format!("use at most {MAX_URL_LEN} characters"));
    }
    let url = url::Url::parse(input).map_err(|_| {
        "enter the full address of the endpoint, such as https://hooks.example.com/roster"
            .to_owned()
    })?;
    let Some(host) = url.host() else {
        return Err("the address needs a host".into());
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("leave credentials out of the address: every delivery is signed".into());
    }
    if url.fragment().is_some() {
        return Err("remove the part after “#”".into());
    }
    let loopback = match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback && policy.loopback_http => {}
        "http" => return Err("use an https:// address".into()),
        _ => return Err("use an https:// address".into()),
    }
    let literal = match host {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    };
    if let Some(ip) = literal
        && !allowed(ip, policy)
    {
        return Err(private_refusal());
    }
    Ok(url)
}

fn allowed(ip: IpAddr, policy: Policy) -> bool {
    policy.allow_private || is_public(ip)
}

fn private_refusal() -> String {
    "the address reaches a private, loopback or link-local network, which webhooks may not (the operator can allow it with --webhook-allow-private)".into()
}

/// Resolves `url`'s host now and refuses it when none of its addresses may be reached (saving
/// an endpoint: the same check is made again at every delivery).
pub(crate) async fn check_resolves(url: &url::Url, policy: Policy) -> Result<(), String> {
    let Some(url::Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let found: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|_| format!("{name} does not resolve"))?
        .collect();
    if found.is_empty() {
        return Err(format!("{name} does not resolve"));
    }
    if found.iter().any(|addr| !allowed(addr.ip(), policy)) {
        return Err(private_refusal());
    }
    Ok(())
}

/// The delivering client's resolver: the system's, keeping only the addresses that may be
/// reached. A name left with none fails to connect.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    pub(crate) policy: Policy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allowed(addr.ip(), policy))
                .collect();
            if found.is_empty() {
                return Err(Box::<dyn std::error::Error + Send + Sync>::from(format!(
                    "{host} resolves only to addresses webhooks may not reach"
                )));
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The client deliveries go through: no redirects, no proxies from the environment, bounded
/// time, connecting only where [`GuardedResolver`] allows.
pub(crate) fn client(policy: Policy, timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout.min(std::time::Duration::from_secs(5)))
        .dns_resolver(Arc::new(GuardedResolver { policy }))
        .user_agent(concat!("Roster-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook client's settings are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Policy = Policy {
        allow_private: false,
        loopback_http: false,
    };

    #[test]
    fn only_public_addresses_are_reachable() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn an_endpoint_is_https_without_credentials_and_not_private() {
        assert!(check_url("https://hooks.example.com/roster", OPEN).is_ok());
        for (url, says) in [
            ("http://hooks.example.com/roster", "https://"),
            ("ftp://hooks.example.com", "https://"),
            ("hooks.example.com", "full address"),
            ("https://user:pw@hooks.example.com", "credentials"),
            ("https://hooks.example.com/#x", "#"),
            ("https://127.0.0.1/hook", "--webhook-allow-private"),
            ("https://[::1]/hook", "--webhook-allow-private"),
            ("https://169.254.169.254/latest", "--webhook-allow-private"),
            ("http://127.0.0.1:9000/hook", "https://"),
        ] {
            let refused = check_url(url, OPEN).unwrap_err();
            assert!(refused.contains(says), "{url}: {refused}");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(check_url(&long, OPEN).is_err());
        // On a development machine, with private addresses allowed: http to loopback.
        let dev = Policy {
            allow_private: true,
            loopback_http: true,
        };
        assert!(check_url("http://127.0.0.1:9000/hook", dev).is_ok());
        assert!(check_url("http://localhost:9000/hook", dev).is_ok());
        assert!(check_url("http://hooks.example.com/", dev).is_err());
    }
}
