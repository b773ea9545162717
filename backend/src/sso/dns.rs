//! The DNS TXT records that prove an organisation owns an email domain, read with the
//! system's resolver (`/etc/resolv.conf`) or the server the operator names (`--dns-server`),
//! each lookup bounded in time.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::Resolver;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;

const TIMEOUT: Duration = Duration::from_secs(5);

/// The TXT records at `name` (each record's strings joined, as RFC 7208 reads them); none when
/// there are none or DNS does not answer in time.
pub(crate) async fn txt_records(name: &str, server: Option<SocketAddr>) -> Vec<String> {
    let resolver = match server {
        Some(server) => {
            let servers =
                NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
            Resolver::builder_with_config(
                ResolverConfig::from_parts(None, Vec::new(), servers),
                TokioConnectionProvider::default(),
            )
            .build()
        }
        None => match Resolver::builder(TokioConnectionProvider::default()) {
            Ok(builder) => builder.build(),
            Err(error) => {
                tracing::warn!(%error, "no DNS resolver configured");
                return Vec::new();
            }
        },
    };
    match tokio::time::timeout(TIMEOUT, resolver.txt_lookup(name)).await {
        Ok(Ok(found)) => found
            .iter()
            .map(|txt| {
                txt.txt_data()
                    .iter()
                    .map(|part| String::from_utf8_lossy(part).into_owned())
                    .collect::<String>()
            })
            .collect(),
        Ok(Err(error)) => {
            tracing::info!(%error, name, "no TXT record");
            Vec::new()
        }
        Err(_) => {
            tracing::info!(name, "DNS did not answer in time");
            Vec::new()
        }
    }
}
