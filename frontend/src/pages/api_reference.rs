//! The API reference: the server's own OpenAPI document (`/api/openapi.json`), rendered in the
//! product. Nothing is loaded from elsewhere, so it works offline and under the strict
//! Content-Security-Policy, and it always describes the running server's exact routes.
//!
//! The document is read as plain JSON and only the parts shown here are picked out: typed
//! structs for all of OpenAPI would cost the SPA more size than this whole page.

use leptos::prelude::*;
use serde_json::Value;

use crate::api;
use crate::components::load_error::LoadError;
use crate::remote::Remote;

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// A short name for a schema: its component name, `T[]` for arrays, or its JSON type.
fn schema_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_owned();
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let names: Vec<String> = list.iter().map(schema_name).collect();
            return names.join(if key == "allOf" { " & " } else { " | " });
        }
    }
    match schema.get("type") {
        Some(Value::String(kind)) if kind == "array" => {
            let item = schema.get("items").map(schema_name).unwrap_or_default();
            format!("{item}[]")
        }
        Some(Value::String(kind)) => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{kind} ({format})"),
            None => kind.clone(),
        },
        // OpenAPI 3.1 writes an optional value as `["string", "null"]`.
        Some(Value::Array(kinds)) => {
            let mut out: Vec<String> = kinds
                .iter()
                .filter_map(Value::as_str)
                .map(|kind| {
                    if kind == "array" {
                        let item = schema.get("items").map(schema_name).unwrap_or_default();
                        format!("{item}[]")
                    } else {
                        kind.to_owned()
                    }
                })
                .collect();
            out.dedup();
            out.join(" | ")
        }
        _ if schema.get("enum").is_some() => "enum".into(),
        _ => "object".into(),
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The schema of the first content type of a request body or response, with the type.
fn content_schema(value: &Value) -> Option<(String, String)> {
    let (kind, media) = value.get("content")?.as_object()?.iter().next()?;
    let schema = media.get("schema").map(schema_name).unwrap_or_default();
    Some((kind.clone(), schema))
}

/// The names of the security schemes of a requirement list (`[]` means none is needed).
fn security_names(list: &Value) -> Option<String> {
    let list = list.as_array()?;
    if list.is_empty()
        || list
            .iter()
            .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
    {
        return Some("none".into());
    }
    let names: Vec<String> = list
        .iter()
        .filter_map(Value::as_object)
        .map(|requirement| {
            if requirement.is_empty() {
                "none".to_owned()
            } else {
                requirement
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" and ")
            }
        })
        .collect();
    Some(names.join(" or "))
}

#[derive(Clone, Debug, PartialEq)]
struct Parameter {
    name: String,
    location: String,
    required: bool,
    schema: String,
    description: String,
}

