//! Settings › Webhooks: the endpoints that receive the organisation's access changes (set on
//! its top-level account by its Admins and Owners), and each endpoint's page: its recent
//! deliveries with what the receiver answered, Send test event, Resend, Replay since a time,
//! Rotate secret, turning it off and on, removing it. A signing secret is shown once.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use roster_shared::time::Timestamp;
use roster_shared::webhook::{
    DeliveryStatus, ReplayRequest, WebhookDelivery, WebhookEndpoint, WebhookEndpointRequest,
    WebhookEventType,
};

use crate::accounts::use_accounts;
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::field::{Input, TextField};
use crate::components::load_error::LoadError;
use crate::components::secret_once::SecretOnce;
use crate::locale::Time;
use crate::pages::settings_layout::use_account;
use crate::remote::Remote;

/// "Person invited, Access changed" or "All 12 events".
fn events_text(types: &[WebhookEventType]) -> String {
    let all = WebhookEventType::subscribable().count();
    if types.len() == all {
        format!("All {all} events")
    } else {
        types
            .iter()
            .map(|t| t.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How an endpoint stands, in a word or two.
fn state_text(endpoint: &WebhookEndpoint) -> (&'static str, &'static str) {
    match (endpoint.enabled, endpoint.failing_since) {
        (false, _) => ("Off", "badge"),
        (true, Some(_)) => ("Failing", "badge warn"),
        (true, None) => ("On", "badge ok"),
    }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let account = use_account();
    let accounts = use_accounts();
    let endpoints = Remote::new(move || {
        let id = account.get();
        async move { api::webhook_endpoints(id).await }
    });
    let secret = RwSignal::new(None::<(String, String)>);
    Effect::new(move |_| {
        account.track();
        secret.set(None);
    });
    let top_level = move || {
        accounts
            .get(account.get())
            .is_none_or(|a| a.parent.is_none())
    };
    view! {
        <section aria-labelledby="webhooks-title" class="webhooks">
            <div class="row-between page-head">
                <div>
                    <h1 id="webhooks-title">"Webhooks"</h1>
                    <p class="muted">
                        "Roster sends every access change of this organisation to your endpoints as it happens: invitations, roles, people leaving, accounts and seats. Each delivery is signed (Standard Webhooks), retried for about three days, and sent in order."
                    </p>
                </div>
                <a class="button" href="/api-reference#webhook-events">"Event reference"</a>
            </div>
            {move || if !top_level() {
                view! {
                    <p class="card muted" data-test="webhooks-top-level">"Webhooks are set on the organisation's top-level account: open it with the account switcher."</p>
                }.into_any()
            } else {
                view! {
                    {move || secret.get().map(|(title, value)| view! {
                        <NewSecret title value on_done=Callback::new(move |()| secret.set(None))/>
                    })}
                    <h2 class="visually-hidden">"Endpoints"</h2>
                    {move || match endpoints.value.get() {
                        None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                        Some(Err(error)) => view! {
                            <LoadError error=error retry=Callback::new(move |()| endpoints.reload())/>
                        }.into_any(),
                        Some(Ok(list)) if list.is_empty() => view! {
                            <p class="card muted" data-test="webhooks-empty">"No endpoints yet. Add the address of a receiver below."</p>
                        }.into_any(),
                        Some(Ok(list)) => view! { <EndpointsTable list/> }.into_any(),
                    }}
                    <EndpointForm
                        title="Add an endpoint"
                        existing=None
                        on_saved=Callback::new(move |created: Option<String>| {
                            if let Some(value) = created {
                                secret.set(Some(("Endpoint added".to_owned(), value)));
                            }
                            endpoints.reload();
                        })
                    />
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn EndpointsTable(list: Vec<WebhookEndpoint>) -> impl IntoView {
    let account = use_account();
    view! {
        <div class="card table-card">
            <div class="table-wrap">
                <table class="webhooks-table" data-test="webhook-endpoints">
                    <caption class="visually-hidden">"Webhook endpoints"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Endpoint"</th>
                            <th scope="col">"Events"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Added"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|endpoint| {
                            let href = format!("/accounts/{}/webhooks/{}", account.get_untracked(), endpoint.id);
                            let (state, class) = state_text(&endpoint);
                            view! {
                                <tr data-test="webhook-endpoint">
                                    <td>
                                        <a href=href class="endpoint-url"><code>{endpoint.url.clone()}</code></a>
                                        {(!endpoint.description.is_empty()).then(|| view! { <br/><span class="muted small">{endpoint.description.clone()}</span> })}
                                    </td>
                                    <td class="small">{events_text(&endpoint.event_types)}</td>
                                    <td><span class=class>{state}</span></td>
                                    <td class="small nowrap"><Time at=endpoint.created_at/></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

/// A signing secret, shown this once.
#[component]
fn NewSecret(title: String, value: String, on_done: Callback<()>) -> impl IntoView {
    view! {
        <SecretOnce title label="Signing secret" value test="webhook-secret" on_done
            advice="Give it to your receiver's Standard Webhooks verifier; if it is lost, rotate it."/>
    }
}

/// Adding an endpoint (`existing` none: answers its secret) or changing one.
#[component]
fn EndpointForm(
    title: &'static str,
    existing: Option<WebhookEndpoint>,
    /// Saved: the new endpoint's secret, when one was made.
    on_saved: Callback<Option<String>>,
) -> impl IntoView {
    let account = use_account();
    let url = Input::new();
    let description = Input::new();
    let chosen = RwSignal::new(
        existing
            .as_ref()
            .map(|e| e.event_types.clone())
            .unwrap_or_else(|| WebhookEventType::subscribable().collect()),
    );
    let enabled = existing.as_ref().is_none_or(|e| e.enabled);
    let id = existing.as_ref().map(|e| e.id);
    if let Some(endpoint) = &existing {
        url.value.set(endpoint.url.clone());
        description.value.set(endpoint.description.clone());
    }
    let types_error = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        types_error.set(None);
        let event_types = chosen.get_untracked();
        if event_types.is_empty() {
            types_error.set(Some("Choose at least one event.".to_owned()));
            return;
        }
        let request = WebhookEndpointRequest {
            url: url.value.get_untracked(),
            description: description.value.get_untracked(),
            event_types,
            enabled: Some(enabled),
        };
        pending.set(true);
        leptos::task::spawn_local(async move {
            let account = account.get_untracked();
            let result = match id {
                None => api::add_webhook_endpoint(account, &request)
                    .await
                    .map(|created| Some(created.secret)),
                Some(id) => api::change_webhook_endpoint(account, id, &request)
                    .await
                    .map(|_| None),
            };
            pending.set(false);
            match result {
                Ok(secret) => {
                    if id.is_none() {
                        url.value.set(String::new());
                        description.value.set(String::new());
                    }
                    on_saved.run(secret);
                }
                Err(error) => {
                    for (input, field) in [(url, "url"), (description, "description")] {
                        if let Some(message) = error.field(field) {
                            input.fail(message);
                        }
                    }
                    if let Some(message) = error.field("event_types") {
                        types_error.set(Some(message));
                    }
                    if error.fields().is_empty() {
                        problem.set(Some(error.message()));
                    }
                }
            }
        });
    };
    let all = WebhookEventType::subscribable().count();
    view! {
        <form class="card form" on:submit=submit novalidate data-test="webhook-form">
            <h2>{title}</h2>
            {move || problem.get().map(|m| view! { <div class="alert error" role="alert" data-test="webhook-problem">{m}</div> })}
            <TextField id="webhook-url" label="Endpoint URL" value=url.value error=url.error input_type="url"
                hint="An https:// address that answers 2xx within 10 seconds."/>
            <TextField id="webhook-description" label="Description (optional)" value=description.value error=description.error
                hint="What receives it, such as “Inbox routing”."/>
            <fieldset class="event-types" aria-describedby="webhook-types-error">
                <legend>"Events"</legend>
                <label class="checkbox">
                    <input type="checkbox" data-test="webhook-all-events"
                        prop:checked=move || chosen.with(|c| c.len() == all)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.set(if on { WebhookEventType::subscribable().collect() } else { Vec::new() });
                        }/>
                    <span>"All events"</span>
                </label>
                <div class="event-type-grid">
                    {WebhookEventType::subscribable().map(|event_type| view! {
                        <label class="checkbox">
                            <input type="checkbox" data-test="webhook-event" data-type=event_type.as_str()
                                prop:checked=move || chosen.with(|c| c.contains(&event_type))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|t| *t != event_type);
                                        if on {
                                            c.push(event_type);
                                        }
                                    });
                                }/>
                            <span>{event_type.label()}" "<code class="muted small">{event_type.as_str()}</code></span>
                        </label>
                    }).collect_view()}
                </div>
                <p id="webhook-types-error" class="field-error" role="alert">{move || types_error.get()}</p>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || pending.get() data-test="webhook-save">
                    {move || match (pending.get(), id.is_some()) {
                        (true, _) => "Checking the address…",
                        (false, false) => "Add endpoint",
                        (false, true) => "Save",
                    }}
                </button>
            </div>
        </form>
    }
}

/// `/accounts/:id/webhooks/:endpoint`.
#[component]
pub fn WebhookEndpointPage() -> impl IntoView {
    let account = use_account();
    let params = use_params_map();
    let endpoint_id = Memo::new(move |_| {
        params.with(|p| p.get_str("endpoint").and_then(|s| s.parse::<i64>().ok()))
    });
    let detail = Remote::new(move || {
        let id = account.get();
        let endpoint = endpoint_id.get();
        async move {
            match endpoint {
                Some(endpoint) => api::webhook_endpoint(id, endpoint).await.map(Some),
                None => Ok(None),
            }
        }
    });
    // Deliveries move on while the page is open (retries, the test just sent).
    let poll = set_interval_with_handle(move || detail.reload(), std::time::Duration::from_secs(3));
    on_cleanup(move || {
        if let Ok(handle) = poll {
            handle.clear();
        }
    });
    let secret = RwSignal::new(None::<(String, String)>);
    let notice = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let list_href = move || format!("/accounts/{}/webhooks", account.get());
    view! {
        <section aria-labelledby="endpoint-title" class="webhooks">
            <p><a href=list_href>"← Webhooks"</a></p>
            {move || match detail.value.get() {
                None => view! { <p class="card muted" role="status">"Loading…"</p> }.into_any(),
                Some(Err(error)) => view! {
                    <LoadError error=error retry=Callback::new(move |()| detail.reload())/>
                }.into_any(),
                Some(Ok(None)) => view! { <h1 id="endpoint-title">"No such endpoint"</h1> }.into_any(),
                Some(Ok(Some(found))) => {
                    let endpoint = found.endpoint.clone();
                    let (state, class) = state_text(&endpoint);
                    view! {
                        <div class="page-head">
                            <h1 id="endpoint-title"><code>{endpoint.url.clone()}</code></h1>
                            <p data-test="endpoint-state">
                                <span class=class>{state}</span>" "
                                {endpoint.disabled_reason.clone().map(|r| view! { <span class="small">{r}</span> })}
                                {endpoint.failing_since.map(|at| view! { <span class="small">"Failing since "<Time at with_time=true/>"; later events wait in order."</span> })}
                                {endpoint.previous_secret_until.map(|at| view! { <span class="small muted">" The previous secret also signs until "<Time at with_time=true/>"."</span> })}
                            </p>
                        </div>
                        {move || notice.get().map(|m| view! { <div class="alert ok" role="status" data-test="endpoint-notice">{m}</div> })}
                        {move || failure.get().map(|m| view! { <div class="alert error" role="alert" data-test="endpoint-failure">{m}</div> })}
                        {move || secret.get().map(|(title, value)| view! {
                            <NewSecret title value on_done=Callback::new(move |()| secret.set(None))/>
                        })}
                        <EndpointActions endpoint=endpoint.clone() notice failure secret reload=Callback::new(move |()| detail.reload())/>
                        <Deliveries endpoint=endpoint.id deliveries=found.deliveries.clone() notice failure reload=Callback::new(move |()| detail.reload())/>
                        <ReplayForm endpoint=endpoint.id notice failure reload=Callback::new(move |()| detail.reload())/>
                        <EndpointForm title="Settings" existing=Some(endpoint)
                            on_saved=Callback::new(move |_| {
                                notice.set(Some("Saved.".to_owned()));
                                detail.reload();
                            })/>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn EndpointActions(
    endpoint: WebhookEndpoint,
    notice: RwSignal<Option<String>>,
    failure: RwSignal<Option<String>>,
    secret: RwSignal<Option<(String, String)>>,
    reload: Callback<()>,
) -> impl IntoView {
    let account = use_account();
    let id = endpoint.id;
    let remove_open = RwSignal::new(false);
    let remove_pending = RwSignal::new(false);
    let remove_error = RwSignal::new(None::<String>);
    let run = move |what: &'static str| {
        notice.set(None);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let account = account.get_untracked();
            let result = match what {
                "test" => api::send_webhook_test(account, id)
                    .await
                    .map(|_| Some("A test event is on its way: it appears below.".to_owned())),
                "rotate" => api::rotate_webhook_secret(account, id)
                    .await
                    .map(|rotated| {
                        secret.set(Some(("New signing secret".to_owned(), rotated.secret)));
                        None
                    }),
                _ => Ok(None),
            };
            match result {
                Ok(message) => {
                    notice.set(message);
                    reload.run(());
                }
                Err(error) => failure.set(Some(error.message())),
            }
        });
    };
    let toggle = {
        let endpoint = endpoint.clone();
        move |_| {
            let request = WebhookEndpointRequest {
                url: endpoint.url.clone(),
                description: endpoint.description.clone(),
                event_types: endpoint.event_types.clone(),
                enabled: Some(!endpoint.enabled),
            };
            notice.set(None);
            failure.set(None);
            leptos::task::spawn_local(async move {
                match api::change_webhook_endpoint(account.get_untracked(), id, &request).await {
                    Ok(now) => {
                        notice.set(Some(if now.enabled {
                            "Turned on: the deliveries that waited go out now, in order.".to_owned()
                        } else {
                            "Turned off: events wait for it until it is on again.".to_owned()
                        }));
                        reload.run(());
                    }
                    Err(error) => failure.set(Some(error.message())),
                }
            });
        }
    };
    let remove = Callback::new(move |()| {
        remove_pending.set(true);
        leptos::task::spawn_local(async move {
            let account = account.get_untracked();
            let result = api::remove_webhook_endpoint(account, id).await;
            remove_pending.set(false);
            match result {
                Ok(()) => {
                    let _ = window()
                        .location()
                        .set_href(&format!("/accounts/{account}/webhooks"));
                }
                Err(error) => remove_error.set(Some(error.message())),
            }
        });
    });
    view! {
        <div class="card row-actions endpoint-actions">
            <button type="button" class="button" data-test="webhook-test" on:click=move |_| run("test")>"Send test event"</button>
            <button type="button" class="button" data-test="webhook-rotate" on:click=move |_| run("rotate")>"Rotate secret"</button>
            <button type="button" class="button" data-test="webhook-toggle" on:click=toggle>
                {if endpoint.enabled { "Turn off" } else { "Turn on" }}
            </button>
            <button type="button" class="button ghost danger-text" data-test="webhook-remove"
                on:click=move |_| { remove_error.set(None); remove_open.set(true); }>"Remove"</button>
        </div>
        <ConfirmDialog open=remove_open title="Remove endpoint" id="remove-webhook-dialog"
            message=Signal::derive(move || "Remove this endpoint? Its deliveries go with it, and nothing more is sent to it.".to_owned())
            confirm_label="Remove" danger=true pending=remove_pending error=remove_error on_confirm=remove/>
    }
}

fn status_view(delivery: &WebhookDelivery) -> AnyView {
    match delivery.status {
        DeliveryStatus::Delivered => view! { <span class="badge ok">"Delivered"</span> }.into_any(),
        DeliveryStatus::Failed => view! { <span class="badge warn">"Given up"</span> }.into_any(),
        DeliveryStatus::Pending => match delivery.next_attempt_at {
            Some(at) if delivery.last_attempt_at.is_some() => view! {
                <span class="badge">"Retrying"</span><br/><span class="muted small">"next "<Time at relative=true/></span>
            }.into_any(),
            _ => view! { <span class="badge">"Sending"</span> }.into_any(),
        },
    }
}

#[component]
fn Deliveries(
    endpoint: i64,
    deliveries: Vec<WebhookDelivery>,
    notice: RwSignal<Option<String>>,
    failure: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let account = use_account();
    let resend = move |delivery: i64| {
        notice.set(None);
        failure.set(None);
        leptos::task::spawn_local(async move {
            match api::resend_webhook_delivery(account.get_untracked(), endpoint, delivery).await {
                Ok(_) => {
                    notice.set(Some("Sent again: it appears at the top.".to_owned()));
                    reload.run(());
                }
                Err(error) => failure.set(Some(error.message())),
            }
        });
    };
    view! {
        <div class="card table-card">
            <h2 class="card-title">"Recent deliveries"</h2>
            {if deliveries.is_empty() {
                view! { <p class="muted" data-test="deliveries-empty">"Nothing sent yet. Send a test event to try the endpoint."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="deliveries-table" data-test="webhook-deliveries">
                            <caption class="visually-hidden">"Recent deliveries, newest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Event"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Answer"</th>
                                    <th scope="col">"Created"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {deliveries.into_iter().map(|delivery| {
                                    let id = delivery.id;
                                    let answer = match (delivery.status_code, delivery.latency_ms) {
                                        (Some(code), Some(ms)) => format!("HTTP {code} in {ms} ms"),
                                        (None, Some(_)) => "No answer".to_owned(),
                                        _ => String::new(),
                                    };
                                    view! {
                                        <tr data-test="webhook-delivery" data-status=delivery.status.as_str()>
                                            <td>
                                                {delivery.event_type.label()}<br/>
                                                <code class="muted small">{delivery.event_id.clone()}</code>
                                            </td>
                                            <td>
                                                {status_view(&delivery)}
                                                {(delivery.attempts > 1).then(|| view! { <br/><span class="muted small">{format!("{} attempts", delivery.attempts)}</span> })}
                                            </td>
                                            <td class="small">
                                                {answer}
                                                {delivery.response.clone().filter(|r| !r.is_empty()).map(|r| view! {
                                                    <br/><code class="response-excerpt">{r.chars().take(120).collect::<String>()}</code>
                                                })}
                                            </td>
                                            <td class="small nowrap"><Time at=delivery.created_at relative=true/></td>
                                            <td class="actions-cell">
                                                <button type="button" class="button ghost small" data-test="webhook-resend"
                                                    aria-label=format!("Resend {}", delivery.event_id)
                                                    on:click=move |_| resend(id)>"Resend"</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </div>
    }
}

#[component]
fn ReplayForm(
    endpoint: i64,
    notice: RwSignal<Option<String>>,
    failure: RwSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let account = use_account();
    let since = Input::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        failure.set(None);
        // `YYYY-MM-DDTHH:MM`, read by the browser in its own time zone.
        let typed = since.value.get_untracked();
        let millis = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&typed)).get_time();
        if typed.is_empty() || millis.is_nan() {
            since.fail("choose the date and time to replay from");
            return;
        }
        let request = ReplayRequest {
            since: Timestamp::from_millis(millis as i64),
        };
        leptos::task::spawn_local(async move {
            match api::replay_webhook_events(account.get_untracked(), endpoint, &request).await {
                Ok(outcome) => {
                    notice.set(Some(if outcome.more {
                        format!("{} events are being sent again, the most at once: replay again from the last one received.", outcome.queued)
                    } else if outcome.queued == 1 {
                        "1 event is being sent again.".to_owned()
                    } else {
                        format!("{} events are being sent again.", outcome.queued)
                    }));
                    reload.run(());
                }
                Err(error) => match error.field("since") {
                    Some(message) => since.fail(message),
                    None => failure.set(Some(error.message())),
                },
            }
        });
    };
    view! {
        <form class="card form inline-form" on:submit=submit novalidate data-test="webhook-replay">
            <h2>"Replay"</h2>
            <p class="muted small">"Sends every event since then to this endpoint again, oldest first (after a receiver lost some, or to fill a new one)."</p>
            <TextField id="webhook-replay-since" label="Events since" value=since.value error=since.error input_type="datetime-local"/>
            <div class="form-actions start">
                <button type="submit" class="button" data-test="webhook-replay-submit">"Replay"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoints_events_are_named_or_counted() {
        let every: Vec<_> = WebhookEventType::subscribable().collect();
        assert_eq!(events_text(&every), format!("All {} events", every.len()));
        assert_eq!(
            events_text(&[
                WebhookEventType::PersonInvited,
                WebhookEventType::AccessChanged
            ]),
            "Person invited, Access changed"
        );
    }
}
