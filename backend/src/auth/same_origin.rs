//! Refuses state-changing API requests that a browser marks as coming from another site.
//!
//! The CSRF token protects signed-in requests; this also covers the ones made before signing
//! in (sign-in, setup, accepting an invitation), where a forged request could otherwise sign a
//! victim into an attacker's account. Programs that send neither header (scripts, SCIM
//! clients) are unaffected.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub(crate) async fn refuse_cross_site(request: Request, next: Next) -> Response {
    if !request.method().is_safe() && is_cross_site(&request) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site_request",
            "Requests from other websites are not accepted.",
        )
        .into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "cross-site" || site == "same-site";
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            authority != host
        }
        _ => false,
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
        assert!(is_cross_site(&request(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&request(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&request(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(is_cross_site(&request(&[
            ("origin", "https://evil.example"),
            ("host", "roster.example")
        ])));
        assert!(!is_cross_site(&request(&[
            ("origin", "https://roster.example"),
            ("host", "roster.example")
        ])));
        assert!(is_cross_site(&request(&[
            ("origin", "null"),
            ("host", "roster.example")
        ])));
        assert!(!is_cross_site(&request(&[])));
    }
}
