//! `X-Forwarded-For` and `--trusted-proxies`: the first 16 bytes are the peer's address, then
//! the header's value and the trusted list on two lines.
#![no_main]
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 17 {
        return;
    }
    let (address, rest) = data.split_at(16);
    let peer = if address[0] % 2 == 0 {
        IpAddr::V4(Ipv4Addr::new(address[1], address[2], address[3], address[4]))
    } else {
        IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(address).unwrap_or([0; 16])))
    };
    let text = String::from_utf8_lossy(rest);
    let (forwarded, trusted) = text.split_once('\n').unwrap_or((&text, "127.0.0.1"));
    roster_backend::fuzzing::forwarded_for(peer, forwarded, trusted);
});
