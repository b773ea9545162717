//! The client's address behind reverse proxies, believed only as far as the proxies are
//! trusted.
//!
//! A proxy passes the address it was connected from in `X-Forwarded-For`, appended to
//! whatever the request already carried there, so only the right end of that list was written
//! by proxies; anything further left was written by the client and may be anything. The list is
//! therefore read from the right: past the hops that are our own proxies, the first address
//! that is not one of them is the client (nginx's `real_ip_recursive on`, Rails'
//! `trusted_proxies`). A peer that is not a trusted proxy is the client itself, whatever its
//! headers say.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net};

/// The proxies allowed to tell the client's address: addresses and CIDR ranges, IPv4 or IPv6.
/// Empty (the default): forwarding headers are ignored and the TCP peer is the client.
///
/// Parsed from a comma-separated list, `10.0.0.0/8, 192.0.2.7, fd00::/8`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// No trusted proxy: every peer is a client.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies (an IPv4-mapped IPv6 address counts as the
    /// IPv4 address it carries).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

impl FromStr for TrustedProxies {
    type Err = InvalidTrustedProxy;

    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(parse_range)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, net) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{net}")?;
        }
        Ok(())
    }
}

/// An entry of the trusted proxies that is neither an address nor a CIDR range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTrustedProxy(String);

impl fmt::Display for InvalidTrustedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not an IP address or a CIDR range (write them like 10.0.0.7, 10.0.0.0/8, \
             fd00::/8, separated by commas)",
            self.0
        )
    }
}

impl std::error::Error for InvalidTrustedProxy {}

/// One address (a range of one) or CIDR range. Host bits below the prefix are dropped
/// (`10.1.2.3/8` is `10.0.0.0/8`); an IPv4-mapped IPv6 range becomes the IPv4 range it maps.
fn parse_range(entry: &str) -> Result<IpNet, InvalidTrustedProxy> {
    let invalid = || InvalidTrustedProxy(entry.to_owned());
    let net = if entry.contains('/') {
        entry.parse::<IpNet>().map_err(|_| invalid())?.trunc()
    } else {
        IpNet::from(entry.parse::<IpAddr>().map_err(|_| invalid())?)
    };
    Ok(match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => IpNet::V4(
                Ipv4Net::new(v4, v6.prefix_len() - 96).expect("a prefix of at most 32 bits"),
            ),
            None => IpNet::V6(v6),
        },
        other => other,
    })
}

