//! The API document, generated from the handlers' `#[utoipa::path]` attributes and the
//! `shared` types' schemas, and served at `/api/openapi.json`.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use roster_shared::api::{ErrorBody, FieldError, Inactivity, PeopleSort, SortOrder};
use roster_shared::webhook::{
    AccessChangedData, AccountData, AccountRenamedData, ActorKind, EventAccount, EventActor,
    EventGrant, EventPerson, InvitationAcceptedData, PersonData, PersonInvitedData,
    ProfileChangedData, ProfileFields, RoleChange, SeatsData, TestData, WebhookEvent,
    WebhookEventType,
};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::routes;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roster API",
        description = "Team and access management: accounts, people, invitations, roles and seats. \
                       Every error has the shape of `ErrorBody`."
    ),
    // The webhook events are sent, not served: no operation names them, so they are listed.
    components(schemas(
        ErrorBody, FieldError, Inactivity, PeopleSort, SortOrder,
        WebhookEvent, WebhookEventType, EventActor, ActorKind, EventPerson, EventGrant, RoleChange,
        PersonInvitedData, InvitationAcceptedData, PersonData, AccessChangedData,
        ProfileChangedData, ProfileFields, EventAccount, AccountData, AccountRenamedData,
        SeatsData, TestData
    )),
    tags(
        (name = "system", description = "Health of the server"),
        (name = "setup", description = "First run: the first account and its Owner"),
        (name = "session", description = "Signing in and out (password, passkey), and a forgotten password"),
        (name = "single sign-on", description = "An organisation's identity provider (OpenID Connect), its verified domains, and signing in through it"),
        (name = "me", description = "The signed-in person: profile, password, passkeys, devices, two-factor"),
        (name = "accounts", description = "Accounts and sub-accounts"),
        (name = "people", description = "The Users list, invitations and access"),
        (name = "invitations", description = "Invitation links, for the person invited"),
        (name = "seats", description = "Included and extra seats"),
        (name = "api tokens", description = "Tokens for programs"),
        (name = "provisioning", description = "What the groups an identity provider pushes give"),
        (name = "audit", description = "Who changed what, when and from where"),
        (name = "events", description = "Live events and inbound messages"),
        (name = "mail", description = "Test email and the development mailbox"),
        (name = "webhooks", description = "Endpoints that receive every access change as a signed event (Standard Webhooks: headers webhook-id, webhook-timestamp and webhook-signature, HMAC-SHA256 over `id.timestamp.body` with the endpoint's whsec_ secret). Each event is a `WebhookEvent`; its `data` is the schema its type names.")
    )
)]
struct ApiDoc;

/// The `/api/v1` routes, and the document describing exactly those routes.
pub(crate) fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::api_v1())
        .split_for_parts();
    describe_security(&mut document);
    (router, document)
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// No credentials: health, first-run setup, signing in, password reset links, invitation
    /// and email links, and the development mailbox (which answers loopback clients only).
    Public,
    /// A signed-in person's session: everything about "me", which a program's token never is.
    Session,
    /// A session, or an API token of the account (`Authorization: Bearer rst_…`).
    SessionOrToken,
}

/// Which credentials an operation takes, by its path. The hardening tests call every operation
/// without credentials and with a token, so this cannot drift from what the server does.
pub(crate) fn access(path: &str) -> Access {
    const PUBLIC: [&str; 18] = [
        "/api/v1/health",
        "/api/v1/health/live",
        "/api/v1/health/ready",
        "/api/v1/setup",
        "/api/v1/sign-in",
        "/api/v1/sign-in/totp",
        "/api/v1/sign-in/methods",
        "/api/v1/sign-in/passkey/challenge",
        "/api/v1/sign-in/passkey",
        "/api/v1/sso/start",
        "/api/v1/sso/callback",
        "/api/v1/password-reset",
        "/api/v1/password-reset/inspect",
        "/api/v1/password-reset/complete",
        "/api/v1/invitations/inspect",
        "/api/v1/invitations/accept",
        "/api/v1/invitations/email",
        "/api/v1/me/email/confirm",
    ];
    if PUBLIC.contains(&path) || path.starts_with("/api/v1/dev/mailbox") {
        Access::Public
    } else if path.starts_with("/api/v1/accounts/{id}/sso") {
        // Who decides who an address is: people only.
        Access::Session
    } else if path.starts_with("/api/v1/accounts/{id}") {
        Access::SessionOrToken
    } else {
        Access::Session
    }
}

/// Declares the two schemes (the session cookie, API tokens) and each operation's requirement.
fn describe_security(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::{
        ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
    };
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "roster_session",
            "The session cookie set by signing in. Requests that change something also send \
             the session's CSRF token as `X-CSRF-Token` and come from the app's origin.",
        ))),
    );
    components.add_security_scheme(
        "token",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("rst_…")
                .description(Some(
                    "An API token made under Settings > API tokens: scoped to an account and its \
                     sub-accounts, capped by its maximum role and by its creator's access.",
                ))
                .build(),
        ),
    );
    for (path, item) in document.paths.paths.iter_mut() {
        let requirement = match access(path) {
            // An empty requirement: no credentials needed.
            Access::Public => vec![SecurityRequirement::default()],
            Access::Session => vec![SecurityRequirement::new("session", Vec::<String>::new())],
            Access::SessionOrToken => vec![
                SecurityRequirement::new("session", Vec::<String>::new()),
                SecurityRequirement::new("token", Vec::<String>::new()),
            ],
        };
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            operation.security = Some(requirement.clone());
        }
    }
}

/// Serves the document, serialized once.
pub(crate) fn document_route(document: &utoipa::openapi::OpenApi) -> Router<AppState> {
    let json = document
        .to_json()
        .expect("an OpenAPI document always serializes");
    Router::new().route(
        "/api/openapi.json",
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json).into_response() }
        }),
    )
}

#[cfg(test)]
mod tests {
    use roster_shared::webhook::WebhookEventType;

    #[test]
    fn every_webhook_event_type_names_a_schema_of_the_document() {
        let (_, document) = super::api();
        let schemas = &document.components.expect("components").schemas;
        for event_type in WebhookEventType::ALL {
            assert!(
                schemas.contains_key(event_type.data_schema()),
                "{event_type}: {}",
                event_type.data_schema()
            );
        }
        assert!(schemas.contains_key("WebhookEvent"));
    }
}
