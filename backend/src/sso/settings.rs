//! *Settings › Single sign-on*: what an Owner of a top-level account sets up. The provider
//! (issuer, client id, client secret sealed at rest) and its test, the email domains and their
//! proof, and whether the provider is required. People only, never an API token: whoever
//! controls the provider of a verified domain decides who those addresses are.

use axum::http::StatusCode;
use rand::RngCore as _;
use roster_shared::account::AccountId;
use roster_shared::api::{
    ErrorCode, SsoConnectionTest, SsoDomain, SsoJoin, SsoProvider, SsoProviderRequest, SsoSettings,
};
use roster_shared::audit::AuditAction;
use roster_shared::email::EmailDomain;
use roster_shared::role::Role;
use roster_shared::time::Timestamp;

use crate::auth::principal::Principal;
use crate::clock;
use crate::db;
use crate::error::ApiError;
use crate::sso::provider::{self, ProviderError};
use crate::state::AppState;
use crate::team::context::{Actor, Context};

/// Records an Owner's change to single sign-on in the organisation's audit log.
async fn audit(
    state: &AppState,
    ctx: &Context,
    actor: &Actor,
    action: AuditAction,
    summary: &str,
) -> Result<(), ApiError> {
    let mut conn = state.db().writer().acquire().await?;
    ctx.record_here(&mut conn, actor, action, summary, clock::now())
        .await
}

/// The name of the DNS TXT record that proves `domain`.
pub(crate) fn txt_name(domain: &str) -> String {
    format!("_roster-challenge.{domain}")
}

/// A new domain's verification token (the value of its TXT record after the prefix).
pub(crate) fn new_domain_token() -> String {
    let mut token = [0u8; 16];
    rand::rng().fill_bytes(&mut token);
    hex::encode(token)
}

/// The value that record must hold.
pub(crate) fn txt_value(token: &str) -> String {
    format!("roster-domain-verification={token}")
}

/// What a client secret is sealed for: this organisation's provider only.
pub(crate) fn secret_purpose(root_id: i64) -> String {
    format!("sso-client-secret:{root_id}")
}

/// Single sign-on is set on the top-level account, by its Owners, in person.
fn require_owner(ctx: &Context, principal: &Principal) -> Result<(), ApiError> {
    principal.person()?;
    if ctx.account != ctx.root() {
        return Err(ApiError::not_found(format!(
            "Single sign-on is set on the top-level account, {}.",
            ctx.org.name(ctx.root())
        )));
    }
    let owner = roster_shared::access::effective_role(
        &ctx.org.tree,
        &ctx.actor_memberships,
        roster_shared::account::AccountId(ctx.root()),
    ) == Some(Role::Owner);
    if owner {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::NotAnOwner,
            format!(
                "Only Owners of {} can set up single sign-on.",
                ctx.org.name(ctx.root())
            ),
        ))
    }
}

fn provider_error(error: ProviderError) -> ApiError {
    match error {
        ProviderError::Issuer(_) => ApiError::invalid_field("issuer", error.to_string()),
        error => ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::ProviderUnreachable,
            format!("The identity provider could not be used: {error}."),
        ),
    }
}

/// The organisation's single sign-on as it stands.
pub(crate) async fn get(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
) -> Result<SsoSettings, ApiError> {
    require_owner(ctx, principal)?;
    let root = ctx.root();
    let provider = db::sso::provider(state.db().reader(), root).await?;
    let domains = db::sso::domains(state.db().reader(), root).await?;
    let join = db::sso::join_policy(&mut *state.db().reader().acquire().await?, root).await?;
    Ok(SsoSettings {
        redirect_uri: state.sso_redirect_uri(),
        required: provider.as_ref().is_some_and(|p| p.required()),
        join: join.map(|policy| SsoJoin {
            role: policy.role,
            accounts: policy.accounts.into_iter().map(AccountId).collect(),
        }),
        provider: provider.map(|p| SsoProvider {
            issuer: p.issuer,
            client_id: p.client_id,
        }),
        domains: domains
            .into_iter()
            .map(|row| {
                Ok(SsoDomain {
                    txt_name: txt_name(&row.domain),
                    txt_value: txt_value(&row.token),
                    domain: EmailDomain::parse(&row.domain).map_err(ApiError::internal)?,
                    verified_at: row.verified_at.map(Timestamp::from_millis),
                })
            })
            .collect::<Result<_, ApiError>>()?,
    })
}

