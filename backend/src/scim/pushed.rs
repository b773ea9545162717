//! Groups an identity provider pushes (Entra ID's and Okta's group push): created, renamed,
//! given members, and deleted by the provider, kept as real objects with their members. They
//! grant nothing until an Owner maps them to a role on accounts (Settings › Provisioning, see
//! [`provisioning`]); the built-in `{account}-{role}` groups ([`super::groups`]) grant their
//! role directly. Their ids are numbers, the built-in groups' ids `{account}-{role}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::document::Kept;
use super::patch::Operation;
use super::{GROUP_SCHEMA, Scim, ScimError, Shown, scim_response};
use crate::clock;
use crate::db;
use crate::state::AppState;
use crate::team::provisioning;

/// The attributes of a pushed group that Roster keeps.
const GROUP_KEPT: Kept = Kept {
    schema: GROUP_SCHEMA,
    attributes: &[
        ("displayName", false),
        ("externalId", false),
        ("members", true),
    ],
};

/// Longest group name kept, in bytes.
const MAX_NAME_BYTES: usize = 512;

/// The id of a pushed group, if `id` names one (a number); the built-in groups' ids have a `-`.
pub(crate) fn pushed_id(id: &str) -> Option<i64> {
    id.parse().ok()
}

fn not_found(id: i64) -> ScimError {
    ScimError::not_found(format!("There is no group {id}."))
}

fn name_taken(name: &str) -> ScimError {
    ScimError::new(
        StatusCode::CONFLICT,
        Some("uniqueness"),
        format!(
            "displayName “{}” is another group's in this organisation.",
            roster_shared::excerpt::excerpt(name)
        ),
    )
}

/// The Group resource of a pushed group.
pub(crate) async fn resource(
    state: &AppState,
    scim: &Scim,
    id: i64,
) -> Result<Option<Value>, ScimError> {
    let reader = state.db().reader();
    let Some(row) = db::scim::group(reader, scim.ctx.root(), id).await? else {
        return Ok(None);
    };
    let members: Vec<Value> = db::scim::group_members(reader, scim.ctx.root(), id)
        .await?
        .into_iter()
        .map(|user| json!({ "value": user.to_string(), "$ref": format!("{}/Users/{user}", scim.base) }))
        .collect();
    let mut group = json!({
        "schemas": [GROUP_SCHEMA],
        "id": id.to_string(),
        "displayName": row.display_name,
        "meta": { "resourceType": "Group", "location": format!("{}/Groups/{id}", scim.base) },
    });
    if let Some(external_id) = row.external_id {
        group["externalId"] = Value::from(external_id);
    }
    if !members.is_empty() {
        group["members"] = Value::Array(members);
    }
    Ok(Some(group))
}

/// Every pushed group of the organisation.
pub(crate) async fn every(state: &AppState, scim: &Scim) -> Result<Vec<Value>, ScimError> {
    let mut all = Vec::new();
    for row in db::scim::groups(state.db().reader(), scim.ctx.root()).await? {
        if let Some(group) = resource(state, scim, row.id).await? {
            all.push(group);
        }
    }
    Ok(all)
}

/// The name, externalId and member ids of a Group body; every member must be one of the
/// organisation's Users.
async fn read(
    state: &AppState,
    scim: &Scim,
    body: &Map<String, Value>,
) -> Result<(String, Option<String>, Vec<i64>), ScimError> {
    let kept = GROUP_KEPT.keep(body);
    let name = kept
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ScimError::bad("invalidValue", "displayName is required."))?;
    if name.len() > MAX_NAME_BYTES || name.chars().any(char::is_control) {
        return Err(ScimError::bad(
            "invalidValue",
            format!(
                "displayName is at most {MAX_NAME_BYTES} bytes of text without control characters."
            ),
        ));
    }
    let external_id = match kept.get("externalId") {
        None => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => return Err(ScimError::bad("invalidValue", "externalId is a string.")),
    };
    let mut members = match kept.get("members") {
        None => Vec::new(),
        Some(value) => super::groups::member_ids(value)?,
    };
    members.sort_unstable();
    members.dedup();
    for member in &members {
        if !super::users::exists(state, scim, *member).await? {
            return Err(ScimError::bad(
                "invalidValue",
                format!("members: there is no user {member} in this organisation."),
            ));
        }
    }
    Ok((name.to_owned(), external_id, members))
}

pub(crate) async fn create(
    state: &AppState,
    scim: &Scim,
    body: Value,
) -> Result<Response, ScimError> {
    let Value::Object(body) = body else {
        return Err(ScimError::bad("invalidSyntax", "A Group is a JSON object."));
    };
    let (name, external_id, members) = read(state, scim, &body).await?;
    let id = db::scim::create_group(
        state.db().writer(),
        scim.ctx.root(),
        &name,
        external_id.as_deref(),
        clock::now(),
    )
    .await?
    .ok_or_else(|| name_taken(&name))?;
    set_members(state, scim, id, &members).await?;
    let group = resource(state, scim, id).await?.unwrap_or_default();
    Ok(super::users::created(&group))
}

