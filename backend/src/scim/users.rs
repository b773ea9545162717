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
use serde_json::{Map, Value, json};

use super::document::Kept;
use super::filter::{self, Filter};
use super::{
    Scim, ScimError, ScimJson, Shown, USER_SCHEMA, list_response, page_of, paging, scim_response,
};
use crate::clock;
use crate::db;
use crate::scim::patch;
use crate::state::AppState;
use crate::team::context::Context;
use crate::team::{invite, people};

use crate::team::provisioning;
use roster_shared::groups::DEFAULT_ROLE;

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
    let mut groups: Vec<Value> = access(state, ctx, user)
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
    // The groups the provider pushed that they are a member of.
    for group in db::scim::groups_of(state.db().reader(), ctx.root(), user).await? {
        groups.push(json!({
            "value": group.id.to_string(),
            "display": group.display_name,
            "$ref": format!("{}/Groups/{}", scim.base, group.id),
        }));
    }
    let mut resource = json!({
        "schemas": [USER_SCHEMA],
        "id": user.to_string(),
        "userName": email,
        "active": active,
        "groups": groups,
        "meta": { "resourceType": "User", "location": format!("{}/Users/{user}", scim.base) },
    });
    match db::scim::record(state.db().reader(), ctx.root(), user).await? {
        // Provisioned by the provider: what it calls them and what it sent, as sent.
        Some(record) => {
            resource["userName"] = Value::from(record.user_name);
            if let Some(external_id) = record.external_id {
                resource["externalId"] = Value::from(external_id);
            }
            if let Ok(Value::Object(attributes)) = serde_json::from_str(&record.attributes) {
                for (key, value) in attributes {
                    resource[key] = value;
                }
            }
        }
        // Invited in Roster: their address, and the name they chose.
        None => {
            resource["emails"] = json!([{ "value": email, "primary": true, "type": "work" }]);
            if let Some(name) = &name {
                resource["displayName"] = Value::from(name.as_str());
                resource["name"] = json!({ "formatted": name });
            }
        }
    }
    Ok(Some(resource))
}

/// A resource just created: `201` with it and its `Location` (RFC 7644 §3.3).
pub(crate) fn created(body: &Value) -> Response {
    let mut response = scim_response(StatusCode::CREATED, body);
    if let Some(location) = body["meta"]["location"]
        .as_str()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
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

    /// The attributes each listed resource holds.
    pub(crate) fn shown(&self) -> Shown {
        Shown::new(self.attributes.clone(), self.excluded_attributes.clone())
    }
}

/// The people a filter can only match, when it is an equality on `userName`, `externalId` or
/// an address (`emails`, `emails.value`, `emails[value eq …]`): found by index, not by reading
/// everyone. `None` for any other filter.
async fn looked_up(
    state: &AppState,
    scim: &Scim,
    filter: &Filter,
) -> Result<Option<Vec<i64>>, ScimError> {
    let reader = state.db().reader();
    let root = scim.ctx.root();
    let mut found = Vec::new();
    let equality = filter::equality(filter);
    match equality
        .as_ref()
        .map(|(path, value)| (path.as_str(), value.as_str()))
    {
        Some(("username", value)) => {
            // What the provider calls them, else (people invited in Roster) their address.
            found.extend(db::scim::by_user_name(reader, root, value).await?);
            if let Some(user) = db::users::find_by_email(reader, &value.to_lowercase()).await? {
                found.push(user.id);
            }
        }
        Some(("externalid", value)) => {
            found.extend(db::scim::by_external_id(reader, root, value).await?);
        }
        _ => match filter::email_equality(filter) {
            Some(address) => {
                let key = address.trim().to_lowercase();
                if let Some(user) = db::users::find_by_email(reader, &key).await? {
                    found.push(user.id);
                }
            }
            None => return Ok(None),
        },
    }
    found.sort_unstable();
    found.dedup();
    Ok(Some(found))
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
    let shown = query.shown();
    // The common cases (a provider looking someone up by userName, externalId or address) are
    // a lookup or two: the people found are then checked against the whole filter.
    if let Some(filter) = &parsed
        && let Some(found) = looked_up(&state, &scim, filter).await?
    {
        let mut all = Vec::new();
        for user in found {
            if let Some(resource) = resource(&state, &scim, user).await?
                && filter::matches(filter, &resource)
            {
                all.push(resource);
            }
        }
        return Ok(page_of(all, start, count, &shown));
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
        return Ok(page_of(matching, start, count, &shown));
    }
    let (ids, total) =
        db::scim::user_ids(state.db().reader(), scim.ctx.root(), count, start - 1).await?;
    let mut page = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(resource) = resource(&state, &scim, id).await? {
            page.push(shown.apply(resource));
        }
    }
    Ok(scim_response(
        StatusCode::OK,
        &list_response(page, total, start),
    ))
}

