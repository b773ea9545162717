//! What the operator does from the command line, without the web app: create further
//! organisations (`roster account create`), vouch for an organisation's email domain where
//! its DNS cannot be checked (`roster domain verify`), and fill an empty database with a demo
//! (`roster demo`).

use roster_shared::audit::AuditAction;
use std::path::Path;

use anyhow::{Context as _, bail};
use roster_shared::email::EmailAddress;
use roster_shared::invitation::INVITATION_VALIDITY_MS;
use roster_shared::name::{AccountName, PersonName};
use roster_shared::role::Role;
use roster_shared::time::DAY_MS;

use crate::auth::token;
use crate::clock;
use crate::db::{self, Db};
use crate::mail::{self, Mail};
use crate::plans::Plans;

/// Marks `domain` verified for the organisation whose top-level account is `account_id`, as
/// its DNS record would (air-gapped installations, tests). Adds the domain if its Owners have
/// not yet. Refused when another organisation verified it.
pub async fn verify_domain(
    database_url: &str,
    account_id: i64,
    domain: &str,
) -> anyhow::Result<()> {
    let domain = roster_shared::email::EmailDomain::parse(domain)
        .map_err(|e| anyhow::anyhow!("the domain: {e}"))?;
    let db = Db::open(database_url, 2).await?;
    let account = db::accounts::find(db.reader(), account_id)
        .await?
        .with_context(|| format!("there is no account {account_id}"))?;
    if account.parent_id.is_some() {
        bail!(
            "account {account_id} is a sub-account; domains belong to its top-level account {}",
            account.root_id
        );
    }
    if db::sso::verified_elsewhere(db.reader(), account_id, domain.as_str()).await? {
        bail!("another organisation has verified {domain}");
    }
    let now = clock::now();
    let token = crate::sso::settings::new_domain_token();
    let mut tx = db.writer().begin().await?;
    db::sso::add_domain(&mut *tx, account_id, domain.as_str(), &token, now).await?;
    db::sso::mark_verified(&mut *tx, account_id, domain.as_str(), now).await?;
    crate::team::audit::record(
        &mut tx,
        account_id,
        None,
        None,
        AuditAction::SsoDomainVerified,
        &format!("The operator verified the email domain {domain}"),
        now,
    )
    .await
    .map_err(|error| anyhow::anyhow!("{}", error.parts().2))?;
    tx.commit().await?;
    db.close().await;
    Ok(())
}

/// A new organisation and the invitation of its Owner.
#[derive(Debug, Clone)]
pub struct CreatedOrganisation {
    pub account_id: i64,
    pub owner_email: String,
    /// A link that accepts the Owner's invitation (the emailed one carries another).
    pub invitation_link: String,
}