/// Writes a whole Group body onto pushed group `id`.
async fn write(
    state: &AppState,
    scim: &Scim,
    id: i64,
    body: &Map<String, Value>,
) -> Result<(), ScimError> {
    let (name, external_id, members) = read(state, scim, body).await?;
    match db::scim::update_group(
        state.db().writer(),
        scim.ctx.root(),
        id,
        &name,
        external_id.as_deref(),
    )
    .await?
    {
        Some(true) => {}
        Some(false) => return Err(name_taken(&name)),
        None => return Err(not_found(id)),
    }
    set_members(state, scim, id, &members).await
}

/// Makes `members` the members of group `id`, and brings the access of those who joined or
/// left in line with what the groups give (see [`provisioning`]). If the rules refuse one
/// person's change (a token may not give Owner, say), the members and the access already
/// changed are put back and the refusal is the answer.
async fn set_members(
    state: &AppState,
    scim: &Scim,
    id: i64,
    members: &[i64],
) -> Result<(), ScimError> {
    let root = scim.ctx.root();
    let reader = state.db().reader();
    let old = db::scim::group_members(reader, root, id).await?;
    let mapped = db::scim::group_grants(reader, root)
        .await?
        .contains_key(&id);
    let moved: Vec<i64> = if mapped {
        old.iter()
            .filter(|user| !members.contains(user))
            .chain(members.iter().filter(|user| !old.contains(user)))
            .copied()
            .collect()
    } else {
        Vec::new()
    };
    let mut before = Vec::with_capacity(moved.len());
    for user in &moved {
        before.push(provisioning::given(state, root, *user, None).await?);
    }
    db::scim::set_group_members(state.db(), id, members).await?;
    let mut done = Vec::new();
    for (user, before) in moved.iter().zip(before) {
        let after = provisioning::given(state, root, *user, None).await?;
        match provisioning::follow(state, &scim.actor, &scim.ctx, *user, &before, &after).await {
            Ok(_) => done.push((*user, before, after)),
            Err(refused) => {
                db::scim::set_group_members(state.db(), id, &old).await?;
                for (user, before, after) in done {
                    provisioning::follow(state, &scim.actor, &scim.ctx, user, &after, &before)
                        .await?;
                }
                return Err(refused.into());
            }
        }
    }
    Ok(())
}

pub(crate) async fn get(
    state: &AppState,
    scim: &Scim,
    id: i64,
    shown: &Shown,
) -> Result<Response, ScimError> {
    let group = resource(state, scim, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(scim_response(StatusCode::OK, &shown.apply(group)))
}

pub(crate) async fn replace(
    state: &AppState,
    scim: &Scim,
    id: i64,
    body: Value,
) -> Result<Response, ScimError> {
    resource(state, scim, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let Value::Object(body) = body else {
        return Err(ScimError::bad("invalidSyntax", "A Group is a JSON object."));
    };
    write(state, scim, id, &body).await?;
    get(state, scim, id, &Shown::default()).await
}

pub(crate) async fn patch(
    state: &AppState,
    scim: &Scim,
    id: i64,
    operations: &[Operation],
) -> Result<Response, ScimError> {
    let current = resource(state, scim, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let mut document = match &current {
        Value::Object(current) => GROUP_KEPT.keep(current),
        _ => Map::new(),
    };
    // Every operation on the document first: one that cannot be carried out changes nothing.
    for operation in operations {
        GROUP_KEPT.apply(&mut document, operation)?;
    }
    write(state, scim, id, &document).await?;
    get(state, scim, id, &Shown::default()).await
}

pub(crate) async fn delete(state: &AppState, scim: &Scim, id: i64) -> Result<Response, ScimError> {
    let root = scim.ctx.root();
    // What the group gave is taken back first. The provider has deleted its group whatever
    // Roster's rules say: a person whose access they keep as it is keeps it (and it is logged).
    for user in db::scim::group_members(state.db().reader(), root, id).await? {
        let before = provisioning::given(state, root, user, None).await?;
        let after = provisioning::given(state, root, user, Some(id)).await?;
        if let Err(error) =
            provisioning::follow(state, &scim.actor, &scim.ctx, user, &before, &after).await
        {
            tracing::warn!(
                group = id,
                user,
                error = error.parts().2,
                "a deleted group's access kept"
            );
        }
    }
    if !db::scim::delete_group(state.db().writer(), root, id).await? {
        return Err(not_found(id));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