/// Every User a filter matches (for `POST /.search`): by index when the filter allows it,
/// else each person checked (bounded by the organisation's size, as a filtered list).
pub(crate) async fn every(
    state: &AppState,
    scim: &Scim,
    filter: Option<&Filter>,
) -> Result<Vec<Value>, ScimError> {
    let ids = match filter {
        Some(filter) => match looked_up(state, scim, filter).await? {
            Some(found) => found,
            None => everyone(state, scim).await?,
        },
        None => everyone(state, scim).await?,
    };
    let mut all = Vec::new();
    for id in ids {
        if let Some(resource) = resource(state, scim, id).await?
            && filter.is_none_or(|f| filter::matches(f, &resource))
        {
            all.push(resource);
        }
    }
    Ok(all)
}

async fn everyone(state: &AppState, scim: &Scim) -> Result<Vec<i64>, ScimError> {
    Ok(
        db::scim::user_ids(state.db().reader(), scim.ctx.root(), 200_000, 0)
            .await?
            .0,
    )
}

pub(crate) async fn get(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
    Query(shown): Query<Shown>,
) -> Result<Response, ScimError> {
    let user = parse_id(&id)?;
    match resource(&state, &scim, user).await? {
        Some(resource) => Ok(scim_response(StatusCode::OK, &shown.apply(resource))),
        None => Err(ScimError::not_found(format!("There is no user {id}."))),
    }
}

/// The attributes of a User that Roster keeps (`userName` and `externalId` in columns of their
/// own, `active` as the person's access, the rest as sent); anything else a provider sends is
/// accepted and left out.
pub(crate) const USER_KEPT: Kept = Kept {
    schema: USER_SCHEMA,
    attributes: &[
        ("userName", false),
        ("externalId", false),
        ("name", false),
        ("displayName", false),
        ("emails", true),
        ("active", false),
    ],
};

/// The attributes kept as sent (migration 0021's `attributes`).
const SENT_AS_IS: [&str; 3] = ["name", "displayName", "emails"];

/// Longest `userName` kept, in bytes: providers send a principal name or a login.
const MAX_USER_NAME_BYTES: usize = 512;

/// The provider's identifier of a User: any non-empty text (Entra ID's user principal name,
/// Okta's login), not necessarily an address.
fn user_name_of(body: &Map<String, Value>) -> Result<String, ScimError> {
    let text = body
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("userName"))
        .and_then(|(_, value)| value.as_str())
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| {
            ScimError::bad(
                "invalidValue",
                "userName is required: the identity provider's identifier for the person.",
            )
        })?;
    if text.len() > MAX_USER_NAME_BYTES || text.chars().any(char::is_control) {
        return Err(ScimError::bad(
            "invalidValue",
            format!(
                "userName is at most {MAX_USER_NAME_BYTES} bytes of text without control characters."
            ),
        ));
    }
    Ok(text.to_owned())
}

/// The address Roster mails for a User: from `emails` (the primary one, else the work one,
/// else the first), else its `userName` when that is an address.
pub(crate) fn address_of(body: &Map<String, Value>) -> Result<EmailAddress, ScimError> {
    let emails: Vec<&Value> = body
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("emails"))
        .and_then(|(_, value)| value.as_array())
        .map(|all| all.iter().filter(|e| e["value"].is_string()).collect())
        .unwrap_or_default();
    let chosen = emails
        .iter()
        .find(|e| as_bool(&e["primary"]) == Some(true))
        .or_else(|| {
            emails.iter().find(|e| {
                e["type"]
                    .as_str()
                    .is_some_and(|t| t.eq_ignore_ascii_case("work"))
            })
        })
        .or_else(|| emails.first());
    if let Some(email) = chosen {
        let text = email["value"].as_str().unwrap_or_default();
        return EmailAddress::parse(text).map_err(|e| {
            ScimError::bad(
                "invalidValue",
                format!("emails: “{}”: {e}", roster_shared::excerpt::excerpt(text)),
            )
        });
    }
    let user_name = user_name_of(body)?;
    EmailAddress::parse(&user_name).map_err(|_| {
        ScimError::bad(
            "invalidValue",
            "emails is required: Roster mails each person, and this userName is not an address.",
        )
    })
}

