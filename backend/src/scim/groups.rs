//! SCIM Groups: one per role on each account ("Support / Admin"); members have that role there.
//! Groups a provider pushes are kept too ([`pushed`]); they grant nothing by themselves.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use roster_shared::role::Role;
use serde_json::{Value, json};

use super::users::{ListQuery, group_id, set_group_membership};
use super::{GROUP_SCHEMA, Scim, ScimError, ScimJson, Shown, list_response, paging, scim_response};
use super::{filter, pushed};
use crate::db;
use crate::scim::patch::{self, PatchKind};
use crate::state::AppState;

fn parse(id: &str, scim: &Scim) -> Result<(i64, Role), ScimError> {
    let missing = || ScimError::not_found(format!("There is no group {id}."));
    let (account, role) = id.split_once('-').ok_or_else(missing)?;
    let account: i64 = account.parse().map_err(|_| missing())?;
    let role = Role::parse(role).map_err(|_| missing())?;
    if !scim.ctx.org.scope(scim.ctx.root()).contains(&account) || scim.ctx.org.is_archived(account)
    {
        return Err(missing());
    }
    Ok((account, role))
}

async fn resource(
    state: &AppState,
    scim: &Scim,
    account: i64,
    role: Role,
    with_members: bool,
) -> Result<Value, ScimError> {
    let mut group = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group_id(account, role),
        "displayName": format!("{} / {}", scim.ctx.org.name(account), role.label()),
        "meta": { "resourceType": "Group", "location": format!("{}/Groups/{}", scim.base, group_id(account, role)) },
    });
    if with_members {
        let rows = members(state, scim, account, role).await?;
        group["members"] = Value::Array(rows);
    }
    Ok(group)
}

async fn members(
    state: &AppState,
    scim: &Scim,
    account: i64,
    role: Role,
) -> Result<Vec<Value>, ScimError> {
    let (ids, _) = db::scim::user_ids(state.db().reader(), scim.ctx.root(), 200_000, 0).await?;
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        for row in db::people::access_of(state.db().reader(), scim.ctx.root(), chunk).await? {
            if row.account_id == account && row.role == role {
                // The address the organisation knows them by (the invited one until they
                // accept), never the identity's address of today.
                let email = db::people::person(
                    state.db(),
                    scim.ctx.root(),
                    row.user_id,
                    crate::clock::now(),
                )
                .await?
                .map(|p| p.email)
                .unwrap_or_default();
                out.push(json!({
                    "value": row.user_id.to_string(),
                    "display": email,
                    "$ref": format!("{}/Users/{}", scim.base, row.user_id),
                }));
            }
        }
    }
    Ok(out)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    scim: Scim,
    Query(query): Query<ListQuery>,
) -> Result<Response, ScimError> {
    let (start, count) = paging(query.start_index(), query.count());
    let shown = query.shown();
    let parsed = query
        .filter()
        .map(|text| {
            filter::parse(text).map_err(|e| {
                ScimError::bad("invalidFilter", format!("The filter cannot be read: {e}."))
            })
        })
        .transpose()?;
    // The built-in groups (their members read for the page only), then the pushed ones.
    let mut all: Vec<Listed> = Vec::new();
    for account in scim.ctx.org.scope(scim.ctx.root()) {
        if scim.ctx.org.is_archived(account) {
            continue;
        }
        for role in Role::ALL {
            let group = resource(&state, &scim, account, role, false).await?;
            if parsed.as_ref().is_none_or(|f| filter::matches(f, &group)) {
                all.push(Listed::BuiltIn(account, role));
            }
        }
    }
    for group in pushed::every(&state, &scim).await? {
        if parsed.as_ref().is_none_or(|f| filter::matches(f, &group)) {
            all.push(Listed::Pushed(group));
        }
    }
    let total = all.len() as i64;
    let mut page = Vec::new();
    for listed in all
        .into_iter()
        .skip((start - 1) as usize)
        .take(count as usize)
    {
        let group = match listed {
            Listed::BuiltIn(account, role) => {
                resource(&state, &scim, account, role, shown.shows("members")).await?
            }
            Listed::Pushed(group) => group,
        };
        page.push(shown.apply(group));
    }
    Ok(scim_response(
        StatusCode::OK,
        &list_response(page, total, start),
    ))
}

/// A group of a list: built-in (its members read only if it is on the page) or pushed.
enum Listed {
    BuiltIn(i64, Role),
    Pushed(Value),
}

/// Every Group a filter matches, with its members (for `POST /.search`).
pub(crate) async fn every(
    state: &AppState,
    scim: &Scim,
    filter: Option<&filter::Filter>,
) -> Result<Vec<Value>, ScimError> {
    let mut all = Vec::new();
    for account in scim.ctx.org.scope(scim.ctx.root()) {
        if scim.ctx.org.is_archived(account) {
            continue;
        }
        for role in Role::ALL {
            let group = resource(state, scim, account, role, false).await?;
            if filter.is_none_or(|f| filter::matches(f, &group)) {
                all.push(resource(state, scim, account, role, true).await?);
            }
        }
    }
    for group in pushed::every(state, scim).await? {
        if filter.is_none_or(|f| filter::matches(f, &group)) {
            all.push(group);
        }
    }
    Ok(all)
}

