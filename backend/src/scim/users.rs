//! SCIM Users: people of the organisation.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roster_shared::account::AccountId;
use roster_shared::api::{AccessAssignment, AccessUpdate};
use roster_shared::email::EmailAddress;
use roster_shared::role::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use super::filter::{self, Filter};
use super::{Scim, ScimError, ScimJson, USER_SCHEMA, list_response, paging, scim_response};
use crate::clock;
use crate::db;
use crate::scim::patch::{self, PatchKind};
use crate::state::AppState;
use crate::team::context::Context;
use crate::team::{invite, people};

/// The access someone created or reactivated through SCIM gets, until Groups say more.
const DEFAULT_ROLE: Role = Role::Basic;

fn parse_id(id: &str) -> Result<i64, ScimError> {
    id.parse()
        .map_err(|_| ScimError::not_found(format!("There is no user {id}.")))
}

/// A person's access in the organisation: account → (role, offered by an open invitation).
async fn access(
    state: &AppState,
    ctx: &Context,
    user: i64,
) -> Result<BTreeMap<i64, (Role, bool)>, ScimError> {
    Ok(
        db::people::access_of(state.db().reader(), ctx.root(), &[user])
            .await?
            .into_iter()
            .map(|row| (row.account_id, (row.role, row.pending == 1)))
            .collect(),
    )
}

pub(crate) fn group_id(account: i64, role: Role) -> String {
    format!("{account}-{}", role.as_str())
}

/// The User resource for `user`, or `None` if they are not (and were not) in the organisation.
pub(crate) async fn resource(
    state: &AppState,
    scim: &Scim,
    user: i64,
) -> Result<Option<Value>, ScimError> {
    let ctx = &scim.ctx;
    // As the organisation may see them (db::people::person): someone who has not accepted yet is
    // the address it invited, with no name; someone it deactivated, their address alone.
    let (email, name) = match db::people::person(state.db(), ctx.root(), user, clock::now()).await?
    {
        Some(person) => (person.email, person.name),
        None => {
            let Some(row) = db::users::find(state.db().reader(), user).await? else {
                return Ok(None);
            };
            if !db::scim::is_deactivated(state.db().reader(), ctx.root(), user).await? {
                return Ok(None);
            }
            (row.email, None)
        }
    };
    let active = db::team::member(state.db().reader(), ctx.root(), user)
        .await?
        .is_some();
    let groups: Vec<Value> = access(state, ctx, user)
        .await?
        .into_iter()
        .map(|(account, (role, _))| {
            json!({
                "value": group_id(account, role),
                "display": format!("{} / {}", ctx.org.name(account), role.label()),
                "$ref": format!("{}/Groups/{}", scim.base, group_id(account, role)),
            })
        })
        .collect();
    let mut resource = json!({
        "schemas": [USER_SCHEMA],
        "id": user.to_string(),
        "userName": email,
        "emails": [{ "value": email, "primary": true, "type": "work" }],
        "active": active,
        "groups": groups,
        "meta": { "resourceType": "User", "location": format!("{}/Users/{user}", scim.base) },
    });
    if let Some(name) = &name {
        resource["displayName"] = Value::from(name.as_str());
        resource["name"] = json!({ "formatted": name });
    }
    Ok(Some(resource))
}

fn created(scim: &Scim, body: &Value, status: StatusCode) -> Response {
    let mut response = scim_response(status, body);
    if let Some(location) = body["meta"]["location"]
        .as_str()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let _ = scim;
    response
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
}

impl ListQuery {
    pub(crate) fn filter(&self) -> Option<&str> {
        self.filter.as_deref()
    }

    pub(crate) fn start_index(&self) -> Option<i64> {
        self.start_index
    }

