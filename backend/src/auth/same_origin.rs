//! Refuses state-changing API requests that a browser marks as coming from another site.
//!
//! The CSRF token protects signed-in requests; this also covers the ones made before signing
//! in (sign-in, setup, accepting an invitation), where a forged request could otherwise sign a
//! victim into an attacker's account. Programs that send neither header (scripts, SCIM
//! clients) are unaffected.
//!
//! An `Origin` is compared with Roster's own origins (the public URL's, see [`Site`]), never
//! with the request's `Host`: a request's `Host` is whatever name the browser was pointed at.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use roster_shared::api::ErrorCode;

use crate::auth::host::Site;
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !request.method().is_safe() && is_cross_site(&request, state.site()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::CrossSiteRequest,
            "Requests from other websites are not accepted.",
        )
        .into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request, site: &Site) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site" || site == "same-site";
    }
    match headers.get(header::ORIGIN) {
        None => false,
        Some(origin) => !origin
            .to_str()
            .is_ok_and(|origin| site.is_own_origin(origin)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = Request::post("/api/v1/sign-in");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn browsers_marking_other_sites_are_refused() {
        let site = Site::new("https://roster.example", "127.0.0.1:8080".parse().unwrap()).unwrap();
        let cross = |headers: &[(&str, &str)]| is_cross_site(&request(headers), &site);
        assert!(cross(&[("sec-fetch-site", "cross-site")]));
        assert!(cross(&[("sec-fetch-site", "same-site")]));
        assert!(!cross(&[("sec-fetch-site", "same-origin")]));
        assert!(cross(&[
            ("origin", "https://evil.example"),
            ("host", "roster.example")
        ]));
        assert!(!cross(&[
            ("origin", "https://roster.example"),
            ("host", "roster.example")
        ]));
        assert!(cross(&[("origin", "null"), ("host", "roster.example")]));
        assert!(!cross(&[]));
    }

    #[test]
    fn the_origin_is_compared_with_the_public_url_not_the_host() {
        let site = Site::new("https://roster.example/", "127.0.0.1:8080".parse().unwrap()).unwrap();
        let cross = |headers: &[(&str, &str)]| is_cross_site(&request(headers), &site);
        // A forged Host that matches the Origin proves nothing.
        assert!(cross(&[
            ("origin", "http://evil.example"),
            ("host", "evil.example")
        ]));
        assert!(cross(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ]));
        assert!(!cross(&[("origin", "https://roster.example")]));
        assert!(!cross(&[("origin", "https://roster.example:443")]));
        assert!(cross(&[("origin", "http://roster.example")]));
        assert!(cross(&[("origin", "not a url")]));

        // On this machine, the loopback names of the listening port are Roster's too.
        let site = Site::new("http://127.0.0.1:8080", "127.0.0.1:8080".parse().unwrap()).unwrap();
        assert!(!is_cross_site(
            &request(&[("origin", "http://localhost:8080")]),
            &site
        ));
        assert!(is_cross_site(
            &request(&[("origin", "http://localhost:8081")]),
            &site
        ));
    }
}