pub(crate) async fn get(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
    Query(shown): Query<Shown>,
) -> Result<Response, ScimError> {
    if let Some(pushed) = pushed::pushed_id(&id) {
        return pushed::get(&state, &scim, pushed, &shown).await;
    }
    let (account, role) = parse(&id, &scim)?;
    // Members are read only when shown (Entra ID asks `excludedAttributes=members`).
    let group = resource(&state, &scim, account, role, shown.shows("members")).await?;
    Ok(scim_response(StatusCode::OK, &shown.apply(group)))
}

/// The user ids of the group's members.
async fn members_of(
    state: &AppState,
    scim: &Scim,
    account: i64,
    role: Role,
) -> Result<Vec<i64>, ScimError> {
    Ok(members(state, scim, account, role)
        .await?
        .iter()
        .filter_map(|member| member["value"].as_str()?.parse().ok())
        .collect())
}

/// The user ids of `[{ "value": "42" }, …]`.
pub(crate) fn member_ids(value: &Value) -> Result<Vec<i64>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        _ => {
            return Err(ScimError::bad(
                "invalidValue",
                "members are [{\"value\": \"<user id>\"}].",
            ));
        }
    };
    items
        .into_iter()
        .map(|item| {
            item["value"]
                .as_str()
                .and_then(|v| v.parse().ok())
                .or_else(|| item["value"].as_i64())
                .ok_or_else(|| {
                    ScimError::bad("invalidValue", "Each member needs a user id as its value.")
                })
        })
        .collect()
}

/// The user of `members[value eq "42"]`: 42.
fn member_in(path: &patch::AttrPath) -> Option<i64> {
    match &path.filter {
        Some((
            _,
            filter::Filter::Compare {
                path: attribute,
                op: filter::Op::Eq,
                value,
            },
        )) if path.within("members")
            && path.sub_attribute.is_none()
            && attribute.eq_ignore_ascii_case("value") =>
        {
            value.as_str().and_then(|v| v.parse().ok())
        }
        _ => None,
    }
}

pub(crate) async fn patch(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    let operations = patch::parse(&body)?;
    if let Some(pushed) = pushed::pushed_id(&id) {
        return pushed::patch(&state, &scim, pushed, &operations).await;
    }
    let (account, role) = parse(&id, &scim)?;
    for operation in operations {
        let value = &operation.value;
        let path = operation.path.as_ref();
        let members = path.is_some_and(|p| p.is("members"));
        match operation.kind {
            PatchKind::Add if members => {
                for user in member_ids(value)? {
                    set_group_membership(&state, &scim, user, account, role, true).await?;
                }
            }
            PatchKind::Remove if members && value.is_null() => {
                for member in members_of(&state, &scim, account, role).await? {
                    set_group_membership(&state, &scim, member, account, role, false).await?;
                }
            }
            PatchKind::Remove if members => {
                for user in member_ids(value)? {
                    set_group_membership(&state, &scim, user, account, role, false).await?;
                }
            }
            PatchKind::Remove if path.is_some_and(|p| p.within("members")) => {
                let path = path.expect("a path");
                let user = member_in(path).ok_or_else(|| {
                    ScimError::bad("invalidPath", format!("Cannot read the path {path}."))
                })?;
                set_group_membership(&state, &scim, user, account, role, false).await?;
            }
            PatchKind::Replace if members || path.is_none() => {
                let wanted = if members {
                    member_ids(value)?
                } else {
                    member_ids(&value["members"])?
                };
                for member in members_of(&state, &scim, account, role).await? {
                    if !wanted.contains(&member) {
                        set_group_membership(&state, &scim, member, account, role, false).await?;
                    }
                }
                for user in wanted {
                    set_group_membership(&state, &scim, user, account, role, true).await?;
                }
            }
            _ if path.is_some_and(|p| p.within("displayName")) => {
                return Err(ScimError::bad(
                    "mutability",
                    "A group's name follows its account and role.",
                ));
            }
            kind => {
                let on = path.map_or_else(|| "the group".to_owned(), |p| p.to_string());
                return Err(ScimError::bad(
                    "invalidPath",
                    format!("Unsupported operation {kind:?} on {on}."),
                ));
            }
        }
    }
    get(State(state), scim, Path(id), Query(Shown::default())).await
}

/// A provider pushes a group of its own (see [`pushed`]).
pub(crate) async fn create(
    State(state): State<AppState>,
    scim: Scim,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    pushed::create(&state, &scim, body).await
}

/// A whole pushed group replaced; the built-in groups follow the accounts and roles.
pub(crate) async fn replace(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
    ScimJson(body): ScimJson<Value>,
) -> Result<Response, ScimError> {
    match pushed::pushed_id(&id) {
        Some(pushed) => pushed::replace(&state, &scim, pushed, body).await,
        None => Err(built_in_fixed(&scim, &id)),
    }
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    scim: Scim,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    match pushed::pushed_id(&id) {
        Some(pushed) => pushed::delete(&state, &scim, pushed).await,
        None => Err(built_in_fixed(&scim, &id)),
    }
}

/// A built-in group cannot be replaced or deleted (an unknown one is not found).
fn built_in_fixed(scim: &Scim, id: &str) -> ScimError {
    match parse(id, scim) {
        Err(missing) => missing,
        Ok(_) => ScimError::new(
            StatusCode::FORBIDDEN,
            Some("mutability"),
            "This group is a role on an account: it follows the accounts and roles; change its members with PATCH.",
        ),
    }
}
