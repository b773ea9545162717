//! Passkeys (WebAuthn, with `webauthn-rs`): adding one on *Sign-in & Security*, and signing
//! in with one instead of the password and the code.
//!
//! A passkey is a discoverable credential: the browser offers the person's passkeys for
//! Roster's name without an address typed first, and the one chosen carries the person's user
//! handle (a random UUID kept on their row, never their id or address). It proves possession
//! of the device and the person's verification on it (PIN, fingerprint, face), so it counts as
//! both sign-in steps: no code follows.
//!
//! Each ceremony (registration or sign-in) is a challenge stored hashed in the database with
//! what checking the answer needs, taken by deleting it: single-use, five minutes, and
//! finished by whichever replica the answer reaches.

use std::time::Duration;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use roster_shared::api::{ErrorCode, PasskeyCeremony, PasskeyInfo, SignInMethod};
use roster_shared::name::PasskeyName;
use roster_shared::time::{MINUTE_MS, Timestamp};
use url::Url;
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::auth::session::{ClientInfo, CurrentSession};
use crate::auth::sign_in::{self, Started};
use crate::auth::throttle::{self, Subject};
use crate::auth::{identity, token};
use crate::clock;
use crate::db;
use crate::db::passkeys::{CeremonyKind, NewCeremony, NewPasskey, PasskeyRow};
use crate::error::ApiError;
use crate::state::AppState;

/// How long a ceremony may take: the browser's prompt is given as long.
const CEREMONY_MS: i64 = 5 * MINUTE_MS;
/// Passkeys one person may have: a handful of devices and keys, with room to spare.
pub(crate) const MAX_PASSKEYS: usize = 20;

/// Roster as a WebAuthn relying party: its name (the relying party id) and origin, from the
/// public URL. None where browsers would refuse passkeys (Roster reached by an IP address).
pub(crate) struct RelyingParty {
    webauthn: Option<Webauthn>,
    origin: Option<String>,
}

impl RelyingParty {
    /// The relying party at `origin` (see `Site::passkey_origin`).
    pub(crate) fn new(origin: Option<&Url>) -> RelyingParty {
        let webauthn = origin.and_then(|origin| {
            let rp_id = origin.host_str()?;
            WebauthnBuilder::new(rp_id, origin)
                .ok()?
                .rp_name("Roster")
                // On this machine the port is whichever one the browser used.
                .allow_any_port(rp_id == "localhost")
                .timeout(Duration::from_millis(CEREMONY_MS as u64))
                .build()
                .ok()
        });
        RelyingParty {
            origin: webauthn
                .as_ref()
                .and(origin)
                .map(|origin| origin.origin().ascii_serialization()),
            webauthn,
        }
    }

    /// Where pages must be for passkeys to work.
    pub(crate) fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    fn webauthn(&self) -> Result<&Webauthn, ApiError> {
        self.webauthn.as_ref().ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::PasskeysUnavailable,
                "Passkeys need Roster to be reached by its name (an https:// address, or localhost \
                 on this machine), not by an IP address. Ask your administrator.",
            )
        })
    }
}

fn refused(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::PasskeyRefused, message)
}

fn already_added() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::PasskeyRefused,
        "This device or key already holds a passkey for Roster. Use that one, or remove it \
         first.",
    )
}

fn ceremony_expired() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::ChallengeExpired,
        "This took too long, or was already used. Please try again.",
    )
}

fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

fn info(row: PasskeyRow) -> Result<PasskeyInfo, ApiError> {
    Ok(PasskeyInfo {
        id: row.id,
        name: PasskeyName::parse(&row.name).map_err(ApiError::internal)?,
        created_at: Timestamp::from_millis(row.created_at),
        last_used_at: row.last_used_at.map(Timestamp::from_millis),
    })
}