#[derive(Clone, Debug, PartialEq)]
struct Response {
    status: String,
    description: String,
    schema: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Operation {
    method: String,
    path: String,
    summary: String,
    description: String,
    parameters: Vec<Parameter>,
    /// Content type and schema.
    body: Option<(String, String)>,
    responses: Vec<Response>,
    /// The security requirement, when the document states one.
    security: Option<String>,
    /// Lower-cased text the filter looks in.
    haystack: String,
}

#[derive(Clone, Debug, PartialEq)]
struct Group {
    tag: String,
    description: String,
    operations: Vec<Operation>,
}

#[derive(Clone, Debug, PartialEq)]
struct Schema {
    name: String,
    description: String,
    /// Property name, schema, required.
    properties: Vec<(String, String, bool)>,
    /// The values of an enumeration.
    values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
struct Reference {
    title: String,
    version: String,
    description: String,
    groups: Vec<Group>,
    schemas: Vec<Schema>,
}

/// Picks out what the page shows: operations grouped by tag (in the document's tag order),
/// and the schemas.
fn read_document(doc: &Value) -> Reference {
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let default_security = doc.get("security");
    let mut groups: Vec<Group> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .map(|t| Group {
                    tag: text(t, "name"),
                    description: text(t, "description"),
                    operations: Vec::new(),
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let shared_parameters = item.get("parameters").and_then(Value::as_array);
            for method in METHODS {
                let Some(op) = item.get(method) else {
                    continue;
                };
                let parameters: Vec<Parameter> = shared_parameters
                    .into_iter()
                    .flatten()
                    .chain(
                        op.get("parameters")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten(),
                    )
                    .map(|p| Parameter {
                        name: text(p, "name"),
                        location: text(p, "in"),
                        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema: p.get("schema").map(schema_name).unwrap_or_default(),
                        description: text(p, "description"),
                    })
                    .collect();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|r| {
                        r.iter()
                            .map(|(status, response)| Response {
                                status: status.clone(),
                                description: text(response, "description"),
                                schema: content_schema(response).map(|(_, s)| s),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let tag = op
                    .get("tags")
                    .and_then(Value::as_array)
                    .and_then(|t| t.first())
                    .and_then(Value::as_str)
                    .unwrap_or("other")
                    .to_owned();
                let summary = text(op, "summary");
                let description = text(op, "description");
                let haystack = format!(
                    "{method} {path} {summary} {description} {tag} {}",
                    text(op, "operationId")
                )
                .to_lowercase();
                let operation = Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary,
                    description,
                    parameters,
                    body: op.get("requestBody").and_then(content_schema),
                    responses,
                    security: op
                        .get("security")
                        .or(default_security)
                        .and_then(security_names),
                    haystack,
                };
                match groups.iter_mut().find(|g| g.tag == tag) {
                    Some(group) => group.operations.push(operation),
                    None => groups.push(Group {
                        tag,
                        description: String::new(),
                        operations: vec![operation],
                    }),
                }
            }
        }
    }
    groups.retain(|g| !g.operations.is_empty());
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|all| {
            all.iter()
                .map(|(name, schema)| {
                    let required: Vec<&str> = schema
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    Schema {
                        name: name.clone(),
                        description: text(schema, "description"),
                        properties: schema
                            .get("properties")
                            .and_then(Value::as_object)
                            .map(|p| {
                                p.iter()
                                    .map(|(field, s)| {
                                        (
                                            field.clone(),
                                            schema_name(s),
                                            required.contains(&field.as_str()),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                        values: schema
                            .get("enum")
                            .and_then(Value::as_array)
                            .map(|v| {
                                v.iter()
                                    .map(|x| {
                                        x.as_str()
                                            .map(str::to_owned)
                                            .unwrap_or_else(|| x.to_string())
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Reference {
        title: text(&info, "title"),
        version: text(&info, "version"),
        description: text(&info, "description"),
        groups,
        schemas,
    }
}

/// Whether every word of the filter appears in the operation.
fn matches(op: &Operation, words: &[String]) -> bool {
    words.iter().all(|w| op.haystack.contains(w.as_str()))
}

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let document = Remote::new(|| async { api::openapi_document().await });
    view! {
        <section class="page api-reference" aria-labelledby="api-title">
            {move || match document.value.get() {
                None => view! {
                    <h1 id="api-title">"API reference"</h1>
                    <p class="card muted" role="status">"Loading…"</p>
                }.into_any(),
                Some(Err(error)) => view! {
                    <h1 id="api-title">"API reference"</h1>
                    <LoadError error=error retry=Callback::new(move |()| document.reload())/>
                }.into_any(),
                Some(Ok(doc)) => view! { <ReferenceView reference=read_document(&doc)/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ReferenceView(
    /// What the document says.
    reference: Reference,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let words = Memo::new(move |_| {
        filter.with(|f| {
            f.to_lowercase()
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    });
    let total: usize = reference.groups.iter().map(|g| g.operations.len()).sum();
    let groups = StoredValue::new(reference.groups);
    let schemas = StoredValue::new(reference.schemas);
    let shown = Memo::new(move |_| {
        let words = words.get();
        groups.with_value(|all| {
            all.iter()
                .filter_map(|g| {
                    let operations: Vec<Operation> = g
                        .operations
                        .iter()
                        .filter(|op| {
                            matches(op, &words) || {
                                let tag = g.tag.to_lowercase();
                                !words.is_empty() && words.iter().all(|w| tag.contains(w.as_str()))
                            }
                        })
                        .cloned()
                        .collect();
                    (!operations.is_empty()).then(|| Group {
                        tag: g.tag.clone(),
                        description: g.description.clone(),
                        operations,
                    })
                })
                .collect::<Vec<_>>()
        })
    });
    let shown_count = move || shown.with(|g| g.iter().map(|g| g.operations.len()).sum::<usize>());
    let origin = window().location().origin().unwrap_or_default();
    view! {
        <div class="row-between page-head">
            <div>
                <h1 id="api-title">{reference.title}</h1>
                <p class="muted">
                    {(!reference.version.is_empty()).then(|| format!("Version {}. ", reference.version))}
                    {with_code(reference.description)}
                </p>
            </div>
            <a class="button" href="/api/openapi.json" download="roster-openapi.json">"Download OpenAPI document"</a>
        </div>
        <div class="card api-auth">
            <h2>"Authentication"</h2>
            <p>
                "Programs send an API token in every request: "
                <code>"Authorization: Bearer rst_…"</code>
                ". Admins create tokens under Settings › API tokens; a token acts on one account and its sub-accounts, never above its role or its creator's."
            </p>
            <p>
                "In the browser, Roster uses the sign-in session; its requests that change something also send the session's "
                <code>"X-CSRF-Token"</code>" header. Identity providers use SCIM 2.0 at "
                <code>{format!("{origin}/scim/v2")}</code>" with a token of a top-level account."
            </p>
        </div>
        <div class="api-filter">
            <label for="api-filter">"Filter operations"</label>
            <input id="api-filter" class="input" type="search" autocomplete="off" spellcheck="false"
                aria-describedby="api-filter-count"
                prop:value=move || filter.get()
                on:input=move |ev| filter.set(event_target_value(&ev))
                data-test="api-filter"/>
            <p id="api-filter-count" class="muted small" role="status" data-test="api-count">
                {move || {
                    let n = shown_count();
                    if words.with(Vec::is_empty) {
                        format!("{total} operations")
                    } else {
                        format!("{n} of {total} operations match")
                    }
                }}
            </p>
        </div>
        {move || (shown_count() == 0).then(|| view! {
            <p class="card muted" data-test="api-none">"No operation matches. Try a path (“people”), a method (“delete”) or a word of its summary."</p>
        })}
        {move || shown.get().into_iter().map(|group| {
            let heading = format!("tag-{}", group.tag.replace(' ', "-"));
            view! {
                <section class="api-group" aria-labelledby=heading.clone() data-test="api-group">
                    <h2 id=heading.clone()>{capitalized(&group.tag)}</h2>
                    {(!group.description.is_empty()).then(|| view! { <p class="muted">{group.description.clone()}</p> })}
                    <ul class="api-operations">
                        {group.operations.into_iter().map(|op| view! { <OperationView op/> }).collect_view()}
                    </ul>
                </section>
            }
        }).collect_view()}
        <WebhookEvents/>
        <details class="card api-schemas">
            <summary>{format!("Schemas ({})", schemas.with_value(Vec::len))}</summary>
            <dl>
                {schemas.get_value().into_iter().map(|s| view! {
                    <dt id=format!("schema-{}", s.name)><code>{s.name.clone()}</code></dt>
                    <dd>
                        {(!s.description.is_empty()).then(|| view! { <p class="small">{s.description}</p> })}
                        {(!s.values.is_empty()).then(|| view! { <p class="small">"One of: "<code>{s.values.join(", ")}</code></p> })}
                        {(!s.properties.is_empty()).then(|| view! {
                            <ul class="schema-fields">
                                {s.properties.into_iter().map(|(name, kind, required)| view! {
                                    <li>
                                        <code>{name}</code>": "<span class="muted">{kind}</span>
                                        {(!required).then(|| view! { <span class="muted small">" (optional)"</span> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        })}
                    </dd>
                }).collect_view()}
            </dl>
        </details>
    }
}

/// A tag as a heading: "api tokens" → "API tokens".
fn capitalized(text: &str) -> String {
    match text.strip_prefix("api") {
        Some(rest) if rest.is_empty() || rest.starts_with(' ') => format!("API{rest}"),
        _ => crate::components::field::capitalize(text),
    }
}

/// Text with `code` spans, as the document's descriptions write them (Markdown's one
/// inline form that they use; the rest is shown as written).
fn with_code(text: String) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_owned();
            if i % 2 == 1 {
                view! { <code>{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

#[component]
fn OperationView(
    /// The operation.
    op: Operation,
) -> impl IntoView {
    let method_class = format!("method method-{}", op.method.to_lowercase());
    view! {
        <li class="api-operation" data-test="api-operation" data-path=op.path.clone() data-method=op.method.clone()>
            <details>
                <summary>
                    <span class=method_class>{op.method.clone()}</span>
                    <code class="api-path">{op.path.clone()}</code>
                    <span class="api-summary">{with_code(op.summary.clone())}</span>
                </summary>
                <div class="api-details">
                    {(!op.description.is_empty() && op.description != op.summary).then(|| view! { <p>{with_code(op.description.clone())}</p> })}
                    {op.security.clone().map(|s| view! { <p class="small"><strong>"Security: "</strong>{s}</p> })}
                    {(!op.parameters.is_empty()).then(|| view! {
                        <h3>"Parameters"</h3>
                        <table class="api-table">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Type"</th><th scope="col">"Description"</th></tr></thead>
                            <tbody>
                                {op.parameters.iter().map(|p| view! {
                                    <tr>
                                        <td><code>{p.name.clone()}</code>{p.required.then(|| view! { <span class="muted small">" required"</span> })}</td>
                                        <td>{p.location.clone()}</td>
                                        <td><code>{p.schema.clone()}</code></td>
                                        <td class="small">{p.description.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    {op.body.clone().map(|(kind, schema)| view! {
                        <h3>"Request body"</h3>
                        <p><code>{schema}</code>" "<span class="muted small">{kind}</span></p>
                    })}
                    <h3>"Responses"</h3>
                    <table class="api-table">
                        <thead><tr><th scope="col">"Status"</th><th scope="col">"Description"</th><th scope="col">"Body"</th></tr></thead>
                        <tbody>
                            {op.responses.iter().map(|r| view! {
                                <tr>
                                    <td><code>{r.status.clone()}</code></td>
                                    <td class="small">{r.description.clone()}</td>
                                    <td>{r.schema.clone().map(|s| view! { <code>{s}</code> })}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_names_are_short() {
        assert_eq!(
            schema_name(&json!({ "$ref": "#/components/schemas/Health" })),
            "Health"
        );
        assert_eq!(
            schema_name(
                &json!({ "type": "array", "items": { "$ref": "#/components/schemas/Device" } })
            ),
            "Device[]"
        );
        assert_eq!(
            schema_name(&json!({ "type": ["string", "null"] })),
            "string | null"
        );
        assert_eq!(
            schema_name(
                &json!({ "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/Role" }] })
            ),
            "null | Role"
        );
        assert_eq!(
            schema_name(&json!({ "type": "integer", "format": "int64" })),
            "integer (int64)"
        );
    }

    #[test]
    fn operations_are_grouped_by_tag_in_the_documents_order() {
        let doc = json!({
            "info": { "title": "Roster API", "version": "0.1.0" },
            "tags": [{ "name": "system", "description": "Health" }, { "name": "people" }],
            "paths": {
                "/api/v1/people": { "get": { "tags": ["people"], "summary": "List people",
                    "parameters": [{ "name": "q", "in": "query", "schema": { "type": "string" } }],
                    "responses": { "200": { "description": "", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/PeoplePage" } } } } } } },
                "/api/v1/health": { "get": { "tags": ["system"], "summary": "Health", "security": [],
                    "responses": { "200": { "description": "Up" } } } }
            }
        });
        let reference = read_document(&doc);
        assert_eq!(reference.groups.len(), 2);
        assert_eq!(reference.groups[0].tag, "system");
        let health = &reference.groups[0].operations[0];
        assert_eq!(health.path, "/api/v1/health");
        assert_eq!(health.security.as_deref(), Some("none"));
        let people = &reference.groups[1].operations[0];
        assert_eq!(people.parameters[0].name, "q");
        assert_eq!(people.responses[0].schema.as_deref(), Some("PeoplePage"));
        assert!(matches(people, &["get".into(), "people".into()]));
        assert!(!matches(people, &["delete".into()]));
    }
}

/// What Roster sends to webhook endpoints: how deliveries are signed, and each event type with
/// the schema of its `data`.
#[component]
fn WebhookEvents() -> impl IntoView {
    use roster_shared::webhook::WebhookEventType;
    view! {
        <section class="card api-webhooks" id="webhook-events" aria-labelledby="webhook-events-title" data-test="webhook-events">
            <h2 id="webhook-events-title">"Webhook events"</h2>
            <p>
                "Endpoints added under Settings › Webhooks receive each event as a "
                <a href="#schema-WebhookEvent"><code>"WebhookEvent"</code></a>
                " in a POST, signed as Standard Webhooks: headers "
                <code>"webhook-id"</code>", "<code>"webhook-timestamp"</code>" and "<code>"webhook-signature"</code>
                " (HMAC-SHA256 of "<code>"id.timestamp.body"</code>" with the endpoint's "<code>"whsec_"</code>
                " secret). Verify them with a Standard Webhooks library, answer 2xx within 10 seconds, and drop an "
                <code>"id"</code>" you have already seen: delivery is at least once, in order per endpoint, retried for about three days."
            </p>
            <table class="api-events">
                <caption class="visually-hidden">"Event types"</caption>
                <thead>
                    <tr><th scope="col">"Type"</th><th scope="col">"When"</th><th scope="col">"Data"</th></tr>
                </thead>
                <tbody>
                    {WebhookEventType::ALL.iter().map(|event_type| {
                        let schema = event_type.data_schema();
                        view! {
                            <tr>
                                <td><code>{event_type.as_str()}</code></td>
                                <td>{event_type.label()}</td>
                                <td><a href=format!("#schema-{schema}")><code>{schema}</code></a></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
