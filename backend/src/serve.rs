//! The accept loop, with the limits one client must not be able to exceed: a connection that
//! does not finish sending its request head in time is closed (slowloris), one address holds at
//! most so many connections at once, and the whole server at most so many. `axum::serve` offers
//! none of these.
//!
//! Everything above the connection (routing, handlers, their timeouts) is the router's.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::Service;

use crate::auth::proxy::TrustedProxies;
use crate::slots::Slots;

/// What a connection may take.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Time for a client to send a request's whole head (request line and headers), counted
    /// from the moment the server waits for it (also between requests on a kept-alive
    /// connection).
    pub header_read_timeout: Duration,
    /// Open connections from one client address at once (proxies the server trusts are not
    /// counted: every client arrives through them).
    pub per_address: usize,
    /// Open connections in all.
    pub total: usize,
    /// How long stopping waits for requests in flight.
    pub drain: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(DEFAULT_HEADER_READ_TIMEOUT_SECONDS),
            per_address: DEFAULT_CONNECTIONS_PER_ADDRESS,
            total: DEFAULT_CONNECTIONS_TOTAL,
            drain: Duration::from_secs(10),
        }
    }
}

pub const DEFAULT_HEADER_READ_TIMEOUT_SECONDS: u64 = 10;
/// The largest request head (request line and headers) read, in bytes.
pub const MAX_REQUEST_HEAD: usize = 64 * 1024;
pub const DEFAULT_CONNECTIONS_PER_ADDRESS: usize = 256;
pub const DEFAULT_CONNECTIONS_TOTAL: usize = 8_192;

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight
/// finish (for at most `limits.drain`).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    proxies: TrustedProxies,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let slots = Slots::<IpAddr>::new(limits.per_address, limits.total);
    let graceful = GracefulShutdown::new();
    let mut refused_since_log = 0u64;
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors or a connection reset before it was accepted:
                    // wait a moment rather than spin, and keep serving the others.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let counted = (!proxies.contains(remote.ip())).then_some(remote.ip());
        let Some(slot) = slots.take(counted) else {
            // Closing at once costs the server nothing and tells the client no.
            refused_since_log += 1;
            if refused_since_log.is_power_of_two() {
                tracing::warn!(
                    address = %remote.ip(),
                    refused = refused_since_log,
                    "connection limit reached; closing new connections"
                );
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let tower_service = match make_service.call(remote).await {
            Ok(service) => service,
            Err(infallible) => match infallible {},
        };
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            // A request head larger than this (a huge query string or header) is answered 431
            // without being read further.
            .max_buf_size(MAX_REQUEST_HEAD);
        let connection = http.serve_connection(
            TokioIo::new(stream),
            TowerToHyperService::new(tower_service),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out ends its connection; nothing to report.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("stopped with requests still in flight");
    }
    Ok(())
}