/// Keeps what the provider calls `user` and what it sent, from a User body; a `userName`
/// another person of the organisation has is refused.
async fn keep_record(
    state: &AppState,
    scim: &Scim,
    user: i64,
    body: &Map<String, Value>,
) -> Result<(), ScimError> {
    let kept = USER_KEPT.keep(body);
    let user_name = user_name_of(&kept)?;
    let root = scim.ctx.root();
    if let Some(other) = db::scim::by_user_name(state.db().reader(), root, &user_name).await?
        && other != user
    {
        return Err(user_name_taken(&user_name));
    }
    let external_id = match kept.get("externalId") {
        None => None,
        Some(Value::String(text)) => Some(text.as_str()),
        Some(_) => {
            return Err(ScimError::bad("invalidValue", "externalId is a string."));
        }
    };
    let sent: Map<String, Value> = kept
        .iter()
        .filter(|(key, _)| SENT_AS_IS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let attributes = Value::Object(sent).to_string();
    if !db::scim::save(
        state.db().writer(),
        root,
        user,
        &user_name,
        external_id,
        &attributes,
    )
    .await?
    {
        // Another request took it since the check above.
        return Err(user_name_taken(&user_name));
    }
    Ok(())
}

fn user_name_taken(user_name: &str) -> ScimError {
    ScimError::new(
        StatusCode::CONFLICT,
        Some("uniqueness"),
        format!(
            "userName “{}” is someone else's in this organisation.",
            roster_shared::excerpt::excerpt(user_name)
        ),
    )
}

/// `active` of a body, when it has one: `true`, `false`, or the strings Entra ID sends.
fn active_of(body: &Map<String, Value>) -> Result<Option<bool>, ScimError> {
    match body
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("active"))
        .map(|(_, value)| value)
    {
        None | Some(Value::Null) => Ok(None),
        Some(value) => as_bool(value)
            .map(Some)
            .ok_or_else(|| ScimError::bad("invalidValue", "active is true or false.")),
    }
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
    let Value::Object(body) = body else {
        return Err(ScimError::bad("invalidSyntax", "A User is a JSON object."));
    };
    let user_name = user_name_of(&body)?;
    let address = address_of(&body)?;
    let active = active_of(&body)?.unwrap_or(true);
    let root = scim.ctx.root();
    let reader = state.db().reader();
    if db::scim::by_user_name(reader, root, &user_name)
        .await?
        .is_some()
    {
        return Err(user_name_taken(&user_name));
    }
    let existing = db::users::find_by_email(reader, &address.key()).await?;
    if let Some(existing) = &existing
        && (db::team::member(reader, root, existing.id).await?.is_some()
            || db::scim::record(reader, root, existing.id).await?.is_some())
    {
        return Err(ScimError::new(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            format!("{address} is already in this organisation."),
        ));
    }
    let user = if active {
        invite_default(&state, &scim, address.clone()).await?;
        let user = db::users::find_by_email(reader, &address.key())
            .await?
            .ok_or_else(|| {
                ScimError::from(crate::error::ApiError::internal(
                    "the provisioned person vanished",
                ))
            })?;
        db::scim::forget(state.db().writer(), root, user.id).await?;
        user.id
    } else {
        // Provisioned inactive: known to SCIM, not invited, no seat taken.
        let user = match existing {
            Some(user) => user.id,
            None => {
                db::users::insert(state.db().writer(), &address, None, None, clock::now()).await?
            }
        };
        db::scim::deactivate(state.db().writer(), root, user, clock::now()).await?;
        user
    };
    keep_record(&state, &scim, user, &body).await?;
    let resource = resource(&state, &scim, user).await?.unwrap_or_default();
    Ok(created(&resource))
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
            // Back with what their mapped groups give (their memberships were kept).
            let given = provisioning::given(state, scim.ctx.root(), user, None).await?;
            provisioning::follow(
                state,
                &scim.actor,
                &scim.ctx,
                user,
                &Default::default(),
                &given,
            )
            .await?;
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

/// Whether `user` is one of the organisation's Users (a member, or deactivated through SCIM).
pub(crate) async fn exists(state: &AppState, scim: &Scim, user: i64) -> Result<bool, ScimError> {
    Ok(resource(state, scim, user).await?.is_some())
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
    Query(shown): Query<Shown>,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    let user = known(&state, &scim, &id).await?;
    let Value::Object(body) = body else {
        return Err(ScimError::bad("invalidSyntax", "A User is a JSON object."));
    };
    // The whole User as the provider has it now (readOnly `id`, `meta` and `groups` ignored):
    // what is missing is gone. The address Roster mails stays the one chosen at creation: it is
    // the person's identity, theirs to change (a new work address for someone still invited
    // could re-target the invitation; not done).
    let active = active_of(&body)?;
    keep_record(&state, &scim, user, &body).await?;
    if let Some(active) = active {
        set_active(&state, &scim, user, active).await?;
    }
    get(State(state), scim, Path(id), Query(shown)).await
}

pub(crate) async fn patch(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
    Query(shown): Query<Shown>,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    let user = known(&state, &scim, &id).await?;
    let operations = patch::parse(&body)?;
    let current = resource(&state, &scim, user).await?.unwrap_or_default();
    let mut document = match &current {
        Value::Object(current) => USER_KEPT.keep(current),
        _ => Map::new(),
    };
    let was_active = active_of(&document)?;
    // Every operation on the document first: one that cannot be carried out changes nothing.
    for operation in &operations {
        USER_KEPT.apply(&mut document, operation)?;
    }
    let active = active_of(&document)?
        .ok_or_else(|| ScimError::bad("invalidValue", "active is true or false."))?;
    keep_record(&state, &scim, user, &document).await?;
    if Some(active) != was_active {
        set_active(&state, &scim, user, active).await?;
    }
    get(State(state), scim, Path(id), Query(shown)).await
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
    db::scim::forget_record(state.db().writer(), scim.ctx.root(), user).await?;
    db::scim::leave_groups(state.db().writer(), scim.ctx.root(), user).await?;
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
