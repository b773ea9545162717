//! `ErrorCode`: the stable code of every error the API answers (`ErrorBody::code`). The server
//! answers with one, the web app decides by it, and tests name it: one list, so a code cannot
//! be misspelt on either side.

use crate::text_enum::text_enum;

text_enum! {
    /// Why a request was refused, for programs (the message is for people).
    pub enum ErrorCode ("an error code") {
        // ---- the request itself
        /// The body is not JSON.
        InvalidJson = "invalid_json",
        /// The body is JSON, but a field is missing or breaks its rule (`fields` says which).
        InvalidBody = "invalid_body",
        /// The query string breaks a rule.
        InvalidQuery = "invalid_query",
        UnsupportedMediaType = "unsupported_media_type",
        PayloadTooLarge = "payload_too_large",
        MethodNotAllowed = "method_not_allowed",
        /// The request named a host this server does not serve.
        MisdirectedRequest = "misdirected_request",
        /// The request took longer than the server allows.
        Timeout = "timeout",
        NotFound = "not_found",
        /// Something failed on the server; the cause is in its log.
        Internal = "internal",
        // ---- who is asking
        SignInRequired = "sign_in_required",
        SessionExpired = "session_expired",
        CsrfFailed = "csrf_failed",
        CrossSiteRequest = "cross_site_request",
        InvalidCredentials = "invalid_credentials",
        WrongPassword = "wrong_password",
        InvalidCode = "invalid_code",
        ChallengeExpired = "challenge_expired",
        TooManyAttempts = "too_many_attempts",
        Throttled = "throttled",
        TooManyStreams = "too_many_streams",
        /// An API token cannot do this; only a person can.
        PersonOnly = "person_only",
        NoEnrolment = "no_enrolment",
        TotpEnabled = "totp_enabled",
        CurrentDevice = "current_device",
        DevMailboxLocalOnly = "dev_mailbox_local_only",
        /// Passkeys need Roster at a name (its https:// address, or localhost), not an IP.
        PasskeysUnavailable = "passkeys_unavailable",
        /// The passkey's answer did not prove what it must (wrong site, unknown or removed
        /// passkey, a bad signature, no user verification).
        PasskeyRefused = "passkey_refused",
        /// The organisation requires its identity provider: no password, no passkey.
        SsoRequired = "sso_required",
        /// No organisation signs in with single sign-on for this address's domain.
        SsoNotConfigured = "sso_not_configured",
        /// The identity provider did not answer, or answered something that is not OpenID.
        ProviderUnreachable = "provider_unreachable",
        // ---- access
        NotAnAdmin = "not_an_admin",
        AboveOwnRole = "above_own_role",
        OwnAccess = "own_access",
        TargetOutranks = "target_outranks",
        LastOwner = "last_owner",
        InvitationBeyondScope = "invitation_beyond_scope",
        AccessInherited = "access_inherited",
        ReadOnly = "read_only",
        NotASeatManager = "not_a_seat_manager",
        /// Only the top-level account's Owners map pushed groups to access.
        NotAnOwner = "not_an_owner",
        WrongAccount = "wrong_account",
        // ---- accounts, people and invitations
        AccountRule = "account_rule",
        NameTaken = "name_taken",
        NoValidAddress = "no_valid_address",
        NotEnoughSeats = "not_enough_seats",
        NotInvited = "not_invited",
        InvitationExpired = "invitation_expired",
        SignInToAccept = "sign_in_to_accept",
        EmailedLinkRequired = "emailed_link_required",
        InvalidToken = "invalid_token",
        LinkExpired = "link_expired",
        EmailUnavailable = "email_unavailable",
        InvalidCsv = "invalid_csv",
        InvalidRows = "invalid_rows",
        NothingSelected = "nothing_selected",
        SelectionTooLarge = "selection_too_large",
        TooMany = "too_many",
        // ---- seats and billing
        TooManySeats = "too_many_seats",
        /// The organisation has as many webhook endpoints as it may.
        TooManyWebhooks = "too_many_webhooks",
        PriceChanged = "price_changed",
        PaymentDeclined = "payment_declined",
        BillingUnavailable = "billing_unavailable",
        // ---- first run
        AlreadySetUp = "already_set_up",
        InvalidSetupLink = "invalid_setup_link",
        UnknownPlan = "unknown_plan",
        // ---- single sign-on
        /// Another organisation has verified this domain.
        DomainTaken = "domain_taken",
        /// The domain's DNS does not hold the verification record (yet).
        DomainNotVerified = "domain_not_verified",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_written_on_the_wire_as_it_is_named_and_reads_back() {
        crate::text_enum::assert_texts_round_trip(ErrorCode::ALL, "an error code");
        assert_eq!(ErrorCode::parse("last_owner"), Some(ErrorCode::LastOwner));
        assert!(ErrorCode::LastOwner == "last_owner");
    }
}