    pub(crate) fn count(&self) -> Option<i64> {
        self.count
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    scim: Scim,
    Query(query): Query<ListQuery>,
) -> Result<Response, ScimError> {
    let (start, count) = paging(query.start_index, query.count);
    let parsed: Option<Filter> = query
        .filter
        .as_deref()
        .map(|text| {
            filter::parse(text).map_err(|e| {
                ScimError::bad("invalidFilter", format!("The filter cannot be read: {e}."))
            })
        })
        .transpose()?;
    // The common case (an identity provider looking someone up by address) is one lookup.
    if let Some(address) = parsed.as_ref().and_then(filter::email_equality) {
        let key = address.trim().to_lowercase();
        let found = match db::users::find_by_email(state.db().reader(), &key).await? {
            Some(user) => resource(&state, &scim, user.id).await?,
            None => None,
        };
        let all: Vec<Value> = found
            .into_iter()
            .filter(|r| parsed.as_ref().is_none_or(|f| filter::matches(f, r)))
            .collect();
        let total = all.len() as i64;
        let page = all
            .into_iter()
            .skip((start - 1) as usize)
            .take(count as usize)
            .collect();
        return Ok(scim_response(
            StatusCode::OK,
            &list_response(page, total, start),
        ));
    }
    if let Some(filter) = &parsed {
        // Any other filter is evaluated over everyone (bounded by the organisation's size).
        let (ids, _) = db::scim::user_ids(state.db().reader(), scim.ctx.root(), 200_000, 0).await?;
        let mut matching = Vec::new();
        for id in ids {
            if let Some(resource) = resource(&state, &scim, id).await?
                && filter::matches(filter, &resource)
            {
                matching.push(resource);
            }
        }
        let total = matching.len() as i64;
        let page = matching
            .into_iter()
            .skip((start - 1) as usize)
            .take(count as usize)
            .collect();
        return Ok(scim_response(
            StatusCode::OK,
            &list_response(page, total, start),
        ));
    }
    let (ids, total) =
        db::scim::user_ids(state.db().reader(), scim.ctx.root(), count, start - 1).await?;
    let mut page = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(resource) = resource(&state, &scim, id).await? {
            page.push(resource);
        }
    }
    Ok(scim_response(
        StatusCode::OK,
        &list_response(page, total, start),
    ))
}

pub(crate) async fn get(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let user = parse_id(&id)?;
    match resource(&state, &scim, user).await? {
        Some(resource) => Ok(scim_response(StatusCode::OK, &resource)),
        None => Err(ScimError::not_found(format!("There is no user {id}."))),
    }
}

/// The address a User resource gives: its `userName`, else its first email.
pub(crate) fn address_of(body: &Value) -> Result<EmailAddress, ScimError> {
    let text = body["userName"]
        .as_str()
        .or_else(|| body["emails"][0]["value"].as_str())
        .ok_or_else(|| {
            ScimError::bad(
                "invalidValue",
                "userName is required: the person's email address.",
            )
        })?;
    EmailAddress::parse(text).map_err(|e| {
        ScimError::bad(
            "invalidValue",
            format!("userName “{}”: {e}", roster_shared::excerpt::excerpt(text)),
        )
    })
}

/// Invites `address` with the default access (or, for someone with an identity, gives it).
async fn invite_default(
    state: &AppState,
    scim: &Scim,
    address: EmailAddress,
) -> Result<(), ScimError> {
    let mut access = BTreeMap::new();
    access.insert(scim.ctx.root(), DEFAULT_ROLE);
    invite::invite_recipients(
        state,
        &scim.actor,
        &scim.ctx,
        &[(address, access)],
        Vec::new(),
    )
    .await
    .map_err(|error| {
        let (status, code, message) = error.parts();
        if code == roster_shared::api::ErrorCode::NotEnoughSeats {
            ScimError::new(status, None, message.to_owned())
        } else {
            ScimError::from(error)
        }
    })?;
    Ok(())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    scim: Scim,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    let address = address_of(&body)?;
    if let Some(existing) = db::users::find_by_email(state.db().reader(), &address.key()).await?
        && db::team::member(state.db().reader(), scim.ctx.root(), existing.id)
            .await?
            .is_some()
    {
        return Err(ScimError::new(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            format!("{address} is already in this organisation."),
        ));
    }
    if body["active"] == Value::Bool(false) {
        return Err(ScimError::bad(
            "invalidValue",
            "Create people active; deactivate them afterwards.",
        ));
    }
    invite_default(&state, &scim, address.clone()).await?;
    let user = db::users::find_by_email(state.db().reader(), &address.key())
        .await?
        .ok_or_else(|| {
            ScimError::from(crate::error::ApiError::internal(
                "the provisioned person vanished",
            ))
        })?;
    db::scim::forget(state.db().writer(), scim.ctx.root(), user.id).await?;
    let resource = resource(&state, &scim, user.id).await?.unwrap_or_default();
    Ok(created(&scim, &resource, StatusCode::CREATED))
}