async fn open_ceremony(
    state: &AppState,
    kind: CeremonyKind,
    user_id: Option<i64>,
    saved: &impl serde::Serialize,
    options: &impl serde::Serialize,
    now: Timestamp,
) -> Result<PasskeyCeremony, ApiError> {
    let (ceremony, hash) = token::new_token();
    let saved = serde_json::to_string(saved).map_err(ApiError::internal)?;
    db::passkeys::insert_ceremony(
        state.db().writer(),
        NewCeremony {
            token_hash: &hash,
            kind,
            user_id,
            state: &saved,
            expires_at: now.plus_millis(CEREMONY_MS),
        },
    )
    .await?;
    Ok(PasskeyCeremony {
        ceremony,
        options: serde_json::to_value(options).map_err(ApiError::internal)?,
    })
}

/// The signed-in person's passkeys, newest first.
pub(crate) async fn list(
    state: &AppState,
    current: &CurrentSession,
) -> Result<Vec<PasskeyInfo>, ApiError> {
    db::passkeys::list(state.db().reader(), current.user())
        .await?
        .into_iter()
        .map(info)
        .collect()
}

/// Starts adding a passkey. The password is asked first: a session alone (a browser left
/// open) must not be able to give someone a lasting way in.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn start_registration(
    state: &AppState,
    current: &CurrentSession,
    password: &str,
) -> Result<PasskeyCeremony, ApiError> {
    let webauthn = state.passkeys().webauthn()?;
    let user = &current.signed_in;
    if user.password_hash.is_none() {
        // Someone who joined through their organisation's identity provider.
        return Err(ApiError::invalid_field(
            "password",
            "you sign in through your organisation's identity provider and have no Roster password; choose one with “Forgot password?” on the sign-in page, then add the passkey",
        ));
    }
    identity::check_password(state, user, password, "password").await?;
    let existing = db::passkeys::list(state.db().reader(), user.id).await?;
    if existing.len() >= MAX_PASSKEYS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::TooMany,
            format!(
                "You have {MAX_PASSKEYS} passkeys, the most one person may have. Remove one you no longer use first."
            ),
        ));
    }
    let handle = db::passkeys::user_handle(
        state.db().writer(),
        user.id,
        &Uuid::new_v4().hyphenated().to_string(),
    )
    .await?;
    let handle = Uuid::parse_str(&handle).map_err(ApiError::internal)?;
    // The browser refuses to make a second passkey on an authenticator that holds one.
    let exclude: Vec<CredentialID> = existing
        .iter()
        .filter_map(|row| URL_SAFE_NO_PAD.decode(&row.credential_id).ok())
        .collect();
    let (mut options, registration) = webauthn
        .start_passkey_registration(handle, &user.email, user.display_name(), Some(exclude))
        .map_err(ApiError::internal)?;
    // Discoverable, so that signing in needs no address: the browser lists the passkeys it
    // holds for Roster's name.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    open_ceremony(
        state,
        CeremonyKind::Register,
        Some(user.id),
        &registration,
        &options,
        clock::now(),
    )
    .await
}

/// Finishes adding a passkey with the browser's answer.
#[tracing::instrument(skip_all, fields(user = current.user()))]
pub(crate) async fn finish_registration(
    state: &AppState,
    current: &CurrentSession,
    ceremony: &str,
    name: &PasskeyName,
    credential: serde_json::Value,
) -> Result<PasskeyInfo, ApiError> {
    let webauthn = state.passkeys().webauthn()?;
    let user = &current.signed_in;
    let now = clock::now();
    let saved = db::passkeys::take_ceremony(
        state.db().writer(),
        &token::hash(ceremony),
        CeremonyKind::Register,
        Some(user.id),
        now,
    )
    .await?
    .ok_or_else(ceremony_expired)?;
    let registration: PasskeyRegistration =
        serde_json::from_str(&saved).map_err(ApiError::internal)?;
    let credential: RegisterPublicKeyCredential = serde_json::from_value(credential)
        .map_err(|_| refused("The browser's answer is not a passkey. Please try again."))?;
    let passkey = match webauthn.finish_passkey_registration(&credential, &registration) {
        Ok(passkey) => passkey,
        Err(error) => {
            // The library refuses an authenticator that already holds one of the person's
            // passkeys with the same error as a changed algorithm; the id says which it was.
            let own = db::passkeys::list(state.db().reader(), user.id).await?;
            let raw_id = credential_key(&credential.raw_id);
            if own.iter().any(|row| row.credential_id == raw_id) {
                return Err(already_added());
            }
            tracing::info!(%error, "passkey registration refused");
            return Err(refused(
                "The passkey could not be checked. Please try again.",
            ));
        }
    };
    let stored = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
    let id = db::passkeys::insert(
        state.db().writer(),
        NewPasskey {
            user_id: user.id,
            credential_id: &credential_key(passkey.cred_id()),
            name: name.as_str(),
            credential: &stored,
            now,
        },
    )
    .await?
    // Another person's (the library checked the person's own): one passkey, one person.
    .ok_or_else(already_added)?;
    tracing::info!(passkey = id, "passkey added");
    Ok(PasskeyInfo {
        id,
        name: name.clone(),
        created_at: now,
        last_used_at: None,
    })
}

