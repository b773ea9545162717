//! What the server supports and the schemas of its resources (RFC 7643 §5–7, RFC 7644 §4).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    GROUP_SCHEMA, LIST_SCHEMA, Scim, ScimError, USER_SCHEMA, list_response, scim_response,
};

pub(crate) async fn service_provider_config(scim: Scim) -> Response {
    scim_response(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": format!("{}/api", scim.base.trim_end_matches("/scim/v2")),
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": 1000 },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": false },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "API token",
                "description": "An API token of the organisation's top-level account (Admin or Owner), as Authorization: Bearer rst_…",
                "primary": true,
            }],
            "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{}/ServiceProviderConfig", scim.base) },
        }),
    )
}

fn resource_type_of(base: &str, name: &str) -> Value {
    let (endpoint, schema, description) = match name {
        "User" => ("/Users", USER_SCHEMA, "People of the organisation"),
        _ => (
            "/Groups",
            GROUP_SCHEMA,
            "A role on an account (its members have that role there), or a group the identity provider pushed",
        ),
    };
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": description,
        "schema": schema,
        "meta": { "resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{name}") },
    })
}

pub(crate) async fn resource_types(scim: Scim) -> Response {
    let types = vec![
        resource_type_of(&scim.base, "User"),
        resource_type_of(&scim.base, "Group"),
    ];
    scim_response(StatusCode::OK, &list_response(types, 2, 1))
}

pub(crate) async fn resource_type(
    scim: Scim,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    match id.as_str() {
        "User" | "Group" => Ok(scim_response(
            StatusCode::OK,
            &resource_type_of(&scim.base, &id),
        )),
        _ => Err(ScimError::not_found(format!(
            "There is no resource type {id}."
        ))),
    }
}

fn attribute(name: &str, kind: &str, mutability: &str, description: &str) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "description": description,
        "required": false, "caseExact": false, "mutability": mutability,
        "returned": "default", "uniqueness": "none",
    })
}

/// A `$ref` sub-attribute: the URI of a `resource_type` resource.
fn reference(resource_type: &str, mutability: &str) -> Value {
    json!({
        "name": "$ref", "type": "reference", "referenceTypes": [resource_type], "multiValued": false,
        "description": format!("The {resource_type}'s URI"), "required": false, "caseExact": true,
        "mutability": mutability, "returned": "default", "uniqueness": "none",
    })
}

fn user_schema(base: &str) -> Value {
    let mut user_name = attribute(
        "userName",
        "string",
        "readWrite",
        "The identity provider's identifier for the person (a user principal name, a login); unique in the organisation, in any case",
    );
    user_name["required"] = Value::Bool(true);
    user_name["uniqueness"] = Value::from("server");
    let mut email_value = attribute("value", "string", "readWrite", "The address");
    email_value["required"] = Value::Bool(true);
    let mut email_type = attribute("type", "string", "readWrite", "work, home or other");
    email_type["canonicalValues"] = json!(["work", "home", "other"]);
    // Required: a person is always either in the organisation or not (it cannot be removed).
    let mut active = attribute(
        "active",
        "boolean",
        "readWrite",
        "false removes the person's access to the organisation; true invites them again",
    );
    active["required"] = Value::Bool(true);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A person of the organisation. Roster mails the primary address of emails (else the work one, else the first, else userName when it is an address); access is managed through Groups.",
        "attributes": [
            user_name,
            {
                "name": "name", "type": "complex", "multiValued": false, "description": "The name the identity provider knows the person by",
                "required": false, "mutability": "readWrite", "returned": "default",
                "subAttributes": [
                    attribute("formatted", "string", "readWrite", "The full name"),
                    attribute("familyName", "string", "readWrite", "The family name"),
                    attribute("givenName", "string", "readWrite", "The given name"),
                ],
            },
            attribute("displayName", "string", "readWrite", "The name to display"),
            {
                "name": "emails", "type": "complex", "multiValued": true, "description": "Addresses; the primary one (else the work one, else the first) is where Roster mails the person",
                "required": true, "mutability": "readWrite", "returned": "default",
                "subAttributes": [
                    email_value,
                    email_type,
                    attribute("primary", "boolean", "readWrite", "The address Roster mails"),
                ],
            },
            active,
            {
                "name": "groups", "type": "complex", "multiValued": true, "description": "The Groups the person is a member of",
                "required": false, "mutability": "readOnly", "returned": "default",
                "subAttributes": [
                    attribute("value", "string", "readOnly", "A Group's id"),
                    attribute("display", "string", "readOnly", "The role and account"),
                    reference("Group", "readOnly"),
                ],
            },
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{USER_SCHEMA}") },
    })
}

fn group_schema(base: &str) -> Value {
    let mut display_name = attribute(
        "displayName",
        "string",
        "readWrite",
        "“Account / Role” for a role on an account (fixed); a pushed group's name, unique in the organisation in any case",
    );
    display_name["required"] = Value::Bool(true);
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A role on an account (id “{account}-{role}”; its members have that role there), or a group the identity provider pushed (a numeric id; it grants nothing by itself).",
        "attributes": [
            display_name,
            {
                "name": "members", "type": "complex", "multiValued": true, "description": "The group's Users",
                "required": false, "mutability": "readWrite", "returned": "default",
                "subAttributes": [
                    attribute("value", "string", "immutable", "A User's id"),
                    attribute("display", "string", "readOnly", "Their address (roles on accounts)"),
                    reference("User", "immutable"),
                ],
            },
        ],
        "meta": { "resourceType": "Schema", "location": format!("{base}/Schemas/{GROUP_SCHEMA}") },
    })
}

pub(crate) async fn schemas(scim: Scim) -> Response {
    let all = vec![user_schema(&scim.base), group_schema(&scim.base)];
    let _ = LIST_SCHEMA;
    scim_response(StatusCode::OK, &list_response(all, 2, 1))
}

pub(crate) async fn schema(scim: Scim, Path(id): Path<String>) -> Result<Response, ScimError> {
    match id.as_str() {
        USER_SCHEMA => Ok(scim_response(StatusCode::OK, &user_schema(&scim.base))),
        GROUP_SCHEMA => Ok(scim_response(StatusCode::OK, &group_schema(&scim.base))),
        _ => Err(ScimError::not_found(format!("There is no schema {id}."))),
    }
}
