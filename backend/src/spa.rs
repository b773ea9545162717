//! Serves the built single-page app from the web folder (Trunk's `dist/`).
//!
//! - Hashed assets (`name-0123456789abcdef.wasm`) never change under their name: they are
//!   cached for a year as immutable. Everything else is revalidated (`no-cache`).
//! - Client routes (`/settings/users`, …) get `index.html`, so a reload or a shared link
//!   opens the right screen; a missing *file* (`/x.js`) is a plain 404, not HTML.
//! - Files are sent pre-compressed (`.br`, `.gz` written by the build) when the browser
//!   accepts it.
//! - `index.html` carries the Content-Security-Policy. Trunk writes one inline module script
//!   to start the wasm; its SHA-256 is computed from the file actually served and allowed by
//!   hash, so no `'unsafe-inline'` is ever needed.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;

/// The CSP for everything that is not the app's HTML page (API answers, assets): nothing may
/// be loaded or framed on their behalf.
pub(crate) const NON_DOCUMENT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// The service worker's own policy: a worker script is governed by the CSP it is served with,
/// and it must fetch the app shell from this origin to cache it (nothing else).
pub(crate) const SERVICE_WORKER_CSP: &str =
    "default-src 'none'; connect-src 'self'; frame-ancestors 'none'";

#[derive(Clone)]
struct WebDir(PathBuf);

pub(crate) fn router(web_dir: &Path) -> Router {
    let dir = WebDir(web_dir.to_path_buf());
    let assets = ServeDir::new(web_dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .fallback(get(client_route).with_state(dir.clone()));
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .with_state(dir)
        .fallback_service(assets)
        .layer(middleware::from_fn(cache_control))
}

async fn index(State(dir): State<WebDir>) -> Response {
    serve_index(&dir.0).await
}

/// Any path the files do not answer: a client route gets the app, a missing file a 404.
async fn client_route(State(dir): State<WebDir>, request: Request) -> Response {
    let last_segment = request.uri().path().rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    serve_index(&dir.0).await
}

async fn serve_index(dir: &Path) -> Response {
    let path = dir.join("index.html");
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => {
            let csp = document_csp(&html);
            let mut response = Response::new(Body::from(html));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            if let Ok(value) = HeaderValue::from_str(&csp) {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
            response
        }
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "the web app is not built");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-cache")],
                "The web app is not built yet. Run `make run` (or `make web`) and reload.",
            )
                .into_response()
        }
    }
}

/// The page's policy: only this origin, plus the app's own inline scripts by hash.
/// `'wasm-unsafe-eval'` allows compiling WebAssembly, and nothing else `eval`-like.
fn document_csp(html: &str) -> String {
    let hashes: String = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         manifest-src 'self'; worker-src 'self'; media-src 'self' data:; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, after) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        let (body, _) = after.split_once("</script>")?;
        Some(body)
    })
}

/// Trunk names assets `stem-<16 hex digits>.ext`; only those may be cached forever.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let service_worker = request.uri().path() == "/sw.js";
    let mut response = next.run(request).await;
    if service_worker && response.status().is_success() {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SERVICE_WORKER_CSP),
        );
    }
    if response.status().is_success() && !response.headers().contains_key(header::CACHE_CONTROL) {
        let value = if hashed {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("/roster-frontend-4f3c2a1b0d9e8f7a_bg.wasm"));
        assert!(is_hashed_asset("/roster-frontend-4f3c2a1b0d9e8f7a.js"));
        assert!(is_hashed_asset("/style-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/manifest.webmanifest"));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
        assert!(!is_hashed_asset("/roster-frontend-xyz.js"));
    }

    #[test]
    fn csp_allows_exactly_the_inline_scripts_by_hash() {
        let html = r#"<head><script src="/a.js"></script><script type="module">init('/x.wasm');</script></head>"#;
        let csp = document_csp(html);
        let expected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init('/x.wasm');"));
        assert!(csp.contains(&format!("'sha256-{expected}'")), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