/// The client's address for a request from `peer` carrying these `X-Forwarded-For` header
/// values (each line in the order received; several lines are one list).
///
/// - A peer that is not a trusted proxy is the client; its headers are ignored.
/// - Otherwise the list is walked from the right, skipping trusted proxies; the first
///   address that is not one is the client.
/// - An entry that is not an address (or an empty one) ends the walk: the last trusted hop
///   seen is then the client, never a string the client wrote.
/// - Only trusted proxies all the way: the left-most of them.
///
/// Addresses come back canonical: an IPv4-mapped IPv6 address as its IPv4 address.
pub(crate) fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    let hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|line| line.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        let Some(address) = parse_hop(hop) else {
            break;
        };
        client = address;
        if !trusted.contains(address) {
            break;
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port as some proxies write it
/// (`192.0.2.1:4711`, `[2001:db8::1]:4711`) or an IPv6 address in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let address = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse::<std::net::Ipv6Addr>().ok())
                .map(IpAddr::V6)
        })?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &str) -> TrustedProxies {
        list.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        // (peer, X-Forwarded-For lines, trusted proxies, client)
        let cases: &[(&str, &[&str], &str, &str)] = &[
            // No trusted proxy: the peer, whatever it sends.
            ("203.0.113.9", &["127.0.0.1"], "", "203.0.113.9"),
            ("127.0.0.1", &["203.0.113.9"], "", "127.0.0.1"),
            // A peer that is not a trusted proxy is believed, not its header.
            ("198.51.100.1", &["127.0.0.1"], "10.0.0.0/8", "198.51.100.1"),
            ("198.51.100.1", &[], "10.0.0.0/8", "198.51.100.1"),
            // A trusted proxy: the hop it appended.
            ("10.0.0.2", &["203.0.113.9"], "10.0.0.0/8", "203.0.113.9"),
            // A spoofed left-most value is never taken.
            (
                "10.0.0.2",
                &["127.0.0.1, 203.0.113.9"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            (
                "127.0.0.1",
                &["127.0.0.1, 203.0.113.9"],
                "127.0.0.1",
                "203.0.113.9",
            ),
            // Chains of trusted proxies are skipped from the right.
            (
                "10.0.0.2",
                &["198.51.100.7, 203.0.113.9, 10.0.0.5, 10.0.0.3"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            // Several header lines are one list, in order.
            (
                "10.0.0.2",
                &["198.51.100.7, 203.0.113.9", "10.0.0.5"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            (
                "10.0.0.2",
                &["203.0.113.9", "198.51.100.7"],
                "10.0.0.0/8",
                "198.51.100.7",
            ),
            // Only trusted hops: the left-most of them.
            (
                "10.0.0.2",
                &["10.0.0.9, 10.0.0.5"],
                "10.0.0.0/8",
                "10.0.0.9",
            ),
            // No header from a trusted proxy: the proxy itself.
            ("10.0.0.2", &[], "10.0.0.0/8", "10.0.0.2"),
            ("10.0.0.2", &[""], "10.0.0.0/8", "10.0.0.2"),
            // Garbage stops the walk at the last trusted hop, never a client-written string.
            ("10.0.0.2", &["unknown"], "10.0.0.0/8", "10.0.0.2"),
            (
                "10.0.0.2",
                &["203.0.113.9, nonsense, 10.0.0.5"],
                "10.0.0.0/8",
                "10.0.0.5",
            ),
            (
                "10.0.0.2",
                &["203.0.113.9, , 10.0.0.5"],
                "10.0.0.0/8",
                "10.0.0.5",
            ),
            ("10.0.0.2", &["203.0.113.9,"], "10.0.0.0/8", "10.0.0.2"),
            ("10.0.0.2", &["fe80::1%eth0"], "10.0.0.0/8", "10.0.0.2"),
            // Garbage left of the client does not matter.
            (
                "10.0.0.2",
                &["<script>, 203.0.113.9"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            // Ports and brackets as some proxies write them.
            (
                "10.0.0.2",
                &["203.0.113.9:4711"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            (
                "10.0.0.2",
                &["[2001:db8::9]:4711"],
                "10.0.0.0/8",
                "2001:db8::9",
            ),
            ("10.0.0.2", &["[2001:db8::9]"], "10.0.0.0/8", "2001:db8::9"),
            // IPv6 proxies and clients.
            ("fd00::2", &["2001:db8::9"], "fd00::/8", "2001:db8::9"),
            (
                "fd00::2",
                &["2001:db8::9, fd00::7"],
                "fd00::/8",
                "2001:db8::9",
            ),
            ("2001:db8::1", &["127.0.0.1"], "fd00::/8", "2001:db8::1"),
            // IPv4-mapped IPv6 peers and hops are their IPv4 addresses.
            (
                "::ffff:10.0.0.2",
                &["203.0.113.9"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            (
                "::ffff:198.51.100.1",
                &["127.0.0.1"],
                "10.0.0.0/8",
                "198.51.100.1",
            ),
            (
                "10.0.0.2",
                &["203.0.113.9, ::ffff:10.0.0.5"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            (
                "10.0.0.2",
                &["::ffff:203.0.113.9"],
                "10.0.0.0/8",
                "203.0.113.9",
            ),
            (
                "10.0.0.2",
                &["203.0.113.9"],
                "::ffff:10.0.0.0/104",
                "203.0.113.9",
            ),
            // Single addresses and several ranges.
            (
                "192.0.2.7",
                &["203.0.113.9, 10.1.1.1"],
                "192.0.2.7, 10.0.0.0/8",
                "203.0.113.9",
            ),
            ("192.0.2.8", &["203.0.113.9"], "192.0.2.7", "192.0.2.8"),
        ];
        for (peer, lines, trusted, expected) in cases {
            assert_eq!(
                client_address(ip(peer), lines.iter().copied(), &proxies(trusted)),
                ip(expected),
                "peer {peer}, X-Forwarded-For {lines:?}, trusted {trusted:?}"
            );
        }
    }

    #[test]
    fn trusted_proxies_parse_from_a_list() {
        assert!(proxies("").is_empty());
        assert!(proxies(" , ").is_empty());
        let list = proxies(" 10.0.0.0/8,192.0.2.7 , fd00::/8,::1, 10.1.2.3/16");
        assert_eq!(
            list.to_string(),
            "10.0.0.0/8, 192.0.2.7/32, fd00::/8, ::1/128, 10.1.0.0/16"
        );
        assert!(list.contains(ip("10.200.0.1")));
        assert!(list.contains(ip("::ffff:10.200.0.1")));
        assert!(list.contains(ip("192.0.2.7")));
        assert!(!list.contains(ip("192.0.2.8")));
        assert!(list.contains(ip("fd12::1")));
        assert!(list.contains(ip("::1")));
        assert!(!list.contains(ip("127.0.0.1")));
        assert_eq!(proxies("::ffff:192.0.2.7").to_string(), "192.0.2.7/32");
        assert!(proxies("::ffff:192.0.2.7").contains(ip("192.0.2.7")));
        assert_eq!(TrustedProxies::none().to_string(), "none");
    }

    #[test]
    fn a_bad_entry_is_named() {
        for bad in [
            "proxy.internal",
            "10.0.0.0/33",
            "10.0.0.300",
            "10.0.0.0/",
            "fd00::/129",
            "localhost",
        ] {
            let error = format!("10.0.0.1, {bad}")
                .parse::<TrustedProxies>()
                .unwrap_err();
            assert!(error.to_string().contains(&format!("{bad:?}")), "{error}");
        }
    }
}