/// Makes the person active (invited again, if they were removed) or inactive (all access
/// removed, seat freed).
async fn set_active(
    state: &AppState,
    scim: &Scim,
    user: i64,
    active: bool,
) -> Result<(), ScimError> {
    let member = db::team::member(state.db().reader(), scim.ctx.root(), user).await?;
    match (member.is_some(), active) {
        (true, false) => {
            people::update_access(
                state,
                &scim.actor,
                &scim.ctx,
                user,
                AccessUpdate { access: Vec::new() },
            )
            .await?;
            db::scim::deactivate(state.db().writer(), scim.ctx.root(), user, clock::now()).await?;
        }
        (false, true) => {
            let row = db::users::find(state.db().reader(), user)
                .await?
                .ok_or_else(|| ScimError::not_found("There is no such user."))?;
            let address = EmailAddress::parse(&row.email)
                .map_err(|e| ScimError::from(crate::error::ApiError::internal(e)))?;
            invite_default(state, scim, address).await?;
            db::scim::forget(state.db().writer(), scim.ctx.root(), user).await?;
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        // Some identity providers send "True"/"False".
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

async fn known(state: &AppState, scim: &Scim, id: &str) -> Result<i64, ScimError> {
    let user = parse_id(id)?;
    if resource(state, scim, user).await?.is_none() {
        return Err(ScimError::not_found(format!("There is no user {id}.")));
    }
    Ok(user)
}

pub(crate) async fn replace(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    let user = known(&state, &scim, &id).await?;
    let current = db::users::find(state.db().reader(), user)
        .await?
        .ok_or_else(|| ScimError::not_found("There is no such user."))?;
    if let Some(name) = body["userName"].as_str()
        && !name.eq_ignore_ascii_case(&current.email)
    {
        return Err(ScimError::bad(
            "mutability",
            "userName cannot change here: the person changes their address themselves, with a confirmation.",
        ));
    }
    if let Some(active) = as_bool(&body["active"]) {
        set_active(&state, &scim, user, active).await?;
    }
    get(State(state), scim, Path(id)).await
}

pub(crate) async fn patch(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    let user = known(&state, &scim, &id).await?;
    for operation in patch::parse(&body)? {
        let value = &operation.value;
        match &operation.path {
            Some(path) if path.is("active") => {
                let active = as_bool(value)
                    .filter(|_| operation.kind != PatchKind::Remove)
                    .ok_or_else(|| ScimError::bad("invalidValue", "active is true or false."))?;
                set_active(&state, &scim, user, active).await?;
            }
            Some(path) if path.within("userName") || path.within("emails") => {
                return Err(ScimError::bad(
                    "mutability",
                    "The address is the person's to change, with a confirmation.",
                ));
            }
            // The name belongs to the person; identity providers that push it are answered
            // with the person's own name (readOnly in our schema).
            Some(path) if path.within("name") || path.is("displayName") || path.within("title") => {
            }
            Some(other) => {
                return Err(ScimError::bad(
                    "invalidPath",
                    format!("{other} cannot be changed."),
                ));
            }
            None => {
                if let Some(active) = value.get("active").and_then(as_bool) {
                    set_active(&state, &scim, user, active).await?;
                }
                if value.get("userName").is_some() {
                    return Err(ScimError::bad(
                        "mutability",
                        "The address is the person's to change, with a confirmation.",
                    ));
                }
            }
        }
    }
    get(State(state), scim, Path(id)).await
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let user = known(&state, &scim, &id).await?;
    if db::team::member(state.db().reader(), scim.ctx.root(), user)
        .await?
        .is_some()
    {
        people::update_access(
            &state,
            &scim.actor,
            &scim.ctx,
            user,
            AccessUpdate { access: Vec::new() },
        )
        .await?;
    }
    db::scim::forget(state.db().writer(), scim.ctx.root(), user).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Gives or removes one role on one account (a Group membership), through the same rules as
/// editing access in the web app.
pub(crate) async fn set_group_membership(
    state: &AppState,
    scim: &Scim,
    user: i64,
    account: i64,
    role: Role,
    member: bool,
) -> Result<(), ScimError> {
    if db::team::member(state.db().reader(), scim.ctx.root(), user)
        .await?
        .is_none()
    {
        return Err(ScimError::bad(
            "noTarget",
            format!("User {user} is not in this organisation (create or activate them first)."),
        ));
    }
    let mut access = access(state, &scim.ctx, user).await?;
    let holds = access.get(&account).is_some_and(|(held, _)| *held == role);
    match (member, holds) {
        (true, true) | (false, false) => return Ok(()),
        (true, false) => {
            access.insert(account, (role, false));
        }
        (false, true) => {
            access.remove(&account);
        }
    }
    let update = AccessUpdate {
        access: access
            .into_iter()
            .map(|(account, (role, _))| AccessAssignment {
                account: AccountId(account),
                role,
            })
            .collect(),
    };
    people::update_access(state, &scim.actor, &scim.ctx, user, update).await?;
    Ok(())
}