/// Creates a top-level account on `plan` and invites `owner_email` as its Owner. The
/// invitation email goes through the outbox, so a running server delivers it.
pub async fn create_organisation(
    database_url: &str,
    plans_file: Option<&Path>,
    public_url: &str,
    name: &str,
    plan: &str,
    owner_email: &str,
) -> anyhow::Result<CreatedOrganisation> {
    let name = AccountName::parse(name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let owner =
        EmailAddress::parse(owner_email).map_err(|e| anyhow::anyhow!("--owner-email: {e}"))?;
    let plans = Plans::load(plans_file)?;
    if plans.get(plan).is_none() {
        let keys: Vec<&str> = plans.all().iter().map(|p| p.key.as_str()).collect();
        bail!(
            "--plan: there is no plan {plan:?} (plans: {})",
            keys.join(", ")
        );
    }
    let db = Db::open(database_url, 2).await?;
    let now = clock::now();
    let expires_at = now.plus_millis(INVITATION_VALIDITY_MS);
    let mut tx = db.writer().begin().await?;
    let account = db::accounts::insert_top_level(&mut tx, &name, plan, now).await?;
    let user_id = match db::users::find_by_email(&mut *tx, &owner.key()).await? {
        Some(user) => user.id,
        None => db::users::insert(&mut *tx, &owner, None, None, now).await?,
    };
    let invitation = db::team::insert_invitation(
        &mut *tx,
        user_id,
        db::team::NewInvitation {
            root_id: account,
            email: owner.as_str(),
            invited_by: None,
            inviter_name: None,
            sent_at: now,
            expires_at,
        },
    )
    .await?;
    db::team::set_grant(&mut *tx, invitation, account, Role::Owner).await?;
    db::team::insert_member(
        &mut *tx,
        db::team::NewMember {
            root_id: account,
            user_id,
            name_key: &owner.key(),
            email_key: &owner.key(),
            accepted_at: None,
            invitation: Some((invitation, expires_at)),
            now,
        },
    )
    .await?;
    mail::enqueue(
        &mut tx,
        &Mail::Invitation {
            invitation_id: invitation,
            reinvite: false,
        },
        owner.as_str(),
        Some(invitation),
        now,
    )
    .await?;
    let (link_token, hash) = token::new_token();
    // The operator runs the instance: the link they hand to the first Owner counts as mailed.
    db::team::insert_token(
        &mut *tx,
        invitation,
        &hash,
        db::team::LinkOrigin::Mailed,
        now,
    )
    .await?;
    db::audit::insert(
        &mut *tx,
        db::audit::Record {
            root_id: account,
            account: Some((account, name.as_str())),
            actor: None,
            action: AuditAction::OrganisationCreated,
            summary: &format!(
                "The operator created {name} on the {plan} plan and invited {owner} as Owner"
            ),
            ip: None,
            now,
        },
    )
    .await?;
    tx.commit().await?;
    db.close().await;
    Ok(CreatedOrganisation {
        account_id: account,
        owner_email: owner.to_string(),
        invitation_link: format!(
            "{}/invitations/accept#token={link_token}",
            public_url.trim_end_matches('/')
        ),
    })
}

/// How to sign in to a demo.
#[derive(Debug, Clone)]
pub struct Demo {
    pub account_id: i64,
    pub owner_email: String,
    pub password: String,
    pub people: usize,
}

pub const DEMO_OWNER: &str = "demo.owner@northwind.example";
pub const DEMO_PASSWORD: &str = "roster demo password";

const FIRST: &[&str] = &[
    "Ana", "Bruno", "Chen", "Dalia", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Jana", "Kofi",
    "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Victor",
    "Wei", "Ximena", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Almeida", "Berger", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann", "Ibrahim",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zhang",
];

/// Fills an empty database with an organisation of `people` people in every state and role,
/// under a small tree of sub-accounts; its Owner signs in with [`DEMO_OWNER`] / [`DEMO_PASSWORD`].
pub async fn demo(database_url: &str, people: usize) -> anyhow::Result<Demo> {
    let db = Db::open(database_url, 2).await?;
    if db::users::count(db.reader()).await? > 0 {
        bail!(
            "the database already has people in it; the demo fills an empty one (use a new --database-url)"
        );
    }
    // One hash for everyone: hashing thousands of demo passwords would take minutes.
    let hasher = crate::auth::password::Hasher::new(1);
    let hash = hasher.hash(DEMO_PASSWORD).await?;
    let now = clock::now();
    let mut tx = db.writer().begin().await?;
    let name = AccountName::parse("Northwind Messaging").expect("a valid name");
    let root = db::accounts::insert_top_level(&mut tx, &name, "business", now).await?;
    db::seats::set_extra(&mut *tx, root, u32::try_from(people).unwrap_or(u32::MAX)).await?;
    let parent = db::accounts::find(&mut *tx, root)
        .await?
        .context("the new account")?;
    let mut accounts = vec![root];
    let add =
        async |tx: &mut sqlx::AnyConnection, parent_id: i64, label: &str| -> anyhow::Result<i64> {
            let parent = db::accounts::find(&mut *tx, parent_id)
                .await?
                .context("a parent account")?;
            Ok(db::accounts::insert_sub_account(
                &mut *tx,
                &parent,
                &AccountName::parse(label).expect("a valid name"),
                now,
            )
            .await?)
        };
    let europe = add(&mut tx, parent.id, "Europe").await?;
    let germany = add(&mut tx, europe, "Germany").await?;
    let france = add(&mut tx, europe, "France").await?;
    let americas = add(&mut tx, parent.id, "Americas").await?;
    let support = add(&mut tx, americas, "Support").await?;
    let sales = add(&mut tx, americas, "Sales").await?;
    let night = add(&mut tx, support, "Night shift").await?;
    accounts.extend([europe, germany, france, americas, support, sales, night]);

    let owner_email = EmailAddress::parse(DEMO_OWNER).expect("a valid address");
    let owner_name = PersonName::parse("Dana Demo").expect("a valid name");
    let owner =
        db::users::insert(&mut *tx, &owner_email, Some(&owner_name), Some(&hash), now).await?;
    db::accounts::insert_membership(&mut *tx, owner, root, Role::Owner, now).await?;
    db::users::set_last_account(&mut *tx, owner, root).await?;
    db::team::insert_member(
        &mut *tx,
        db::team::NewMember {
            root_id: root,
            user_id: owner,
            name_key: "dana demo",
            email_key: &owner_email.key(),
            accepted_at: Some(now),
            invitation: None,
            now,
        },
    )
    .await?;

    let roles = [
        Role::Basic,
        Role::Basic,
        Role::Basic,
        Role::Reporting,
        Role::Admin,
        Role::Basic,
    ];
    for i in 0..people.saturating_sub(1) {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len()) % LAST.len()];
        let person = format!("{first} {last}");
        let email = EmailAddress::parse(&format!(
            "{}.{}{}@northwind.example",
            first.to_lowercase(),
            last.to_lowercase().replace('í', "i"),
            if i < FIRST.len() * LAST.len() {
                String::new()
            } else {
                (i / (FIRST.len() * LAST.len())).to_string()
            }
        ))
        .expect("a valid address");
        // PostgreSQL plans the triggers' statements once per connection, from the statistics
        // of the moment: those of empty tables here, which made it read a whole organisation's
        // index per person (100,000 people took 8 minutes). Statistics of the first thousand
        // (ANALYZE counts this transaction's own rows) replan them as they will run.
        if i == 1_000 && !db.dialect().is_sqlite() {
            sqlx::query("ANALYZE").execute(&mut *tx).await?;
        }
        let account = accounts[i % accounts.len()];
        let role = roles[i % roles.len()];
        // Mostly active people; every 7th still invited, every 11th invitation expired.
        let state = if i % 11 == 5 {
            "expired"
        } else if i % 7 == 3 {
            "pending"
        } else {
            "active"
        };
        match state {
            "active" => {
                let user = db::users::insert(
                    &mut *tx,
                    &email,
                    Some(&PersonName::parse(&person).expect("a valid name")),
                    Some(&hash),
                    now,
                )
                .await?;
                let signed_in = now.plus_millis(-((i as i64 % 30) * DAY_MS));
                // A new identity: its first sign-in is this one too.
                db::users::record_sign_in(&mut *tx, user, signed_in).await?;
                db::accounts::insert_membership(&mut *tx, user, account, role, now).await?;
                db::team::insert_member(
                    &mut *tx,
                    db::team::NewMember {
                        root_id: root,
                        user_id: user,
                        name_key: &person.to_lowercase(),
                        email_key: &email.key(),
                        accepted_at: Some(now),
                        invitation: None,
                        now,
                    },
                )
                .await?;
            }
            _ => {
                let user = db::users::insert(&mut *tx, &email, None, None, now).await?;
                let sent = if state == "expired" {
                    now.plus_millis(-20 * DAY_MS)
                } else {
                    now.plus_millis(-(i as i64 % 5) * DAY_MS)
                };
                let expires = sent.plus_millis(INVITATION_VALIDITY_MS);
                let invitation = db::team::insert_invitation(
                    &mut *tx,
                    user,
                    db::team::NewInvitation {
                        root_id: root,
                        email: email.as_str(),
                        invited_by: Some(owner),
                        inviter_name: Some("Dana Demo"),
                        sent_at: sent,
                        expires_at: expires,
                    },
                )
                .await?;
                db::team::set_grant(&mut *tx, invitation, account, role).await?;
                db::team::insert_member(
                    &mut *tx,
                    db::team::NewMember {
                        root_id: root,
                        user_id: user,
                        name_key: &email.key(),
                        email_key: &email.key(),
                        accepted_at: None,
                        invitation: Some((invitation, expires)),
                        now,
                    },
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    // A freshly filled database: PostgreSQL's planner statistics and visibility map now, before
    // the first request, rather than when autovacuum gets to them. Until then it plans the
    // Users list's queries as if the tables were empty, and reads every row an index points
    // to, to learn whether it is visible, where the index alone answers once vacuumed (at
    // 100,000 people the Users list's status and sign-in filters took 10-15 ms, then 4-6 ms).
    if !db.dialect().is_sqlite() {
        sqlx::query("VACUUM (ANALYZE)").execute(db.writer()).await?;
    }
    db.close().await;
    Ok(Demo {
        account_id: root,
        owner_email: DEMO_OWNER.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
        people,
    })
}
