//! A DNS server on loopback for the tests: answers TXT questions from a table the test fills
//! (RFC 1035 over UDP), so that verifying an email domain by its TXT record is tested through
//! Roster's real resolver, without the internet.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::UdpSocket;

type Records = Arc<Mutex<HashMap<String, Vec<String>>>>;

pub struct DnsServer {
    pub address: SocketAddr,
    records: Records,
    task: tokio::task::JoinHandle<()>,
}

impl DnsServer {
    pub async fn start() -> DnsServer {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("a UDP port");
        let address = socket.local_addr().unwrap();
        let records: Records = Arc::default();
        let table = records.clone();
        let task = tokio::spawn(async move {
            let mut buffer = [0u8; 1500];
            loop {
                let Ok((length, peer)) = socket.recv_from(&mut buffer).await else {
                    return;
                };
                if let Some(answer) = answer(&buffer[..length], &table) {
                    let _ = socket.send_to(&answer, peer).await;
                }
            }
        });
        DnsServer {
            address,
            records,
            task,
        }
    }

    /// Publishes a TXT record at `name`.
    pub fn add_txt(&self, name: &str, value: &str) {
        self.records
            .lock()
            .unwrap()
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
            .push(value.to_owned());
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The answer to one query: its TXT records, or "no such name".
fn answer(query: &[u8], records: &Records) -> Option<Vec<u8>> {
    if query.len() < 12 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    // The question: labels up to the empty one, then type and class.
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let length = *query.get(at)? as usize;
        at += 1;
        if length == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + length)?).to_ascii_lowercase());
        at += length;
    }
    let question_end = at + 4;
    let kind = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let name = labels.join(".");
    let found = if kind == 16 {
        records
            .lock()
            .unwrap()
            .get(&name)
            .cloned()
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut out = Vec::with_capacity(512);
    out.extend(&query[..2]); // the query's id
    // A response, recursion desired and available; NXDOMAIN when there is nothing.
    out.extend([0x81, if found.is_empty() { 0x83 } else { 0x80 }]);
    out.extend(1u16.to_be_bytes());
    out.extend((found.len() as u16).to_be_bytes());
    out.extend([0, 0, 0, 0]);
    out.extend(query.get(12..question_end)?);
    for text in found {
        out.extend([0xC0, 0x0C]); // the name: a pointer to the question's
        out.extend(16u16.to_be_bytes()); // TXT
        out.extend(1u16.to_be_bytes()); // IN
        out.extend(60u32.to_be_bytes());
        out.extend(((text.len() + 1) as u16).to_be_bytes());
        out.push(text.len() as u8);
        out.extend(text.as_bytes());
    }
    Some(out)
}