/// Removes one of the person's passkeys: it signs in nowhere from then on.
#[tracing::instrument(skip_all, fields(user = current.user(), passkey = id))]
pub(crate) async fn remove(
    state: &AppState,
    current: &CurrentSession,
    id: i64,
) -> Result<(), ApiError> {
    if db::passkeys::delete(state.db().writer(), current.user(), id).await? {
        tracing::info!("passkey removed");
        Ok(())
    } else {
        Err(ApiError::not_found("There is no such passkey."))
    }
}

/// Starts signing in with a passkey: a challenge for whichever of Roster's passkeys the
/// browser offers.
pub(crate) async fn start_sign_in(state: &AppState) -> Result<PasskeyCeremony, ApiError> {
    let webauthn = state.passkeys().webauthn()?;
    let (mut options, authentication) = webauthn
        .start_discoverable_authentication()
        .map_err(ApiError::internal)?;
    // Asked for by a button, not offered inside the address field.
    options.mediation = None;
    open_ceremony(
        state,
        CeremonyKind::SignIn,
        None,
        &authentication,
        &options,
        clock::now(),
    )
    .await
}

/// Finishes signing in with the browser's answer: the session starts, with no code after.
///
/// Every answer is counted on the client's address before it is checked, like a password.
#[tracing::instrument(skip_all)]
pub(crate) async fn finish_sign_in(
    state: &AppState,
    client: &ClientInfo,
    ceremony: &str,
    credential: serde_json::Value,
    now: Timestamp,
) -> Result<Started, ApiError> {
    let webauthn = state.passkeys().webauthn()?;
    let db = state.db();
    let subjects = [Subject::Address(&client.ip)];
    throttle::take_attempt(db.writer(), &subjects, now).await?;
    let saved = db::passkeys::take_ceremony(
        db.writer(),
        &token::hash(ceremony),
        CeremonyKind::SignIn,
        None,
        now,
    )
    .await?
    .ok_or_else(ceremony_expired)?;
    let authentication: DiscoverableAuthentication =
        serde_json::from_str(&saved).map_err(ApiError::internal)?;
    let credential: PublicKeyCredential = serde_json::from_value(credential)
        .map_err(|_| refused("The browser's answer is not a passkey. Please try again."))?;
    let unknown = || {
        refused(
            "This passkey is not known here: it may have been removed. Sign in with your \
             password, then add a passkey again.",
        )
    };
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(&credential)
        .map_err(|_| unknown())?;
    let (row, user_id) = db::passkeys::find_for_sign_in(
        db.reader(),
        &handle.hyphenated().to_string(),
        &credential_key(credential_id),
    )
    .await?
    .ok_or_else(unknown)?;
    let mut passkey: Passkey = serde_json::from_str(&row.credential).map_err(ApiError::internal)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(&credential, authentication, &passkey)
        .map_err(|error| {
            tracing::info!(%error, passkey = row.id, "passkey sign-in refused");
            refused("The passkey could not be checked. Please try again.")
        })?;
    let user = db::users::find(db.reader(), user_id)
        .await?
        .ok_or_else(unknown)?;
    throttle::give_back(db.writer(), &subjects).await?;
    sign_in::refuse_if_sso_required(state, &user).await?;
    passkey.update_credential(&result);
    let stored = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
    db::passkeys::record_use(db.writer(), row.id, &stored, now).await?;
    sign_in::start(state, client, &user, SignInMethod::Passkey, now).await
}