/// Enters or replaces the provider. Its discovery document must answer first: a provider that
/// cannot be reached is not saved.
#[tracing::instrument(skip_all, fields(account = ctx.root()))]
pub(crate) async fn set_provider(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
    actor: &Actor,
    request: &SsoProviderRequest,
) -> Result<SsoSettings, ApiError> {
    require_owner(ctx, principal)?;
    let root = ctx.root();
    let issuer = provider::issuer_url(&request.issuer)
        .map_err(provider_error)?
        .to_string();
    let client_id = request.client_id.trim();
    if client_id.is_empty() || client_id.len() > 256 || client_id.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            "client_id",
            "enter the client id your provider gave Roster",
        ));
    }
    let stored = db::sso::provider(state.db().reader(), root).await?;
    let sealed = match (request.client_secret.as_deref().map(str::trim), stored) {
        (Some(secret), _) if !secret.is_empty() => {
            state.secrets().seal(&secret_purpose(root), secret)
        }
        (_, Some(stored)) => stored.client_secret,
        (_, None) => {
            return Err(ApiError::invalid_field(
                "client_secret",
                "enter the client secret your provider gave Roster",
            ));
        }
    };
    provider::test(&issuer).await.map_err(provider_error)?;
    db::sso::set_provider(
        state.db().writer(),
        db::sso::NewProvider {
            root_id: root,
            issuer: &issuer,
            client_id,
            client_secret: &sealed,
            now: clock::now(),
        },
    )
    .await?;
    audit(
        state,
        ctx,
        actor,
        AuditAction::SsoProviderSet,
        &format!(
            "{} set the identity provider to {issuer} (client {client_id})",
            actor.name
        ),
    )
    .await?;
    tracing::info!(%issuer, "single sign-on provider set");
    get(state, ctx, principal).await
}

/// "Test connection": the provider's discovery document and signing keys, fetched now.
pub(crate) async fn test(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
) -> Result<SsoConnectionTest, ApiError> {
    require_owner(ctx, principal)?;
    let stored = db::sso::provider(state.db().reader(), ctx.root())
        .await?
        .ok_or_else(|| ApiError::not_found("Enter the identity provider first."))?;
    let found = provider::test(&stored.issuer)
        .await
        .map_err(provider_error)?;
    Ok(SsoConnectionTest {
        issuer: found.issuer,
        authorization_endpoint: found.authorization_endpoint,
        token_endpoint: found.token_endpoint.unwrap_or_default(),
        signing_keys: found.signing_keys,
    })
}

/// Whether people in the verified domains must sign in through the provider.
#[tracing::instrument(skip_all, fields(account = ctx.root(), required))]
pub(crate) async fn set_required(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
    actor: &Actor,
    required: bool,
) -> Result<SsoSettings, ApiError> {
    require_owner(ctx, principal)?;
    if !db::sso::set_required(state.db().writer(), ctx.root(), required, clock::now()).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::SsoNotConfigured,
            "Enter the identity provider before requiring it.",
        ));
    }
    let summary = if required {
        format!(
            "{} required single sign-on for the verified domains",
            actor.name
        )
    } else {
        format!("{} stopped requiring single sign-on", actor.name)
    };
    audit(state, ctx, actor, AuditAction::SsoPolicyChanged, &summary).await?;
    get(state, ctx, principal).await
}

