//! The `/api/v1` surface, one module per area. Each handler carries its `#[utoipa::path]`, so
//! the API document is generated from the same code that serves the routes.
//!
//! A handler parses (its extractors: who asks, on which account, the body), calls one use case
//! of `team`, `auth`, `setup` or `mail`, and answers: no transaction, hashing or `db` call
//! here. What an answer adds over HTTP (a session cookie) is here too.

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

mod accounts;
mod events;
pub(crate) mod health;
mod invitations;
mod mail;
mod me;
mod password_reset;
mod profile;
pub(crate) mod session;
mod setup;
mod sso;
mod webhooks;

pub(crate) fn api_v1() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health::health))
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        .routes(routes!(setup::status, setup::run))
        .routes(routes!(session::sign_in))
        .routes(routes!(session::sign_in_totp))
        .routes(routes!(session::methods))
        .routes(routes!(session::passkey_challenge))
        .routes(routes!(session::sign_in_passkey))
        .routes(routes!(sso::sso_start))
        .routes(routes!(sso::sso_callback))
        .routes(routes!(sso::sso_settings))
        .routes(routes!(sso::set_sso_provider))
        .routes(routes!(sso::test_sso_provider))
        .routes(routes!(sso::set_sso_policy))
        .routes(routes!(sso::set_sso_join))
        .routes(routes!(sso::add_sso_domain))
        .routes(routes!(sso::remove_sso_domain))
        .routes(routes!(sso::verify_sso_domain))
        .routes(routes!(
            webhooks::webhook_endpoints,
            webhooks::add_webhook_endpoint
        ))
        .routes(routes!(
            webhooks::webhook_endpoint,
            webhooks::change_webhook_endpoint,
            webhooks::remove_webhook_endpoint
        ))
        .routes(routes!(webhooks::rotate_webhook_secret))
        .routes(routes!(webhooks::send_webhook_test))
        .routes(routes!(webhooks::resend_webhook_delivery))
        .routes(routes!(webhooks::replay_webhook_events))
        .routes(routes!(session::sign_out))
        .routes(routes!(session::current))
        .routes(routes!(password_reset::request_password_reset))
        .routes(routes!(password_reset::inspect_password_reset))
        .routes(routes!(password_reset::complete_password_reset))
        .routes(routes!(me::update_name))
        .routes(routes!(me::change_password))
        .routes(routes!(me::devices))
        .routes(routes!(me::sign_out_device))
        .routes(routes!(me::sign_out_other_devices))
        .routes(routes!(me::start_totp, me::disable_totp))
        .routes(routes!(me::confirm_totp))
        .routes(routes!(me::passkeys, me::add_passkey))
        .routes(routes!(me::start_passkey))
        .routes(routes!(me::remove_passkey))
        .routes(routes!(mail::send_test))
        .routes(routes!(mail::dev_list, mail::dev_clear))
        .routes(routes!(mail::dev_show))
        .routes(routes!(mail::dev_html))
        .routes(routes!(accounts::list))
        .routes(routes!(accounts::set_last_account))
        .routes(routes!(accounts::create_sub_account))
        .routes(routes!(accounts::rename))
        .routes(routes!(accounts::archive))
        .routes(routes!(accounts::restore))
        .routes(routes!(accounts::people_list))
        .routes(routes!(accounts::invite_options))
        .routes(routes!(accounts::invite_people))
        .routes(routes!(accounts::bulk_start))
        .routes(routes!(accounts::bulk_status))
        .routes(routes!(accounts::person, accounts::remove_person))
        .routes(routes!(accounts::update_access))
        .routes(routes!(accounts::resend_invitation))
        .routes(routes!(accounts::invitation_link))
        .routes(routes!(accounts::revoke_invitation))
        .routes(routes!(accounts::audit_log))
        .routes(routes!(accounts::audit_csv))
        .routes(routes!(accounts::seat_overview))
        .routes(routes!(accounts::seat_quote))
        .routes(routes!(accounts::buy_seats))
        .routes(routes!(accounts::remove_seats))
        .routes(routes!(
            accounts::api_token_list,
            accounts::api_token_create
        ))
        .routes(routes!(accounts::api_token_revoke))
        .routes(routes!(accounts::pushed_groups))
        .routes(routes!(
            accounts::map_pushed_group,
            accounts::unmap_pushed_group
        ))
        .routes(routes!(accounts::import_preview))
        .routes(routes!(accounts::import_send))
        .routes(routes!(accounts::people_csv))
        .routes(routes!(events::stream))
        .routes(routes!(profile::get, profile::update))
        .routes(routes!(profile::confirm_email))
        .routes(routes!(
            profile::get_notifications,
            profile::set_notifications
        ))
        .routes(routes!(events::inbound_message))
        .routes(routes!(invitations::inspect))
        .routes(routes!(invitations::accept_invitation))
        .routes(routes!(invitations::email_invitation))
}