/// Who joins without an invitation (`None`: only invited people, the default). Never as
/// Owner ([`roster_shared::role::JoinRole`]), and only on open accounts of the organisation.
#[tracing::instrument(skip_all, fields(account = ctx.root()))]
pub(crate) async fn set_join(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
    actor: &Actor,
    join: Option<SsoJoin>,
) -> Result<SsoSettings, ApiError> {
    require_owner(ctx, principal)?;
    let policy = join
        .map(|join| {
            Ok::<_, ApiError>(db::sso::JoinPolicy {
                role: join.role,
                accounts: ctx.chosen_accounts(
                    &join.accounts,
                    "Choose at least one account the people who join get.",
                )?,
            })
        })
        .transpose()?;
    let summary = match &policy {
        Some(policy) => format!(
            "{} let people in the verified domains join through single sign-on without an invitation, as {} on {}",
            actor.name,
            Role::from(policy.role).label(),
            policy
                .accounts
                .iter()
                .map(|account| ctx.org.name(*account))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!(
            "{} stopped people joining through single sign-on without an invitation",
            actor.name
        ),
    };
    let now = clock::now();
    let mut tx = state.db().writer().begin().await?;
    if !db::sso::set_join_policy(&mut tx, ctx.root(), policy.as_ref(), now).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::SsoNotConfigured,
            "Enter the identity provider before letting people join through it.",
        ));
    }
    ctx.record_here(&mut tx, actor, AuditAction::SsoJoinChanged, &summary, now)
        .await?;
    tx.commit().await?;
    get(state, ctx, principal).await
}

/// Adds a domain, waiting for its proof (the TXT record its settings show).
pub(crate) async fn add_domain(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
    actor: &Actor,
    domain: &EmailDomain,
) -> Result<SsoSettings, ApiError> {
    require_owner(ctx, principal)?;
    let added = db::sso::add_domain(
        state.db().writer(),
        ctx.root(),
        domain.as_str(),
        &new_domain_token(),
        clock::now(),
    )
    .await?;
    if added {
        let summary = format!("{} added the email domain {domain}", actor.name);
        audit(state, ctx, actor, AuditAction::SsoDomainAdded, &summary).await?;
    }
    get(state, ctx, principal).await
}

pub(crate) async fn remove_domain(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
    actor: &Actor,
    domain: &str,
) -> Result<SsoSettings, ApiError> {
    require_owner(ctx, principal)?;
    if !db::sso::remove_domain(state.db().writer(), ctx.root(), domain).await? {
        return Err(ApiError::not_found("There is no such domain."));
    }
    let summary = format!("{} removed the email domain {domain}", actor.name);
    audit(state, ctx, actor, AuditAction::SsoDomainRemoved, &summary).await?;
    get(state, ctx, principal).await
}

/// Checks the domain's DNS for its TXT record, and marks it verified when it is there.
#[tracing::instrument(skip_all, fields(account = ctx.root(), domain))]
pub(crate) async fn verify_domain(
    state: &AppState,
    ctx: &Context,
    principal: &Principal,
    actor: &Actor,
    domain: &str,
) -> Result<SsoSettings, ApiError> {
    require_owner(ctx, principal)?;
    let root = ctx.root();
    let row = db::sso::domains(state.db().reader(), root)
        .await?
        .into_iter()
        .find(|row| row.domain == domain)
        .ok_or_else(|| ApiError::not_found("There is no such domain."))?;
    if row.verified_at.is_none() {
        let expected = txt_value(&row.token);
        let found =
            crate::sso::dns::txt_records(&txt_name(domain), state.settings().dns_server).await;
        if !found.iter().any(|record| record.trim() == expected) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::DomainNotVerified,
                format!(
                    "{} has no TXT record “{expected}” yet. DNS changes can take a while to show; try again later.",
                    txt_name(domain)
                ),
            ));
        }
        mark_verified(state, root, domain).await?;
        let summary = format!(
            "{} verified the email domain {domain} (its DNS record)",
            actor.name
        );
        audit(state, ctx, actor, AuditAction::SsoDomainVerified, &summary).await?;
    }
    get(state, ctx, principal).await
}

/// Marks `domain` verified for organisation `root` (the DNS check passed, or the operator
/// said so). Refused when another organisation verified it first.
pub(crate) async fn mark_verified(
    state: &AppState,
    root: i64,
    domain: &str,
) -> Result<(), ApiError> {
    let taken = || {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::DomainTaken,
            format!("Another organisation has verified {domain}."),
        )
    };
    if db::sso::verified_elsewhere(state.db().reader(), root, domain).await? {
        return Err(taken());
    }
    match db::sso::mark_verified(state.db().writer(), root, domain, clock::now()).await {
        Ok(true) => {
            tracing::info!(domain, "domain verified");
            Ok(())
        }
        Ok(false) => Err(ApiError::not_found("There is no such domain.")),
        // Verified elsewhere between the check and the update: the unique index said no.
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Err(taken()),
        Err(error) => Err(error.into()),
    }
}
